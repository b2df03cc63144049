"""`feedback-nlp serve --demo` as a real process: demo generated, ingested, HTTP answering with the demo key."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_serve_demo_starts_a_real_server(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data"),
        "FEEDBACK_NLP_MODEL_DIR": str(tmp_path / "models"),
        "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(tmp_path / "no-public-data"),
    }
    cmd = [sys.executable, "-m", "feedback_nlp.cli", "serve", "--demo", "--demo-tickets", "400",
           "--demo-model-texts", "1500", "--demo-finetune-minutes", "0", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/health", timeout=300)
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).json()
        assert ready["tables"]["tickets"] == 400
        assert ready["tables"]["followups"] > 0 and ready["tables"]["orders"] > 0
        # follow-up notes became feedback rows too
        assert ready["tables"]["feedback"] > ready["tables"]["followups"] * 0.3
        assert (tmp_path / "data" / "demo" / "manifest.json").exists()
        # no model existed: the baseline was trained by the training script
        assert list((tmp_path / "models" / "baseline").glob("v1/metadata.json"))
        assert ready["model"] == "baseline@v1"

        # --demo on localhost printed a key with every scope; without it the API refuses
        key = next(line.rsplit(" ", 1)[-1].strip() for line in lines if line.startswith("demo API key"))
        base = f"http://127.0.0.1:{port}"
        refused = httpx.post(f"{base}/v1/classify", json={"text": "空调不制冷"}, timeout=10)
        assert refused.status_code == 401 and refused.json()["type"] == "unauthorized"
        classified = httpx.post(f"{base}/v1/classify", json={"texts": ["空调不制冷，外机噪音很大", "服务很好"]},
                                headers={"X-API-Key": key}, timeout=30)
        assert classified.status_code == 200, classified.text
        body = classified.json()
        assert body["model"] == "baseline@v1" and len(body["results"]) == 2
        assert body["results"][0]["names_zh"]["sentiment"] == "负面"
        models = httpx.get(f"{base}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
        assert models["active"] == "baseline@v1"
        assert 'route="/v1/classify"' in httpx.get(f"{base}/metrics", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
