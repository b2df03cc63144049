"""``feedback-nlp themes`` and ``classify-store`` through Typer's runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.store import Store
from tests.themes.conftest import build_hand_store

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_MODEL_DIR", str(model_path.parent.parent))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def make_store(model: str = "hand@v1") -> None:
    with Store(get_settings().database_path) as store:
        build_hand_store(store, model=model)


def test_themes_json_and_table() -> None:
    make_store()
    result = runner.invoke(app, ["themes", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json",
                                 "--top", "2"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["model"] == "hand@v1" and out["query"]["from"] == "2026-10-01"
    assert [(t["fault_type"], t["count"], t["change"]) for t in out["themes"]] == [("noise", 3, 2), ("leak", 2, 0)]
    filtered = runner.invoke(app, ["themes", "--from", "2026-10-01", "--to", "2026-10-31", "--filter",
                                   "product_line=冰箱", "--format", "json"])
    assert [t["fault_type"] for t in json.loads(filtered.output)["themes"]] == ["leak"]
    table = runner.invoke(app, ["themes", "--from", "2026-10-01", "--to", "2026-10-31", "--sort", "impact"])
    assert table.exit_code == 0, table.output
    assert "噪音/异响/振动" in table.output and "[手机号]" in table.output and "13812345678" not in table.output


def test_themes_emerging_json() -> None:
    make_store()
    result = runner.invoke(app, ["themes", "--emerging", "--format", "json", "--model", "hand@v1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["emerging"] == []  # a handful of texts: nothing is significant
    table = runner.invoke(app, ["themes", "--emerging"])
    assert table.exit_code == 0 and "no emerging issues" in table.output


def test_themes_errors_exit_with_their_kind() -> None:
    assert "ingest" in runner.invoke(app, ["themes"]).output  # no store yet
    with Store(get_settings().database_path):
        pass
    empty = runner.invoke(app, ["themes"])
    assert empty.exit_code == 3 and "classify-store" in empty.output  # not found: no predictions
    make_store()
    assert runner.invoke(app, ["themes", "--filter", "colour=red"]).exit_code == 2
    assert runner.invoke(app, ["themes", "--model", "nope@v1"]).exit_code == 3
    assert runner.invoke(app, ["themes", "--format", "xml"]).exit_code == 2


def test_classify_store_then_themes() -> None:
    make_store()
    first = runner.invoke(app, ["classify-store", "--model", "tiny@v1", "--batch-size", "5", "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "model tiny@v1: 14 stored" in first.output
    again = runner.invoke(app, ["classify-store", "--model", "tiny@v1", "--no-progress"])
    assert "0 stored" in again.output and "14 already predicted" in again.output
    redo = runner.invoke(app, ["classify-store", "--model", "tiny@v1", "--all", "--no-progress"])
    assert "14 stored" in redo.output
    result = runner.invoke(app, ["themes", "--model", "tiny@v1", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["model"] == "tiny@v1"
