"""The server fine-tunes in the background and switches when the new model wins (issue 15, section 3).

The job is a real child process started and watched by the real app; its command is a
short script standing in for the minutes-long ``feedback-nlp train``: it writes a model
into the model folder (a copy of the fixture baseline under the name ``transformer``, with
the held-out scores it is given; it stays a baseline underneath, so it loads in a second)
and the result file ``train --json-out`` writes.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from feedback_nlp.classifiers.artifacts import TRANSFORMER_KIND
from feedback_nlp.text import Segmenter
from feedback_nlp.training.background import needs_transformer
from tests.api.conftest import auth, make_settings

SCORES = {"fault_micro_f1": 0.80, "primary_accuracy": 0.80, "sentiment_accuracy": 0.90, "aspects_micro_f1": 0.75}

JOB = """
import json, shutil, sys, time
from pathlib import Path
models, result, scores, code = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
release, deadline = Path(sys.argv[5]), time.monotonic() + 30
while sys.argv[5] and not release.exists() and time.monotonic() < deadline:  # the test says when
    time.sleep(0.05)
if code:
    print("the fine-tune failed", flush=True)
    sys.exit(code)
out = models / "transformer" / "v1"
shutil.copytree(models / "baseline" / "v1", out)
meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
meta.update(name="transformer", version="v1", metrics={"gold": scores})
(out / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
result.write_text(json.dumps({"baseline": "baseline@v1", "transformer": "transformer@v1"}), encoding="utf-8")
"""


@pytest.fixture
def models(tmp_path: Path, model_dir: Path) -> Path:
    """A model folder of its own: the fixture's baselines, v1 scored on gold."""
    root = tmp_path / "models"
    shutil.copytree(model_dir, root)
    meta_path = root / "baseline" / "v1" / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["metrics"] = {"gold": SCORES}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return root


def start(tmp_path: Path, models: Path, segmenter: Segmenter, command: list[str]) -> TestClient:
    settings = make_settings(tmp_path, models, background_finetune_minutes=8)
    client = TestClient(create_app(settings, segmenter=segmenter, training_command=command))
    client.__enter__()
    return client


def job(tmp_path: Path, models: Path, scores: dict[str, float], code: int = 0,
        release: Path | None = None) -> list[str]:
    result = tmp_path / "data" / "training" / "background-train.json"
    return [sys.executable, "-c", JOB, str(models), str(result), json.dumps(scores), str(code),
            str(release) if release else ""]


def wait_for_training(client: TestClient, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/v1/models", headers=auth("read")).json()
        training = body["training"]
        if training["state"] != "running" or time.monotonic() > deadline:
            if training["activated"]:  # the new model's predictions are stored after the switch
                while training["predictions"] is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                    body = client.get("/v1/models", headers=auth("read")).json()
                    training = body["training"]
            return body
        time.sleep(0.2)


def test_a_winning_model_is_switched_to_while_the_server_serves(
        tmp_path: Path, models: Path, segmenter: Segmenter) -> None:
    better = {**SCORES, "aspects_micro_f1": 0.85}
    release = tmp_path / "release"
    client = start(tmp_path, models, segmenter, job(tmp_path, models, better, release=release))
    try:
        feedback = [{"feedback_id": f"F{i}", "text": t, "source": "review", "created_at": "2026-10-20 10:00"}
                    for i, t in enumerate(["空调不制冷", "冰箱噪音大", "师傅很专业"])]
        assert client.post("/v1/ingest/feedback", json=feedback, headers=auth("ingest")).status_code == 200
        first = client.post("/v1/classify", json={"text": "洗衣机漏水"}, headers=auth("classify"))
        assert first.status_code == 200 and first.json()["model"] == "baseline@v1"  # served meanwhile
        assert client.get("/v1/models", headers=auth("read")).json()["training"]["state"] == "running"
        release.touch()
        body = wait_for_training(client)
        training = body["training"]
        assert training["state"] == "finished" and training["activated"], training
        assert training["model"] == "transformer@v1" and "beats baseline@v1" in training["reason"]
        assert body["active"] == "transformer@v1"
        assert training["predictions"] == 3  # the stored feedback, classified by the new model
        after = client.post("/v1/classify", json={"text": "洗衣机漏水"}, headers=auth("classify"))
        assert after.json()["model"] == "transformer@v1"
        assert Path(training["log"]).exists()
    finally:
        client.__exit__(None, None, None)
    # Recorded in the store: the next start serves it.
    again = TestClient(create_app(make_settings(tmp_path, models), segmenter=segmenter))
    with again:
        assert again.get("/v1/models", headers=auth("read")).json()["active"] == "transformer@v1"


def test_a_job_starts_only_while_the_folder_has_no_transformer(models: Path) -> None:
    assert needs_transformer(models)
    meta_path = models / "baseline" / "v2" / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "kind": TRANSFORMER_KIND}), encoding="utf-8")
    assert not needs_transformer(models)


def test_a_model_that_does_not_win_is_not_switched_to(tmp_path: Path, models: Path, segmenter: Segmenter) -> None:
    worse = {**SCORES, "fault_micro_f1": 0.70}
    client = start(tmp_path, models, segmenter, job(tmp_path, models, worse))
    try:
        body = wait_for_training(client)
        training = body["training"]
        assert training["state"] == "finished" and not training["activated"]
        assert "does not beat baseline@v1" in training["reason"], training
        assert body["active"] == "baseline@v1"
    finally:
        client.__exit__(None, None, None)


def test_a_failed_job_is_reported_and_the_server_goes_on(tmp_path: Path, models: Path, segmenter: Segmenter) -> None:
    client = start(tmp_path, models, segmenter, job(tmp_path, models, SCORES, code=3))
    try:
        training = wait_for_training(client)["training"]
        assert training["state"] == "failed" and "exited with code 3" in training["reason"]
        assert "the fine-tune failed" in Path(training["log"]).read_text(encoding="utf-8")
        assert client.post("/v1/classify", json={"text": "洗衣机漏水"}, headers=auth("classify")).status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_stopping_the_server_stops_the_job(tmp_path: Path, models: Path, segmenter: Segmenter) -> None:
    marker = tmp_path / "still-running"
    script = f"import time, pathlib; time.sleep(30); pathlib.Path({str(marker)!r}).write_text('x')"
    client = start(tmp_path, models, segmenter, [sys.executable, "-c", script])
    assert client.get("/v1/models", headers=auth("read")).json()["training"]["state"] == "running"
    t0 = time.monotonic()
    client.__exit__(None, None, None)
    assert time.monotonic() - t0 < 15
    time.sleep(0.5)
    assert not marker.exists()


def test_no_job_without_a_budget_or_with_a_transformer(make_client: Any) -> None:
    client = make_client()  # background_finetune_minutes 0 (the default)
    assert client.get("/v1/models", headers=auth("read")).json()["training"] is None
