"""POST /v1/classify: shapes, Chinese names, limits with field paths, model choice, storing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from feedback_nlp.store import Store
from tests.api.conftest import ClientFactory, assert_error, auth, make_settings

TEXTS = ["空调不制冷，师傅上门态度还很差", "冰箱噪音特别大，晚上睡不着", "安装师傅很专业，服务满意，给个好评"]
FIELDS = {"id", "fault_types", "primary_fault", "sentiment", "aspects", "scores", "tokens", "keywords", "names_zh"}


def test_single_text_gets_the_cli_fields_with_chinese_names(client: TestClient) -> None:
    response = client.post("/v1/classify", json={"text": TEXTS[0]}, headers=auth("classify"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "baseline@v1" and body["stored"] is None
    [result] = body["results"]
    assert set(result) == FIELDS
    assert result["sentiment"] == "negative" and result["names_zh"]["sentiment"] == "负面"
    assert result["primary_fault"] in result["fault_types"]
    assert len(result["names_zh"]["fault_types"]) == len(result["fault_types"])
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in result["names_zh"]["fault_types"])
    assert set(result["scores"]) == {"fault_types", "sentiment", "aspects"}
    assert "".join(result["tokens"]) == TEXTS[0].replace("，", ",")


def test_batch_keeps_order_and_ids_and_matches_single_requests(client: TestClient) -> None:
    ids = ["F1", "F2", "F3"]
    batch = client.post("/v1/classify", json={"texts": TEXTS, "ids": ids}, headers=auth("classify")).json()
    assert [r["id"] for r in batch["results"]] == ids
    for text, result in zip(TEXTS, batch["results"], strict=True):
        single = client.post("/v1/classify", json={"text": text}, headers=auth("classify")).json()["results"][0]
        assert single["scores"] == result["scores"] and single["fault_types"] == result["fault_types"]
    assert batch["results"][2]["sentiment"] == "positive"


def test_model_parameter_picks_a_version(client: TestClient) -> None:
    body = client.post("/v1/classify", json={"text": TEXTS[1], "model": "baseline@v2"}, headers=auth("classify"))
    assert body.json()["model"] == "baseline@v2"
    assert client.get("/ready").json()["model"] == "baseline@v1"  # asking for a model does not activate it


@pytest.mark.parametrize("model", ["nope", "baseline@v9"])
def test_unknown_model_is_404(client: TestClient, model: str) -> None:
    response = client.post("/v1/classify", json={"text": TEXTS[0], "model": model}, headers=auth("classify"))
    assert_error(response, 404, "model_not_found")


@pytest.mark.parametrize("model", ["../../etc", "/tmp/x", "a b"])
def test_model_must_be_a_name_not_a_path(client: TestClient, model: str) -> None:
    response = client.post("/v1/classify", json={"text": TEXTS[0], "model": model}, headers=auth("classify"))
    body = assert_error(response, 422, "validation_error")
    assert body["details"][0]["path"] == "body.model"


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "body"),
        ({"text": "a", "texts": ["b"]}, "body"),
        ({"text": ""}, "body.text"),
        ({"texts": ["好", "   "]}, "body.texts.1"),
        ({"texts": []}, "body.texts"),
        ({"texts": ["好", 3]}, "body.texts.1"),
        ({"text": "好", "colour": "red"}, "body.colour"),
        ({"texts": ["好", "坏"], "ids": ["F1"]}, "body.ids"),
        ({"texts": ["好", "坏"], "ids": ["F1", "F1"]}, "body.ids"),
        ({"texts": ["好", "坏"], "store": True}, "body.ids"),
        ({"text": "好", "store": True}, "body.id"),
        ({"text": "好", "ids": ["F1"]}, "body.ids"),
        ({"texts": ["好"], "id": "F1"}, "body.id"),
        ({"text": "好", "store": "maybe"}, "body.store"),
    ],
)
def test_bad_fields_are_422_with_the_field_path(client: TestClient, payload: dict, path: str) -> None:
    body = assert_error(client.post("/v1/classify", json=payload, headers=auth("classify")), 422, "validation_error")
    assert path in [d["path"] for d in body["details"]], body


def test_limits_come_from_the_settings(make_client: ClientFactory) -> None:
    client = make_client(max_texts=3, max_text_length=10)
    ok = client.post("/v1/classify", json={"texts": ["空调不制冷"] * 3}, headers=auth("classify"))
    assert ok.status_code == 200
    too_many = client.post("/v1/classify", json={"texts": ["空调不制冷"] * 4}, headers=auth("classify"))
    assert assert_error(too_many, 422, "validation_error")["details"][0]["path"] == "body.texts"
    too_long = client.post("/v1/classify", json={"texts": ["好", "空调" * 6]}, headers=auth("classify"))
    body = assert_error(too_long, 422, "validation_error")
    assert body["details"][0]["path"] == "body.texts.1" and "limit is 10" in body["message"]
    assert "空调空调" not in too_long.text  # the offending text is not echoed back


def test_default_limits_accept_1000_texts_of_5000_characters(client: TestClient) -> None:
    long_text = ("空调不制冷，" * 834)[:5000]
    ok = client.post("/v1/classify", json={"texts": [long_text, *["冰箱噪音大"] * 999]}, headers=auth("classify"))
    assert ok.status_code == 200 and len(ok.json()["results"]) == 1000
    over = client.post("/v1/classify", json={"texts": ["冰箱噪音大"] * 1001}, headers=auth("classify"))
    assert_error(over, 422, "validation_error")


def test_concurrent_single_requests_are_micro_batched(tmp_path: Path, model_dir: Path, segmenter) -> None:
    """Requests arriving while the model is busy share one model call (fewer calls than requests)."""
    app = create_app(make_settings(tmp_path, model_dir, batch_max_wait_ms=20), segmenter=segmenter)

    async def scenario() -> tuple[list[int], list[dict]]:
        async with app.router.lifespan_context(app):
            model = app.state.services.models.active
            sizes: list[int] = []
            original = model.batcher.on_batch
            model.batcher.on_batch = lambda n: (sizes.append(n), original(n) if original else None)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                responses = await asyncio.gather(*[
                    http.post("/v1/classify", json={"text": TEXTS[i % 3]}, headers=auth("classify"))
                    for i in range(24)
                ])  # fmt: skip
            return sizes, [r.json() for r in responses]

    sizes, bodies = asyncio.run(scenario())
    assert sum(sizes) == 24 and len(sizes) < 24
    assert max(sizes) > 1
    # every request got its own text's answer back
    for i, body in enumerate(bodies):
        assert "".join(body["results"][0]["tokens"]) == TEXTS[i % 3].replace("，", ",")


def _ingest_feedback(client: TestClient, ids: list[str]) -> None:
    rows = [{"feedback_id": fid, "text": TEXTS[i % 3], "source": "complaint", "created_at": "2024-03-05 10:00"}
            for i, fid in enumerate(ids)]
    report = client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).json()
    assert report["inserted"] == len(ids), report


def test_store_true_writes_predictions(client: TestClient, tmp_path: Path) -> None:
    pytest.importorskip("feedback_nlp.predictions", reason="store_predictions comes with the predictions issue")
    _ingest_feedback(client, ["F1", "F2"])
    payload = {"texts": TEXTS[:2], "ids": ["F1", "F2"], "store": True}
    response = client.post("/v1/classify", json=payload, headers=auth("all"))
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 2
    store: Store = client.app.state.services.store
    rows = store.cursor().execute(
        "SELECT feedback_id, model_name, model_version, sentiment FROM predictions ORDER BY feedback_id").fetchall()
    assert rows == [("F1", "baseline", "v1", "negative"), ("F2", "baseline", "v1", "negative")]


def test_nothing_is_stored_without_store_true(client: TestClient) -> None:
    client.post("/v1/classify", json={"texts": TEXTS, "ids": ["A", "B", "C"]}, headers=auth("classify"))
    store: Store = client.app.state.services.store
    assert store.cursor().execute("SELECT count(*) FROM predictions").fetchone()[0] == 0


def test_store_true_needs_the_ingest_scope_too(client: TestClient) -> None:
    payload = {"text": TEXTS[0], "id": "F1", "store": True}
    body = assert_error(client.post("/v1/classify", json=payload, headers=auth("classify")), 403, "forbidden")
    assert body["details"]["required_scope"] == "ingest"
