"""GET /v1/themes/top, /v1/themes/emerging: stored predictions, masked examples."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, auth

R = auth("read")
TEXTS = ["空调不制冷，打电话13812345678没人管", "空调不制冷，外机也不转", "冰箱噪音很大，晚上睡不着",
         "空调制冷效果差", "洗衣机漏水，地上全是水"]


def _classified(client: TestClient) -> None:
    rows = [{"feedback_id": f"F{i}", "text": t, "source": "complaint", "created_at": f"2024-03-0{1 + i % 5} 10:00"}
            for i, t in enumerate(TEXTS)]
    assert client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).json()["inserted"] == len(TEXTS)
    ids = [r["feedback_id"] for r in rows]
    assert client.post("/v1/classify", json={"texts": TEXTS, "ids": ids, "store": True},
                       headers=auth("all")).json()["stored"] == len(TEXTS)


def test_without_predictions_themes_are_404_with_the_fix(client: TestClient) -> None:
    body = assert_error(client.get("/v1/themes/top", headers=R), 404, "predictions_not_found")
    assert "classify" in body["message"]


def test_top_themes_rank_fault_types_with_masked_examples(client: TestClient) -> None:
    _classified(client)
    response = client.get("/v1/themes/top", params={"top": 3, "sub_themes": "false"}, headers=R)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "baseline@v1" and 1 <= len(body["themes"]) <= 3
    counts = [t["count"] for t in body["themes"]]
    assert counts == sorted(counts, reverse=True)
    assert all(t["name_zh"] for t in body["themes"])
    assert "13812345678" not in response.text


def test_top_themes_take_the_query(client: TestClient) -> None:
    _classified(client)
    body = client.get("/v1/themes/top", params={"from": "2024-03-02", "to": "2024-03-02", "sub_themes": "false"},
                      headers=R).json()
    assert sum(t["count"] for t in body["themes"]) == 1 and body["query"]["from"] == "2024-03-02"
    assert_error(client.get("/v1/themes/top", params={"sort": "colour"}, headers=R), 422, "validation_error")
    assert_error(client.get("/v1/themes/top", params={"top": 0}, headers=R), 422, "validation_error")


def test_emerging_issues(client: TestClient) -> None:
    _classified(client)
    response = client.get("/v1/themes/emerging", params={"to": "2024-03-05", "period": "week"}, headers=R)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["themes"], list) and response.json()["query"]["period"] == "week"
