"""GET /health, /ready, /metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import ClientFactory, assert_error, auth


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_reports_store_and_loaded_model(client: TestClient) -> None:
    body = client.get("/ready").json()
    assert body["status"] == "ready"
    assert body["model"] == "baseline@v1"  # v2 is older: the newest baseline is the default
    assert body["schema_version"] >= 1 and "tickets" in body["tables"]


def test_ready_is_503_without_a_model_but_the_app_still_serves(make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client(models=tmp_path / "no-models")
    body = assert_error(client.get("/ready"), 503, "not_ready")
    assert body["details"] == {"store": True, "model": None}
    assert client.get("/health").status_code == 200
    assert_error(client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify")), 503, "no_model")


def test_metrics_count_requests_per_route_batch_sizes_and_model(client: TestClient) -> None:
    client.post("/v1/classify", json={"texts": ["空调不制冷", "冰箱噪音大", "服务很好"]}, headers=auth("classify"))
    client.post("/v1/models/does_not_exist_at_all/activate", headers=auth("admin"))
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'feedback_nlp_http_requests_total{method="POST",route="/v1/classify",status="200"} 1.0' in text
    assert 'feedback_nlp_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    # the route template, never the raw path
    assert 'route="/v1/models/{name}/activate",status="404"' in text and "does_not_exist_at_all" not in text
    assert 'feedback_nlp_http_request_duration_seconds_count{method="POST",route="/v1/classify"} 1.0' in text
    assert "feedback_nlp_classify_request_texts_sum 3.0" in text
    assert "feedback_nlp_model_batch_texts_count 1.0" in text
    assert 'feedback_nlp_active_model{model="baseline@v1"} 1.0' in text


def test_openapi_documents_every_route_and_the_key_schemes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/v1/classify", "/v1/ingest/{table}", "/v1/kpis", "/v1/kpis/{kpi_id}", "/v1/kpis/catalogue",
                 "/v1/themes/top", "/v1/themes/emerging", "/v1/models", "/v1/models/{name}/activate",
                 "/health", "/ready", "/metrics"):
        assert path in schema["paths"], path
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200
