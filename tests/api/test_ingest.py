"""POST /v1/ingest/{table}: uploads and JSON rows, the CLI's report, atomic and idempotent."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, auth
from tests.conftest import TICKET_HEADER, ticket_row, write_csv


def _csv_bytes(tmp_path: Path, rows: list[list[str]]) -> bytes:
    return write_csv(tmp_path / "t.csv", TICKET_HEADER, rows, encoding="utf-8-sig").read_bytes()


def test_csv_upload_reports_inserted_then_nothing_on_the_second_run(client: TestClient, tmp_path: Path) -> None:
    data = _csv_bytes(tmp_path, [ticket_row(i) for i in range(1, 6)])
    files = {"file": ("工单导出.csv", data, "text/csv")}
    first = client.post("/v1/ingest/tickets", files=files, headers=auth("ingest"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["inserted"], body["updated"], body["rejected"]) == (5, 0, 0)
    assert body["source"] == "工单导出.csv" and body["table"] == "tickets"
    second = client.post("/v1/ingest/tickets", files=files, headers=auth("ingest")).json()
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 5)
    assert client.get("/ready").json()["tables"]["tickets"] == 5
    reports = list((tmp_path / "data" / "reports").glob("tickets-*.json"))
    assert len(reports) == 2  # written like the CLI's
    assert not any((tmp_path / "data" / "uploads").iterdir())  # the spooled upload is gone


def test_rejected_rows_come_back_with_row_column_and_reason(client: TestClient, tmp_path: Path) -> None:
    rows = [ticket_row(1), ticket_row(2, 工单状态="不知道"), ticket_row(3, 报修时间="")]
    files = {"file": ("tickets.csv", _csv_bytes(tmp_path, rows), "text/csv")}
    body = client.post("/v1/ingest/tickets", files=files, headers=auth("ingest")).json()
    assert (body["inserted"], body["rejected"]) == (1, 2)
    by_row = {r["row"]: r for r in body["rejections"]}
    assert set(by_row) == {3, 4}  # header is row 1
    assert by_row[3]["column"] == "status" and by_row[3]["reason"]
    assert by_row[4]["column"] == "created_at"


def test_json_rows_use_the_same_rules(client: TestClient) -> None:
    rows = [
        {"feedback_id": "F1", "text": "空调不制冷", "source": "complaint", "created_at": "2024年3月5日 14:30"},
        {"feedback_id": "F2", "text": "   ", "source": "review", "created_at": "2024-03-05"},
        {"feedback_id": "F3", "text": "冰箱噪音大", "source": "review", "created_at": "2024/3/5 下午 2:30"},
    ]
    body = client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).json()
    assert (body["inserted"], body["rejected"]) == (2, 1)
    assert body["rejections"][0]["row"] == 2 and body["rejections"][0]["column"] == "text"
    again = client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).json()
    assert again["inserted"] == 0 and again["updated"] == 0
    chinese = [{"反馈编号": "F4", "文本": "冰箱噪音大", "来源": "评价", "创建时间": "2024/3/5 下午 2:30"}]
    assert client.post("/v1/ingest/feedback", json=chinese, headers=auth("ingest")).json()["inserted"] == 1


def test_a_refused_file_is_422_and_the_store_is_unchanged(client: TestClient, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "x.csv", ["客户编号", "产品线"], [["C1", "空调"]]).read_bytes()
    response = client.post("/v1/ingest/tickets", files={"file": ("x.csv", data, "text/csv")}, headers=auth("ingest"))
    body = assert_error(response, 422, "invalid_file")
    assert body["details"]["code"] == "FNLP100"
    assert client.get("/ready").json()["tables"]["tickets"] == 0


def test_bad_requests(client: TestClient) -> None:
    h = auth("ingest")
    assert_error(client.post("/v1/ingest/nope", json=[], headers=h), 422, "validation_error")
    assert_error(client.post("/v1/ingest/tickets", json={"rows": 1}, headers=h), 422, "validation_error")
    bad_json = client.post("/v1/ingest/tickets", content=b"[{", headers={**h, "content-type": "application/json"})
    assert assert_error(bad_json, 422, "validation_error")["details"][0]["path"] == "body"
    assert_error(client.post("/v1/ingest/tickets", content=b"a,b", headers={**h, "content-type": "text/csv"}),
                 415, "unsupported_media_type")
    files = {"file": ("t.exe", b"MZ", "application/octet-stream")}
    assert_error(client.post("/v1/ingest/tickets", files=files, headers=h), 415, "unsupported_media_type")
    no_file = client.post("/v1/ingest/tickets", data={"sheet": "x"}, files={"other": ("a.csv", b"a")}, headers=h)
    assert assert_error(no_file, 422, "validation_error")["details"][0]["path"] == "body.file"
    bad_mapping = client.post("/v1/ingest/tickets", data={"mapping": "[1]"}, files={"file": ("a.csv", b"a")},
                              headers=h)
    assert assert_error(bad_mapping, 422, "validation_error")["details"][0]["path"] == "body.mapping"


def test_mapping_field_renames_columns(client: TestClient, tmp_path: Path) -> None:
    header = ["单号", *TICKET_HEADER[1:]]
    data = write_csv(tmp_path / "m.csv", header, [ticket_row(1)]).read_bytes()
    body = client.post("/v1/ingest/tickets", files={"file": ("m.csv", data, "text/csv")},
                       data={"mapping": '{"单号": "ticket_id"}'}, headers=auth("ingest")).json()
    assert body["inserted"] == 1, body
