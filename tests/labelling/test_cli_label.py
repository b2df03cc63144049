"""``feedback-nlp label``: suggest → Label Studio / CSV files → import → agreement, end to end."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text.segment import Segmenter

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = demo_corpus(600, seed=2)
    model = TfidfClassifier(Taxonomy.default(), name="demo", version="v1", max_char_features=2000,
                            max_word_features=2000, segmenter=Segmenter())  # fmt: skip
    model.fit(corpus["text"].tolist(), corpus)
    return model.save(tmp_path_factory.mktemp("models") / "demo" / "v1")


@pytest.fixture
def env(tmp_path: Path, trained: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_MODEL_DIR", str(trained.parents[1]))
    monkeypatch.setenv("COLUMNS", "400")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def pool(tmp_path: Path) -> Path:
    texts = demo_corpus(80, seed=9)["text"].tolist()
    path = tmp_path / "pool.csv"
    pd.DataFrame({"id": [f"P{i}" for i in range(len(texts))], "text": texts}).to_csv(path, index=False)
    return path


def test_suggest_writes_label_studio_tasks_and_config(env: Path, pool: Path) -> None:
    out = env / "tasks.json"
    result = runner.invoke(app, ["label", "suggest", "--in", str(pool), "--n", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 10
    heads = {"fault_types", "primary_fault", "sentiment", "aspects"}
    for task in tasks:
        assert task["data"]["text"] and task["data"]["id"].startswith("P") and task["data"]["strategy"] == "uncertainty"
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == "demo@v1"
        for item in prediction["result"]:
            assert item["from_name"] in heads and item["to_name"] == "text" and item["type"] == "choices"
    config = ET.fromstring((env / "tasks.label_config.xml").read_text(encoding="utf-8"))
    choices = {c.get("name"): c for c in config.iter("Choices")}
    assert set(choices) == heads
    assert choices["fault_types"].get("choice") == "multiple" and choices["sentiment"].get("choice") == "single-radio"
    aliases = [c.get("alias") for c in choices["fault_types"].iter("Choice")]
    assert aliases == Taxonomy.default().fault_types.codes
    # every prediction names choices the config offers
    offered = {name: {c.get("alias") for c in node.iter("Choice")} for name, node in choices.items()}
    for task in tasks:
        for item in task["predictions"][0]["result"]:
            assert set(item["value"]["choices"]) <= offered[item["from_name"]]


def test_csv_round_trip_import_and_never_suggest_again(env: Path, pool: Path) -> None:
    out = env / "tasks.csv"
    assert runner.invoke(app, ["label", "suggest", "--in", str(pool), "--n", "8", "--strategy", "diverse",
                               "--out", str(out)]).exit_code == 0  # fmt: skip
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns[:6]) == ["key", "text", "fault_types", "primary_fault", "sentiment", "aspects"]
    assert table["sentiment"].ne("").all()  # pre-filled by the model
    table.loc[0, "sentiment"] = "furious"  # one bad edit
    table.to_csv(out, index=False, encoding="utf-8-sig")
    result = runner.invoke(app, ["label", "import", str(out), "--labeller", "fay"])
    assert result.exit_code == 0, result.output
    assert "7 label(s) added, 0 unchanged, 1 row(s) rejected" in result.output
    assert "row 2, sentiment: unknown code 'furious'" in result.output
    assert "Traceback" not in result.output
    strict = runner.invoke(app, ["label", "import", str(out), "--labeller", "fay", "--strict"])
    assert strict.exit_code == 1 and "0 label(s) added, 7 unchanged" in strict.output
    with Store(env / "data" / "feedback.duckdb") as store:
        labelled = set(store.current_labels()["text"])
    assert len(labelled) == 7
    again = env / "again.json"
    assert runner.invoke(app, ["label", "suggest", "--in", str(pool), "--n", "80", "--out", str(again)]).exit_code == 0
    suggested = {t["data"]["text"] for t in json.loads(again.read_text(encoding="utf-8"))}
    assert not suggested & labelled and len(suggested) == 80 - 7


def test_agreement_between_two_labellers_in_the_store(env: Path) -> None:
    texts = ["空调不制冷", "手机屏幕闪", "客服态度差", "冰箱有异响"]
    for name, sentiments in (("gus", ["negative", "negative", "negative", "negative"]),
                             ("hal", ["negative", "neutral", "negative", "negative"])):  # fmt: skip
        path = env / f"{name}.csv"
        pd.DataFrame({"text": texts, "fault_types": ["temperature", "display", "none", "noise"],
                      "sentiment": sentiments, "labeller": name}).to_csv(path, index=False)
        assert runner.invoke(app, ["label", "import", str(path)]).exit_code == 0
    result = runner.invoke(app, ["label", "agreement", "gus", "hal", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 4 and report["accuracy"]["sentiment"] == 0.75 and report["kappa"]["primary_fault"] == 1.0
    missing = runner.invoke(app, ["label", "agreement", "gus", "nobody"])
    assert missing.exit_code == 2 and "neither a file nor a labeller" in missing.output


def test_bad_label_file_is_one_line_error(env: Path) -> None:
    bad = env / "export.json"
    bad.write_text("[{", encoding="utf-8")
    result = runner.invoke(app, ["label", "import", str(bad)])
    assert result.exit_code == 2 and "not a Label Studio JSON export" in result.output
    assert "Traceback" not in result.output
