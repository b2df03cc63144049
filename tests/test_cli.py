"""The console script, run in-process with Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from tests.conftest import TICKET_HEADER, ticket_row, write_csv

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_ingest_prints_and_writes_report(tmp_path: Path, data_dir: Path) -> None:
    path = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(1), ticket_row(2, 人工成本="-5")])
    result = runner.invoke(app, ["ingest", "tickets", str(path)])
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output and "must not be negative" in result.output
    reports = list((data_dir / "reports").glob("tickets-*.json"))
    assert len(reports) == 1 and json.loads(reports[0].read_text(encoding="utf-8"))["inserted"] == 1
    strict = runner.invoke(app, ["ingest", "tickets", str(path), "--strict"])
    assert strict.exit_code == 1


def test_ingest_refused_file_exits_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["工单号"], [["T1"]])
    result = runner.invoke(app, ["ingest", "tickets", str(path)])
    assert result.exit_code == 2
    assert "missing required column" in result.output
    assert runner.invoke(app, ["ingest", "invoices", str(path)]).exit_code == 2


def test_db_info_json(tmp_path: Path, data_dir: Path) -> None:
    path = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(i) for i in range(3)])
    runner.invoke(app, ["ingest", "tickets", str(path)])
    result = runner.invoke(app, ["db", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["tables"]["tickets"] == 3 and info["schema_version"] >= 1
    assert Path(info["path"]) == data_dir / "feedback.duckdb"
