"""Several processes: one server holds the store, classify-only workers (no store) serve
classification beside it — real processes, real uvicorn workers, real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.security import hash_key
from tests.api.conftest import KEYS, assert_error, auth
from tests.servers import free_port, wait_until_serving


def test_a_classify_only_app_never_opens_the_store(make_client, tmp_path: Path) -> None:  # noqa: ANN001
    client = make_client(store="none", model="baseline@v2")
    ready = client.get("/ready").json()
    assert ready["store"] is False and ready["model"] == "baseline@v2" and ready["tables"] == {}
    answer = client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify"))
    assert answer.status_code == 200 and answer.json()["model"] == "baseline@v2"
    assert_error(client.get("/v1/kpis", headers=auth("read")), 503, "store_unavailable")
    assert_error(client.post("/v1/classify", json={"texts": ["冰箱漏水"], "ids": ["F1"], "store": True},
                             headers=auth("all")), 503, "store_unavailable")  # fmt: skip
    assert_error(client.post("/v1/models/baseline/activate", headers=auth("admin")), 503, "store_unavailable")
    assert not (tmp_path / "data" / "feedback.duckdb").exists()


@pytest.mark.slow
def test_two_classify_only_workers_serve_while_another_process_holds_the_store(model_dir: Path,
                                                                                tmp_path: Path) -> None:
    keys = [{"name": "svc", "key_sha256": hash_key(KEYS["classify"]), "scopes": ["classify"]}]
    env = {**os.environ, "FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data"), "FEEDBACK_NLP_MODEL_DIR": str(model_dir),
           "FEEDBACK_NLP_API__API_KEYS": json.dumps(keys)}  # fmt: skip
    holder = subprocess.Popen(
        [sys.executable, "-c", "from feedback_nlp.config import get_settings; from feedback_nlp.store import Store; "
         "s = Store(get_settings().database_path); s.connection(); print('holding', flush=True); "
         "import time; time.sleep(300)"], env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    port = free_port()
    server = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        cli = [sys.executable, "-m", "feedback_nlp.cli", "serve", "--port", str(port)]
        refused = subprocess.run([*cli, "--workers", "2"], env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "--classify-only" in refused.stderr
        server = subprocess.Popen([*cli, "--classify-only", "--workers", "2"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(server, f"{base}/ready", what="the workers")
        for _ in range(20):  # fresh connections: the kernel spreads them over both workers
            with httpx.Client() as one:
                answer = one.post(f"{base}/v1/classify", json={"text": "洗衣机漏水"}, headers=auth("classify"))
                assert answer.status_code == 200 and answer.json()["model"] == "baseline@v1"
        assert httpx.get(f"{base}/ready", timeout=5).json()["store"] is False
    finally:
        if server is not None:
            server.terminate()
            out, _ = server.communicate(timeout=60)
            assert out.count("Started server process") == 2, out[-3000:]  # two worker processes ran
        holder.kill()
        holder.wait()
