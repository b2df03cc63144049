"""``--server URL``: CLI commands go through a running server that holds the store (issue 19, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.security import hash_key
from feedback_nlp.cli import app as cli
from tests.conftest import TICKET_HEADER, ticket_row, write_csv
from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
KEY = "fnlp_server-mode-test-key"
runner = CliRunner()


@pytest.fixture
def server(tmp_path: Path, model_dir: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real `feedback-nlp serve` process holding a store of 12 tickets; this process's settings point at it."""
    env_vars = {"FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data"), "FEEDBACK_NLP_MODEL_DIR": str(model_dir),
                "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(tmp_path / "none")}
    for name, value in env_vars.items():
        monkeypatch.setenv(name, value)
    tickets = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(i) for i in range(1, 13)])
    assert runner.invoke(cli, ["ingest", "tickets", str(tickets)]).exit_code == 0
    port = free_port()
    keys = json.dumps([{"name": "cli", "key_sha256": hash_key(KEY), "scopes": ["read", "ingest", "admin"]}])
    proc = subprocess.Popen([sys.executable, "-m", "feedback_nlp.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, **env_vars, "FEEDBACK_NLP_API__API_KEYS": keys},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, f"{url}/ready", timeout=120)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.slow
def test_commands_go_through_the_server_that_holds_the_store(
        server: tuple[str, subprocess.Popen[str]], tmp_path: Path) -> None:
    url, proc = server
    remote = ("--server", url, "--api-key", KEY)
    # Locally the store is held: one line that says what to do.
    code, out = run("kpis", "--id", "resolution_rate")
    assert code == 6 and "--server" in out and "Traceback" not in out, out
    assert len(out.strip().splitlines()) == 1

    code, out = run("kpis", "--id", "resolution_rate", "--id", "backlog", "--format", "json", *remote)
    assert code == 0, out
    through_server = json.loads(out)
    assert {r["id"] for r in through_server["results"]} == {"resolution_rate", "backlog"}
    code, table = run("kpis", "--group-by", "product_line", "--id", "resolution_rate", *remote)
    assert code == 0 and "KPIs" in table and "predictions: none" in table, table

    feedback = tmp_path / "f.jsonl"
    texts = ["空调不制冷", "冰箱噪音大", "师傅很专业", "洗衣机漏水", "电视黑屏"]
    rows = [{"feedback_id": f"F{i}", "text": t, "source": "review", "created_at": "2026-10-20 10:00"}
            for i, t in enumerate(texts)]
    feedback.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out = run("ingest", "feedback", str(feedback), *remote)
    assert code == 0 and "inserted" in out and "5" in out, out

    code, out = run("models", "list", "--json", *remote)
    assert code == 0 and json.loads(out)["active"] == "baseline@v1", out
    code, out = run("models", "activate", "baseline@v2", *remote)
    assert code == 0 and "baseline@v2" in out, out
    served = httpx.get(f"{url}/v1/models", headers={"X-API-Key": KEY}, timeout=10).json()
    assert served["active"] == "baseline@v2"

    # The server's refusals are the CLI's errors: same one line, same exit codes.
    code, out = run("themes", *remote)
    assert code == 3 and "HTTP 404" in out and len(out.strip().splitlines()) == 1, out
    code, out = run("kpis", "--id", "nope", *remote)
    assert code == 2 and "unknown KPI" in out, out  # an input error, as locally
    code, out = run("kpis", "--server", url, "--api-key", "fnlp_wrong")
    assert code == 2 and "HTTP 401" in out, out
    code, out = run("kpis", "--server", url)
    assert code == 2 and "API key" in out, out
    code, out = run("kpis", "--server", f"http://127.0.0.1:{free_port()}", "--api-key", KEY)
    assert code == 2 and "cannot reach" in out, out

    # Through the server or locally (once it has stopped), the same KPI values.
    proc.terminate()
    proc.wait(timeout=30)  # the store's file lock goes with the process
    code, out = run("kpis", "--id", "resolution_rate", "--id", "backlog", "--format", "json")
    assert code == 0, out
    local = json.loads(out)
    assert local["results"] == through_server["results"]

