"""API test fixtures: one tiny baseline (two versions), one segmenter, an app per test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import SCOPES, hash_key
from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.config import ApiKeySpec, ApiSettings, Settings
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter

#: One key per scope, plus "all" (every scope). Test keys, never configured anywhere else.
KEYS: dict[str, str] = {scope: f"fnlp_test-{scope}-key" for scope in SCOPES} | {"all": "fnlp_test-all-key"}


def auth(who: str) -> dict[str, str]:
    """Headers that authenticate as the test key ``who`` (a scope name or "all")."""
    return {"X-API-Key": KEYS[who]}


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, segmenter: Segmenter) -> Path:
    """``baseline@v1`` (trained on 800 generated texts) and ``baseline@v2`` (a relabelled copy)."""
    root = tmp_path_factory.mktemp("models")
    corpus = demo_corpus(800)
    model = TfidfClassifier(
        Taxonomy.default(), name="baseline", version="v1", max_char_features=2000, max_word_features=2000,
        segmenter=segmenter,
    )  # fmt: skip
    model.fit(corpus["text"].tolist(), corpus)
    v1 = model.save(root / "baseline" / "v1")
    v2 = root / "baseline" / "v2"
    shutil.copytree(v1, v2)
    meta_path = v2 / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["version"] = "v2"
    meta["created_at"] = "2000-01-01T00:00:00+00:00"  # older than v1: v1 stays the default model
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return root


def make_settings(tmp_path: Path, model_dir: Path, **api: Any) -> Settings:
    """Settings for one test: its own data folder, the shared models, the test keys."""
    keys = [ApiKeySpec(name=f"test-{who}", key_sha256=hash_key(key), scopes=list(SCOPES) if who == "all" else [who])
            for who, key in KEYS.items()]
    api_settings = ApiSettings(**({"api_keys": keys} | api))
    return Settings(data_dir=tmp_path / "data", model_dir=model_dir, api=api_settings, _env_file=None)


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path, model_dir: Path, segmenter: Segmenter) -> Iterator[ClientFactory]:
    """``make_client(model_dir=..., raise_server_exceptions=..., **api_settings)`` → a started TestClient."""
    clients: list[TestClient] = []

    def make(*, models: Path | None = None, raise_server_exceptions: bool = True, **api: Any) -> TestClient:
        settings = make_settings(tmp_path, models or model_dir, **api)
        client = TestClient(create_app(settings, segmenter=segmenter), raise_server_exceptions=raise_server_exceptions)
        client.__enter__()  # runs the lifespan: store, model, batcher
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


def assert_error(response: Any, status: int, type_: str) -> dict[str, Any]:
    """The response is the one error shape with this status and type; returns its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "message", "details"}, body
    assert body["type"] == type_, body
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text
    return body
