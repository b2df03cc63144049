"""Human labels in training: they replace the rules' labels of the same text, weigh more,
and follow the corpus's hash split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp import training
from feedback_nlp.classifiers.artifacts import read_metadata
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets.corpus import demo_corpus, split_of
from feedback_nlp.labels import write_labelled
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training.human_labels import apply_human_labels, load_human_labels

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--max-char-features", "5000", "--max-word-features", "5000", "--public-dir", "/nonexistent"]
#: A family of texts the "rules" label as noise and a person labels as a display fault.
FAMILY = [f"型号ZX{i}显示器{['出现竖线', '有横纹', '画面抖动有竖纹', '屏上一条彩线'][i % 4]}{'！' * (i % 3)}"
          for i in range(60)]


def rule_row(text: str) -> dict:
    return {"dataset": "rules", "row_id": 0, "text": text, "fault_types": ["noise"], "primary_fault": "noise",
            "sentiment": "negative", "aspects": []}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = demo_corpus(1500, seed=5)
    rules = pd.DataFrame([rule_row(t) for t in FAMILY])
    folder = tmp_path_factory.mktemp("data")
    write_labelled(pd.concat([corpus.iloc[:1200], rules], ignore_index=True), folder / "train.jsonl")
    write_labelled(corpus.iloc[1200:], folder / "valid.jsonl")
    return folder


@pytest.fixture(scope="module")
def human_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "people.csv"
    pd.DataFrame({"text": FAMILY, "fault_types": "display", "primary_fault": "display",
                  "sentiment": "negative", "aspects": "", "labeller": "erin"}).to_csv(path, index=False)
    return path


def test_human_labels_replace_rule_rows_and_split_by_hash(data_dir: Path, human_file: Path) -> None:
    args = training.DataArguments(data_dir=data_dir, extra_label_files=[human_file], public_dir=Path("/nonexistent"))
    data = training.load_training_data(args, Taxonomy.default())
    everywhere = pd.concat([f.assign(set=name) for name, f in data.sets.items()], ignore_index=True)
    family = everywhere[everywhere["text"].isin(FAMILY)]
    assert len(family) == len(FAMILY)  # each text once: the rule rows are gone
    assert set(family["dataset"]) == {"human"} and set(family["weight"]) == {3.0}
    assert all(ft == ["display"] for ft in family["fault_types"])
    expected = {"train": "train", "valid": "valid", "test": "test_human"}
    assert all(row.set == expected[split_of(row.text)] for row in family.itertuples())
    assert set(everywhere.loc[everywhere["dataset"] != "human", "weight"]) == {1.0}
    assert any("replaced 60 rule-labelled row(s)" in note for note in data.notes)


def test_gold_texts_are_never_trained_on(tmp_path: Path, human_file: Path) -> None:
    labels, _ = load_human_labels([human_file], Taxonomy.default(), public_dir=None)
    sets = {"train": pd.DataFrame([rule_row("别的文本")]), "valid": pd.DataFrame([rule_row("另一条")])}
    merged, notes = apply_human_labels(sets, labels, held_out=FAMILY[:5])
    texts = set(pd.concat(merged.values())["text"])
    assert not texts & set(FAMILY[:5]) and set(FAMILY[5:]) <= texts
    assert "5 text(s) of the gold/holdout sets left out" in notes[0]


@pytest.mark.slow
def test_a_human_label_overrides_the_rule_label_in_the_model(tmp_path: Path, data_dir: Path, human_file: Path) -> None:
    script = training.load_script(REPO / "training" / "train_baseline.py")
    common = ["--data-dir", str(data_dir), "--model-dir", str(tmp_path), *SMALL]
    script.main([*common, "--name", "rules-only"])
    script.main([*common, "--name", "with-people", "--extra-label-files", str(human_file)])
    probe = ["型号ZX77显示器出现竖线", "型号ZX78显示器有横纹"]
    rules_only = load_classifier(tmp_path / "rules-only" / "v1").predict(probe)
    with_people = load_classifier(tmp_path / "with-people" / "v1").predict(probe)
    assert all("noise" in f and "display" not in f for f in rules_only["fault_types"])
    assert all("display" in f and "noise" not in f for f in with_people["fault_types"])
    meta = read_metadata(tmp_path / "with-people" / "v1")
    assert meta["training_data"]["human_labels"] != "none" and meta["training_data"]["human_rows"] > 30
    assert "test_human" in meta["metrics"]
