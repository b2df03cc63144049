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


def test_a_library_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**__import__("os").environ, "FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data"),
           "FEEDBACK_NLP_MODEL_DIR": str(tmp_path / "models")}  # fmt: skip
    cmd = [sys.executable, "-m", "feedback_nlp.cli", "themes"]
    plain = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert [line for line in plain.stderr.splitlines() if line.strip()] == [
        f"error: no store at {tmp_path / 'data' / 'feedback.duckdb'}: ingest data first (feedback-nlp ingest …)"]
    debug = subprocess.run([*cmd[:3], "--debug", "themes"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "ConfigError" in debug.stderr


def test_each_kind_of_error_has_one_status_and_one_exit_code() -> None:
    from feedback_nlp import errors

    kinds = {errors.InputError: (422, 2), errors.ConfigError: (400, 2), errors.NotFoundError: (404, 3),
             errors.ConflictError: (409, 4), errors.ModelError: (503, 5), errors.StoreError: (503, 6)}  # fmt: skip
    for kind, (status, code) in kinds.items():
        assert (kind.http_status, kind.exit_code) == (status, code), kind
    assert issubclass(errors.PredictionsError, errors.NotFoundError)
    assert issubclass(errors.PredictionsWriteError, errors.ConflictError)
    assert issubclass(errors.QueryError, errors.InputError) and issubclass(errors.ConversionError, errors.ModelError)


def test_a_store_held_by_another_process_is_one_line_with_what_to_do(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data")}
    holder = subprocess.Popen(
        [sys.executable, "-c", "from feedback_nlp.config import get_settings; from feedback_nlp.store import Store; "
         "s = Store(get_settings().database_path); s.connection(); print('holding', flush=True); "
         "import time; time.sleep(120)"],
        env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        for args in (["db", "info"], ["kpis"], ["models", "list"]):
            out = subprocess.run([sys.executable, "-m", "feedback_nlp.cli", *args], env=env, capture_output=True,
                                 text=True, cwd=tmp_path)  # fmt: skip
            lines = [line for line in out.stderr.splitlines() if line.strip()]
            assert out.returncode == 6, (args, out.stderr)
            assert len(lines) == 1 and "in use by another process" in lines[0] and "Traceback" not in out.stderr
    finally:
        holder.kill()
        holder.wait()
