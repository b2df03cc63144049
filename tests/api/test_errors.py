"""One error shape for every error: unknown routes, bad JSON, body limits, library errors, crashes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.errors import library_error_status
from feedback_nlp.errors import ConfigError, InputFileError, StoreError
from feedback_nlp.predictions import PredictionsError
from feedback_nlp.query import QueryError
from tests.api.conftest import ClientFactory, assert_error, auth


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/v1/classify", headers=auth("classify")), 405, "method_not_allowed")


def test_malformed_json_is_422_with_the_position(client: TestClient) -> None:
    headers = {**auth("classify"), "content-type": "application/json"}
    response = client.post("/v1/classify", content='{"text": "空调'.encode(), headers=headers)
    body = assert_error(response, 422, "validation_error")
    assert body["details"][0]["loc"][0] == "body" and body["details"][0]["type"] == "json_invalid"


def test_validation_errors_never_echo_the_input(client: TestClient) -> None:
    response = client.post("/v1/classify", json={"text": 13800138000}, headers=auth("classify"))
    body = assert_error(response, 422, "validation_error")
    assert body["details"][0]["path"] == "body.text"
    assert "13800138000" not in response.text
    assert set(body["details"][0]) == {"loc", "path", "message", "type"}


def test_declared_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=1000)
    payload = json.dumps({"text": "空调不制冷" * 100}, ensure_ascii=False).encode()
    body = assert_error(client.post("/v1/classify", content=payload, headers={**auth("classify"),
                                    "content-type": "application/json"}), 413, "payload_too_large")
    assert body["details"] == {"max_bytes": 1000}
    ok = client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify"))
    assert ok.status_code == 200


def test_streamed_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=1000)

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        yield b'{"texts": ['
        for _ in range(100):
            yield '"空调不制冷",'.encode()
        yield b'"x"]}'

    response = client.post("/v1/classify", content=chunks(), headers={**auth("classify"),
                                                                    "content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_ingest_has_its_own_larger_limit(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=100, max_upload_bytes=100_000)
    rows = [{"feedback_id": f"F{i}", "text": "空调不制冷", "source": "complaint", "created_at": "2024-03-05"}
            for i in range(20)]
    assert client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).status_code == 200
    big = rows * 500
    assert_error(client.post("/v1/ingest/feedback", json=big, headers=auth("ingest")), 413, "payload_too_large")


def test_unexpected_errors_are_500_without_a_trace(make_client: ClientFactory) -> None:
    client = make_client(raise_server_exceptions=False)

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    client.app.state.services.models.classify = boom
    response = client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify"))
    assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.text and "RuntimeError" not in response.text


@pytest.mark.parametrize(
    ("exc", "status", "type_"),
    [
        (QueryError("bad filter"), 422, "invalid_query"),
        (PredictionsError("no predictions"), 404, "predictions_not_found"),
        (InputFileError("empty file"), 422, "invalid_file"),
        (StoreError("locked"), 503, "store_unavailable"),
        (ConfigError("bad setting"), 400, "invalid_config"),
    ],
)
def test_library_errors_map_to_http_in_one_place(exc: Exception, status: int, type_: str) -> None:
    assert library_error_status(exc) == (status, type_)
