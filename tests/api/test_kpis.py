"""GET /v1/kpis, /v1/kpis/{id}, /v1/kpis/catalogue: the CLI's filters, grouping and periods."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.query import query_params
from feedback_nlp.query import DIMENSIONS
from tests.api.conftest import assert_error, auth
from tests.conftest import TICKET_HEADER, ticket_row, write_csv

R = auth("read")


@pytest.fixture
def data_client(client: TestClient, tmp_path: Path) -> TestClient:
    """Ten tickets in two product lines, and two classified feedback texts."""
    rows = [ticket_row(i, 产品线="空调" if i % 2 else "冰箱") for i in range(1, 11)]
    data = write_csv(tmp_path / "t.csv", TICKET_HEADER, rows).read_bytes()
    assert client.post("/v1/ingest/tickets", files={"file": ("t.csv", data)}, headers=auth("ingest")).status_code == 200
    feedback = [{"feedback_id": f"F{i}", "text": text, "source": "complaint", "created_at": "2024-03-05 10:00",
                 "ticket_id": f"T{i:06d}"} for i, text in enumerate(["空调不制冷，太差了", "冰箱噪音很大"], 1)]
    client.post("/v1/ingest/feedback", json=feedback, headers=auth("ingest"))
    stored = client.post("/v1/classify", json={"texts": [f["text"] for f in feedback], "ids": ["F1", "F2"],
                                               "store": True}, headers=auth("all"))
    assert stored.json()["stored"] == 2
    return client


def test_all_kpis_of_the_catalogue(data_client: TestClient) -> None:
    catalogue = data_client.get("/v1/kpis/catalogue", headers=R).json()["kpis"]
    body = data_client.get("/v1/kpis", headers=R).json()
    assert {r["id"] for r in body["results"]} == {k["id"] for k in catalogue}
    assert body["model"] == "baseline@v1"  # text KPIs read the serving model's stored predictions
    by_id = {r["id"]: r for r in body["results"]}
    assert by_id["resolution_rate"]["value"] == 1.0 and by_id["resolution_rate"]["denominator"] == 10
    negative = by_id["negative_rate"]
    assert negative["value"] is not None and negative["denominator"] == 2


def test_ids_grouping_and_filters(data_client: TestClient) -> None:
    body = data_client.get("/v1/kpis", params={"ids": "resolution_rate,backlog", "group_by": "product_line"},
                           headers=R).json()
    assert {r["id"] for r in body["results"]} == {"resolution_rate", "backlog"}
    assert {r["group"] for r in body["results"] if r["id"] == "resolution_rate"} == {"空调", "冰箱"}
    assert body["query"]["group_by"] == "product_line"
    filtered = data_client.get("/v1/kpis/resolution_rate", params=[("product_line", "空调")], headers=R).json()
    assert filtered["results"][0]["denominator"] == 5
    assert filtered["query"]["filters"] == {"product_line": ["空调"]}
    cli_style = data_client.get("/v1/kpis/resolution_rate", params=[("filter", "product_line=冰箱")], headers=R).json()
    assert cli_style["results"][0]["denominator"] == 5 and cli_style["query"]["filters"] == {"product_line": ["冰箱"]}
    both = data_client.get("/v1/kpis/resolution_rate", params={"product_line": "空调,冰箱"}, headers=R).json()
    assert both["results"][0]["denominator"] == 10


def test_window_and_period(data_client: TestClient) -> None:
    body = data_client.get("/v1/kpis/resolution_rate", params={"from": "2024-03-01", "to": "2024-03-05",
                                                                 "period": "day"}, headers=R).json()
    periods = [r["period"] for r in body["results"]]
    assert periods and all("2024-03-01" <= p <= "2024-03-05" for p in periods)
    assert body["query"]["from"] == "2024-03-01" and body["query"]["period"] == "day"


def test_catalogue_has_chinese_names_and_configured_targets(data_client: TestClient) -> None:
    kpis = {k["id"]: k for k in data_client.get("/v1/kpis/catalogue", headers=R).json()["kpis"]}
    assert kpis["csat_rate"]["target"] == 0.95 and kpis["csat_rate"]["name_zh"]
    assert kpis["nps"]["target"] is None and kpis["nps"]["category_zh"]


def test_errors(data_client: TestClient) -> None:
    assert_error(data_client.get("/v1/kpis/no_such_kpi", headers=R), 404, "kpi_not_found")
    assert_error(data_client.get("/v1/kpis", params={"ids": "no_such_kpi"}, headers=R), 422, "invalid_query")
    assert_error(data_client.get("/v1/kpis", params={"from": "2024-03-31", "to": "2024-03-01"}, headers=R),
                 422, "invalid_query")
    assert_error(data_client.get("/v1/kpis", params={"filter": "colour=red"}, headers=R), 422, "invalid_query")
    bad_date = assert_error(data_client.get("/v1/kpis", params={"from": "March"}, headers=R), 422, "validation_error")
    assert bad_date["details"][0]["path"] == "query.from"
    assert_error(data_client.get("/v1/kpis", params={"group_by": "colour"}, headers=R), 422, "validation_error")
    assert_error(data_client.get("/v1/kpis", params={"model": "other@v1"}, headers=R), 404, "predictions_not_found")


def test_every_dimension_has_a_named_parameter() -> None:
    import inspect

    assert set(DIMENSIONS) <= set(inspect.signature(query_params).parameters)
