"""`feedback-nlp classify` and `feedback-nlp models list|activate`, run in-process with Typer's runner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter

runner = CliRunner()
TEXTS = ["空调不制冷", "", "洗衣机漏水严重", "师傅很专业，好评", "热水器显示屏不亮"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small model directory (demo@v1), trained once for the module."""
    corpus = demo_corpus(600, seed=1)
    model = TfidfClassifier(
        Taxonomy.default(), name="demo", version="v1", max_char_features=2000, max_word_features=2000,
        segmenter=Segmenter(),
    )  # fmt: skip
    model.fit(corpus["text"].tolist(), corpus)
    return model.save(tmp_path_factory.mktemp("trained") / "demo" / "v1")


def copy_model(source: Path, model_dir: Path, name: str, version: str, created_at: str) -> Path:
    """The same weights under another name/version and creation time (list order is by created_at)."""
    target = model_dir / name / version
    shutil.copytree(source, target)
    meta_path = target / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(name=name, version=version, created_at=created_at)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture
def model_dir(tmp_path: Path, trained: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A model folder with demo@v1 (older) and demo@v2 (newer); store and models under tmp_path."""
    models = tmp_path / "models"
    copy_model(trained, models, "demo", "v1", "2024-01-01T00:00:00+00:00")
    copy_model(trained, models, "demo", "v2", "2024-06-01T00:00:00+00:00")
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_MODEL_DIR", str(models))
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps error messages at the terminal width
    get_settings.cache_clear()
    yield models
    get_settings.cache_clear()


@pytest.fixture
def input_csv(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": [f"F{i}" for i in range(len(TEXTS))], "text": TEXTS}).to_csv(path, index=False)
    return path


def classify(*args: str) -> Any:
    return runner.invoke(app, ["classify", "--no-progress", *args])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_classify_with_model_directory(model_dir: Path, input_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = classify("--in", str(input_csv), "--out", str(out), "--model", str(model_dir / "demo" / "v1"))
    assert result.exit_code == 0, result.output
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == [f"F{i}" for i in range(len(TEXTS))]
    assert ["error" in line for line in lines] == [False, True, False, False, False]
    assert {line["model"] for line in lines} == {"demo@v1"}
    assert "5 rows: 4 classified, 1 with an error field; model demo@v1" in result.stderr
    assert result.stdout == ""


def test_classify_by_name_and_version(model_dir: Path, input_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert classify("--in", str(input_csv), "--out", str(out), "--model", "demo@v1").exit_code == 0
    assert {line["model"] for line in read_jsonl(out)} == {"demo@v1"}
    assert classify("--in", str(input_csv), "--out", str(out), "--model", "demo").exit_code == 0
    assert {line["model"] for line in read_jsonl(out)} == {"demo@v2"}


def test_classify_other_text_column_and_batch_size(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"内容": t}, ensure_ascii=False) + "\n" for t in TEXTS), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = classify("--in", str(path), "--out", str(out), "--text-column", "内容", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == len(TEXTS)


def test_classify_without_model_uses_newest_then_active(model_dir: Path, input_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = classify("--in", str(input_csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert {line["model"] for line in read_jsonl(out)} == {"demo@v2"}
    assert runner.invoke(app, ["models", "activate", "demo@v1"]).exit_code == 0
    result = classify("--in", str(input_csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert {line["model"] for line in read_jsonl(out)} == {"demo@v1"}


def test_classify_unknown_model_exits_3_listing_known(model_dir: Path, input_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = classify("--in", str(input_csv), "--out", str(out), "--model", "nope")
    assert result.exit_code == 3  # not found
    assert "'nope' not found" in result.stderr and "known: demo@v1, demo@v2" in result.stderr
    assert not out.exists()


def test_classify_without_any_model_exits_5(tmp_path: Path, input_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_MODEL_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    try:
        result = classify("--in", str(input_csv), "--out", str(tmp_path / "out.jsonl"))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 5 and "no model in" in result.stderr  # a model error


def test_classify_refused_input_exits_2(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"content": ["空调不制冷"]}).to_csv(path, index=False)
    result = classify("--in", str(path), "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "no 'text' column" in result.stderr
    bad = tmp_path / "in.pdf"
    bad.write_text("text\n空调不制冷\n", encoding="utf-8")
    result = classify("--in", str(bad), "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "unsupported file type" in result.stderr


def test_classify_missing_input_exits_2(model_dir: Path, tmp_path: Path) -> None:
    result = classify("--in", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_models_list_json(model_dir: Path) -> None:
    result = runner.invoke(app, ["models", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [m["ref"] for m in listed] == ["demo@v2", "demo@v1"]  # newest first
    assert [m["active"] for m in listed] == [True, False]  # nothing recorded: the newest is the default
    first = listed[0]
    assert first["kind"] == "tfidf-linear" and Path(first["path"]) == model_dir / "demo" / "v2"
    assert first["created_at"].startswith("2024-06-01") and first["taxonomy"].startswith("default")
    assert not (get_settings().database_path).exists()  # listing never creates the store


def test_models_activate_records_it_in_the_store(model_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "activate", "demo@v1"])
    assert result.exit_code == 0, result.output
    assert "active model: demo@v1" in result.stdout
    assert (tmp_path / "data" / "feedback.duckdb").exists()
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert {m["ref"]: m["active"] for m in listed} == {"demo@v2": False, "demo@v1": True}
    table = runner.invoke(app, ["models", "list"])
    assert table.exit_code == 0, table.output
    (marked,) = [line for line in table.stdout.splitlines() if "*" in line]
    assert "demo@v1" in marked
    assert "no active model recorded" not in table.stdout


def test_models_list_table_without_active(model_dir: Path) -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "demo@v1" in result.stdout and "demo@v2" in result.stdout
    assert "no active model recorded" in result.stdout


def test_models_activate_unknown_exits_3(model_dir: Path) -> None:
    result = runner.invoke(app, ["models", "activate", "nope@v9"])
    assert result.exit_code == 3  # not found
    assert "'nope@v9' not found" in result.stderr and "demo@v1" in result.stderr
