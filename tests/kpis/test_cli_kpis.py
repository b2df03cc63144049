"""``feedback-nlp kpis`` in-process with Typer's runner, on the hand-built fixture store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.store import Store
from tests.kpis.fixture import build

runner = CliRunner()
MARCH = ["--from", "2024-03-01", "--to", "2024-03-31"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "220")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def store_file(data_dir: Path) -> Path:
    path = data_dir / "feedback.duckdb"
    build(Store(path)).close()
    return path


def test_json(store_file: Path) -> None:
    result = runner.invoke(app, ["kpis", *MARCH, "--id", "resolution_rate", "--id", "negative_rate",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    values = {r["id"]: r["value"] for r in data["results"]}
    assert values == {"resolution_rate": 0.5, "negative_rate": 0.5}
    assert data["query"]["from"] == "2024-03-01" and data["model"] == "demo@v1"


def test_table_shows_chinese_names_and_status(store_file: Path) -> None:
    result = runner.invoke(app, ["kpis", *MARCH, "--id", "resolution_rate", "--id", "first_response_time",
                                 "--id", "fault_rate", "--filter", "region=华东"])
    assert result.exit_code == 0, result.output
    assert "问题解决率" in result.output and "100.0%" in result.output  # 华东: T1, T2 resolved
    assert "✓" in result.output  # 100% ≥ 90%
    assert "'region' does not apply" in result.output  # fault_rate is null with its reason


def test_grouped_csv(store_file: Path) -> None:
    result = runner.invoke(app, ["kpis", *MARCH, "--id", "resolution_rate", "--group-by", "region",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("id,name_zh,group,period,value")
    assert len(lines) == 3 and any(",华南,," in line and ",0.25," in line for line in lines)


def test_list(data_dir: Path) -> None:
    result = runner.invoke(app, ["kpis", "--list", "--format", "json"])
    assert result.exit_code == 0, result.output
    entries = {e["id"]: e for e in json.loads(result.output)}
    assert entries["nps"]["name_zh"] == "净推荐值" and entries["csat_rate"]["target"] == 0.95
    table = runner.invoke(app, ["kpis", "--list"])
    assert table.exit_code == 0 and "首次修复率" in table.output


@pytest.mark.parametrize(("args", "message", "code"), [
    (["--id", "mttr"], "unknown KPI id 'mttr'", 2),
    (["--from", "2024-13-01"], "is not a date", 2),
    (["--filter", "city=北京"], "unknown dimension", 2),
    (["--model", "nope@v1"], "no stored predictions", 3),  # not found
    (["--format", "xml"], "--format", 2),
])
def test_errors_exit_with_the_code_of_their_kind(store_file: Path, args: list[str], message: str, code: int) -> None:
    result = runner.invoke(app, ["kpis", *args])
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_no_store_exits_2(data_dir: Path) -> None:
    result = runner.invoke(app, ["kpis"])
    assert result.exit_code == 2 and "no store" in result.output
    assert not (data_dir / "feedback.duckdb").exists()
