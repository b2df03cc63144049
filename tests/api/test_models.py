"""GET /v1/models, POST /v1/models/{name}/activate: the app serves the new model at once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from feedback_nlp.classifiers.registry import active_model
from tests.api.conftest import assert_error, auth


def test_list_models_marks_active_and_loaded(client: TestClient) -> None:
    body = client.get("/v1/models", headers=auth("read")).json()
    assert body["active"] == "baseline@v1"
    by_ref = {m["ref"]: m for m in body["models"]}
    assert set(by_ref) == {"baseline@v1", "baseline@v2"}
    assert by_ref["baseline@v1"]["active"] and by_ref["baseline@v1"]["loaded"]
    assert not by_ref["baseline@v2"]["active"] and not by_ref["baseline@v2"]["loaded"]
    assert by_ref["baseline@v1"]["kind"] == "tfidf-linear"


def test_activate_swaps_the_served_model_and_records_it(client: TestClient) -> None:
    response = client.post("/v1/models/baseline@v2/activate", headers=auth("admin"))
    assert response.status_code == 200, response.text
    assert response.json()["active"] == "baseline@v2" and response.json()["model"]["loaded"]
    classified = client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify")).json()
    assert classified["model"] == "baseline@v2"
    assert client.get("/ready").json()["model"] == "baseline@v2"
    assert active_model(client.app.state.services.store) == "baseline@v2"  # other processes agree
    assert 'feedback_nlp_active_model{model="baseline@v2"} 1.0' in client.get("/metrics").text
    assert 'model="baseline@v1"' not in client.get("/metrics").text.split("feedback_nlp_active_model")[-1]


def test_activated_model_is_the_default_after_a_restart(make_client) -> None:  # noqa: ANN001
    first = make_client()
    first.post("/v1/models/baseline@v2/activate", headers=auth("admin"))
    first.__exit__(None, None, None)  # the store file is shared: close it before the second app opens it
    second = make_client()
    assert second.get("/ready").json()["model"] == "baseline@v2"


def test_activate_by_name_takes_the_newest_version(client: TestClient) -> None:
    client.post("/v1/models/baseline@v2/activate", headers=auth("admin"))
    assert client.post("/v1/models/baseline/activate", headers=auth("admin")).json()["active"] == "baseline@v1"


def test_activate_unknown_model_is_404_and_changes_nothing(client: TestClient) -> None:
    body = assert_error(client.post("/v1/models/other@v1/activate", headers=auth("admin")), 404, "model_not_found")
    assert "baseline@v1" in body["message"]  # names the known models
    assert client.get("/ready").json()["model"] == "baseline@v1"


def test_activate_refuses_paths(client: TestClient) -> None:
    response = client.post("/v1/models/..%2F..%2Fetc/activate", headers=auth("admin"))
    assert response.status_code in (404, 422)
    assert response.json()["type"] in ("not_found", "validation_error")
