"""`feedback-nlp serve --demo` as a real process: demo generated, ingested, HTTP answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_demo_starts_a_real_server(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "FEEDBACK_NLP_DATA_DIR": str(tmp_path / "data"),
        "FEEDBACK_NLP_MODEL_DIR": str(tmp_path / "models"),
        "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(tmp_path / "no-public-data"),
    }
    cmd = [sys.executable, "-m", "feedback_nlp.cli", "serve", "--demo", "--demo-tickets", "400",
           "--demo-model-texts", "1500", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.5)
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).json()
        assert ready["tables"]["tickets"] == 400
        assert ready["tables"]["followups"] > 0 and ready["tables"]["orders"] > 0
        # follow-up notes became feedback rows too
        assert ready["tables"]["feedback"] > ready["tables"]["followups"] * 0.3
        assert (tmp_path / "data" / "demo" / "manifest.json").exists()
        # no model existed: the baseline was trained by the training script
        assert list((tmp_path / "models" / "baseline").glob("v1/metadata.json"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
