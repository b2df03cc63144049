"""Smoke tests of the training scripts: train_baseline, evaluate and prepare_data.

The scripts are not a package, so each is imported from its path and its
``main(argv)`` called with tiny settings; the tests then read the files it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import yaml

from feedback_nlp import training
from feedback_nlp.classifiers.artifacts import METADATA_FILE
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets import public
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.errors import ConfigError
from feedback_nlp.labels import join_codes, write_labelled
from feedback_nlp.training import RESULTS_FILE

REPO = Path(__file__).resolve().parents[2]
PUBLIC_DIR = REPO.parent / "shared" / "data" / "public"
CAR_COMPLAINTS = PUBLIC_DIR / public.FILES["car_complaints_12365auto"]
#: Tiny but enough for the scores below: train/valid/test of generated text.
N_TEXTS, N_TRAIN, N_VALID = 2500, 1800, 350
SMALL = ["--max-char-features", "5000", "--max-word-features", "5000", "--public-dir", "/nonexistent"]


def load_script(name: str) -> ModuleType:
    return training.load_script(REPO / "training" / f"{name}.py")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = demo_corpus(N_TEXTS, seed=3)
    folder = tmp_path_factory.mktemp("data")
    write_labelled(corpus.iloc[:N_TRAIN], folder / "train.jsonl")
    write_labelled(corpus.iloc[N_TRAIN : N_TRAIN + N_VALID], folder / "valid.jsonl")
    write_labelled(corpus.iloc[N_TRAIN + N_VALID :], folder / "test.jsonl")
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[dict[str, Any], Path]:
    """One baseline run: its returned dict and its model directory."""
    model_dir = tmp_path_factory.mktemp("models")
    results = load_script("train_baseline").main(
        ["--data-dir", str(data_dir), "--model-dir", str(model_dir), "--name", "smoke", *SMALL]
    )
    return results, model_dir / "smoke" / "v1"


@pytest.mark.slow
def test_train_baseline_results(trained: tuple[dict[str, Any], Path]) -> None:
    results, out = trained
    assert results == read_json(out / RESULTS_FILE)
    assert results["model"] == "smoke@v1" and Path(results["model_path"]) == out
    assert results["valid_n"] == N_VALID and results["test_n"] == N_TEXTS - N_TRAIN - N_VALID
    assert not any(key.startswith("gold_") for key in results)  # no public data: no gold set
    for split in ("valid", "test"):
        assert results[f"{split}_fault_micro_f1"] > 0.75
        assert results[f"{split}_sentiment_accuracy"] > 0.9
        assert results[f"{split}_aspects_micro_f1"] > 0.75


@pytest.mark.slow
def test_train_baseline_model_directory(trained: tuple[dict[str, Any], Path], data_dir: Path) -> None:
    results, out = trained
    assert {p.name for p in out.iterdir()} == {
        METADATA_FILE, "model.pkl.gz", "run_args.json", "valid_results.json", "test_results.json", RESULTS_FILE,
    }  # fmt: skip
    meta = read_json(out / METADATA_FILE)
    assert (meta["name"], meta["version"], meta["kind"]) == ("smoke", "v1", "tfidf-linear")
    assert set(meta["metrics"]) == {"valid", "test"}
    assert meta["metrics"]["test"]["fault_micro_f1"] == results["test_fault_micro_f1"]
    assert meta["training_data"]["rows"] == N_TRAIN and meta["training_data"]["sources"] == {"demo": N_TRAIN}
    assert meta["parameters"]["max_char_features"] == 5000
    run_args = read_json(out / "run_args.json")
    assert run_args["data_dir"] == str(data_dir) and run_args["max_char_features"] == 5000
    assert run_args["seed"] == 0 and run_args["overwrite"] is False
    assert meta["arguments"] == run_args
    split = read_json(out / "test_results.json")
    assert (
        split["n"] == results["test_n"]
        and split["metrics"]["fault_types"]["micro_f1"] == results["test_fault_micro_f1"]
    )
    model = load_classifier(out)
    assert (model.name, model.version) == ("smoke", "v1")


@pytest.mark.slow
def test_train_baseline_refuses_to_overwrite(trained: tuple[dict[str, Any], Path], data_dir: Path) -> None:
    _, out = trained
    before = (out / "model.pkl.gz").stat().st_mtime_ns
    argv = ["--data-dir", str(data_dir), "--model-dir", str(out.parents[1]), "--name", "smoke", "--version", "v1"]
    with pytest.raises(ConfigError, match="already exists; pass --overwrite"):
        load_script("train_baseline").main([*argv, *SMALL])
    assert (out / "model.pkl.gz").stat().st_mtime_ns == before


@pytest.mark.slow
def test_train_baseline_replays_run_args(trained: tuple[dict[str, Any], Path]) -> None:
    results, out = trained
    replay = load_script("train_baseline").main(["--args-file", str(out / "run_args.json")])
    assert replay["model"] == "smoke@v2"  # version was not fixed: the next one
    v2 = out.parent / "v2"
    assert read_json(v2 / "run_args.json") == read_json(out / "run_args.json")
    same_seed = {k: v for k, v in results.items() if k not in {"model", "model_path"}}
    assert {k: replay[k] for k in same_seed} == same_seed


@pytest.mark.slow
def test_evaluate_on_a_csv(trained: tuple[dict[str, Any], Path], tmp_path: Path, capsys: Any) -> None:
    _, out = trained
    corpus = demo_corpus(200, seed=11)
    frame = corpus[["text", "primary_fault", "sentiment"]].assign(
        fault_types=corpus["fault_types"].map(lambda codes: join_codes(codes, ",")),
        aspects=corpus["aspects"].map(lambda codes: join_codes(codes, ",")),
    )
    assert frame["fault_types"].str.contains(",").any()  # comma-separated lists are exercised
    path = tmp_path / "labelled.csv"
    frame.to_csv(path, index=False)
    capsys.readouterr()
    report = load_script("evaluate").main(["--model", str(out), "--data", str(path), "--public-dir", "/nonexistent"])
    printed = capsys.readouterr().out
    written = read_json(out / "eval_labelled.json")
    assert written == report
    assert written["n"] == 200 and set(written["metrics"]) == {"fault_types", "sentiment", "aspects"}
    faults = written["metrics"]["fault_types"]
    assert {"micro_precision", "micro_recall", "micro_f1", "macro_f1", "per_label", "primary_accuracy"} <= set(faults)
    assert faults["micro_f1"] > 0.7
    assert {"accuracy", "macro_f1", "confusion"} <= set(written["metrics"]["sentiment"])
    assert "micro" in printed and "model smoke@v1" in printed and "n=200" in printed


@pytest.mark.slow
def test_evaluate_by_name_with_out(trained: tuple[dict[str, Any], Path], data_dir: Path, tmp_path: Path) -> None:
    _, out = trained
    target = tmp_path / "scores" / "test.json"
    argv = ["--model", "smoke@v1", "--model-dir", str(out.parents[1]), "--data", str(data_dir / "test.jsonl")]
    report = load_script("evaluate").main([*argv, "--out", str(target)])
    written = read_json(target)
    assert written == report
    assert (
        written["metrics"]["fault_types"]["micro_f1"]
        == read_json(out / "test_results.json")["metrics"]["fault_types"]["micro_f1"]
    )


# -- the user-taxonomy example: 车质网 system letters, split by date -------------------------
needs_car_complaints = pytest.mark.skipif(
    not CAR_COMPLAINTS.exists(), reason=f"public data not found at {CAR_COMPLAINTS}"
)


def check_split_by_date(folder: Path) -> dict[str, pd.DataFrame]:
    splits = {s: pd.read_json(folder / f"{s}.jsonl", lines=True, dtype=False) for s in ("train", "valid", "test")}
    dates = {s: pd.to_datetime(frame["date"]) for s, frame in splits.items()}
    assert dates["train"].max() <= dates["valid"].min() and dates["valid"].max() <= dates["test"].min()
    assert dates["train"].max() <= dates["test"].min()
    assert min(len(frame) for frame in splits.values()) > 50
    return splits


@needs_car_complaints
def test_prepare_data_chezhi_letters(tmp_path: Path) -> None:
    out = tmp_path / "chezhi"
    summary = load_script("prepare_data").main(
        ["--preset", "chezhi-letters", "--out", str(out), "--public-dir", str(PUBLIC_DIR)]
    )
    assert summary["preset"] == "chezhi-letters" and read_json(out / "summary.json") == summary
    assert yaml.safe_load((out / "taxonomy.yaml").read_text(encoding="utf-8"))["name"] == "chezhi-letters"
    splits = check_split_by_date(out)
    assert {s: len(frame) for s, frame in splits.items()} == {s: v["rows"] for s, v in summary["splits"].items()}


@needs_car_complaints
@pytest.mark.slow
def test_train_on_a_user_taxonomy(tmp_path: Path) -> None:
    # The README's worked example: prepare the letters data set, train on its taxonomy.
    folder = tmp_path / "chezhi"
    load_script("prepare_data").main(
        ["--preset", "chezhi-letters", "--out", str(folder), "--public-dir", str(PUBLIC_DIR)]
    )
    taxonomy_path = folder / "taxonomy.yaml"
    check_split_by_date(folder)
    results = load_script("train_baseline").main(
        ["--data-dir", str(folder), "--taxonomy", str(taxonomy_path), "--name", "chezhi-letters",
         "--model-dir", str(tmp_path / "models"), "--max-char-features", "5000", "--max-word-features", "5000",
         "--public-dir", str(PUBLIC_DIR)]
    )  # fmt: skip
    assert results["model"] == "chezhi-letters@v1"
    assert results["test_fault_micro_f1"] > 0.5
    assert not any(key.startswith(("test_sentiment", "test_aspects", "gold_")) for key in results)
    model = load_classifier(tmp_path / "models" / "chezhi-letters" / "v1")
    assert model.taxonomy_.fault_types.codes == list(public.CAR_LETTER_NAMES)
    assert "A" in model.predict(["发动机异响，抖动严重"])["fault_types"].iloc[0]


@pytest.mark.parametrize("script", ["prepare_data", "prepare_base", "train_baseline", "finetune", "evaluate"])
def test_every_training_script_prints_its_help(script: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A help text with a literal "%" once made argparse crash on --help.
    with pytest.raises(SystemExit) as stopped:
        load_script(script).main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and "--help" in out
