"""Hostile input never gets a 500 (issue 16): one test per row of the issue's table.

Rows 7, 8 and 13 (load, heavy requests, run-time keys) are not here: they are about
capacity, not about input.
"""

from __future__ import annotations

import codecs
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from feedback_nlp.cli import app as cli_app
from feedback_nlp.config import get_settings
from feedback_nlp.store import Store
from feedback_nlp.text import Segmenter
from tests.api.conftest import ClientFactory, assert_error, auth, make_settings
from tests.conftest import TICKET_HEADER, ticket_row, write_csv
from tests.servers import serving_in_thread

R = auth("read")
FEEDBACK_CSV = "feedback_id,text,source,created_at\nF9,空调不制冷,complaint,2024-03-05\n"


def _rows(n: int = 2) -> list[dict[str, Any]]:
    return [{"feedback_id": f"F{i}", "text": "空调不制冷，太差了", "source": "complaint",
             "created_at": "2024-03-05 10:00", "ticket_id": f"T{i:06d}"} for i in range(1, n + 1)]


@pytest.fixture
def data_client(client: TestClient, tmp_path: Path) -> TestClient:
    """Ten tickets and two classified feedback texts: every KPI and theme route has data."""
    data = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(i) for i in range(1, 11)]).read_bytes()
    assert client.post("/v1/ingest/tickets", files={"file": ("t.csv", data)}, headers=auth("ingest")).status_code == 200
    assert client.post("/v1/ingest/feedback", json=_rows(), headers=auth("ingest")).json()["inserted"] == 2
    stored = client.post("/v1/classify", json={"texts": [r["text"] for r in _rows()], "ids": ["F1", "F2"],
                                               "store": True}, headers=auth("all"))
    assert stored.json()["stored"] == 2, stored.text
    return client


def _count(client: TestClient, table: str) -> int:
    store: Store = client.app.state.services.store
    return int(store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# -- row 1: dates near year 1 or 9999 ------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/v1/kpis?from=0001-01-01&to=0001-01-02", "/v1/kpis?to=9999-12-31", "/v1/kpis/resolution_rate?to=9999-12-31",
    "/v1/themes/top?from=0001-01-01&to=0001-01-31", "/v1/themes/emerging?to=9999-12-31",
    "/v1/themes/emerging?to=0001-03-01&period=week", "/v1/kpis?from=1969-12-31", "/v1/kpis?to=2101-01-01",
])  # fmt: skip
def test_dates_outside_1970_to_2100_are_422(data_client: TestClient, url: str) -> None:
    body = assert_error(data_client.get(url, headers=R), 422, "invalid_query")
    assert "1970-01-01 to 2100-12-31" in body["message"] and "\n" not in body["message"]


@pytest.mark.parametrize("url", [
    "/v1/kpis?from=1970-01-01&to=1970-01-07", "/v1/kpis?to=2100-12-31", "/v1/kpis?from=2100-12-01&to=2100-12-31",
    "/v1/kpis?from=1970-01-01&to=1970-03-31&period=month", "/v1/kpis/resolution_rate?to=2100-12-31",
    "/v1/kpis?from=2100-10-01&period=week", "/v1/kpis?from=2030-01-01&period=month&group_by=region",
    "/v1/themes/top?from=1970-01-01&to=1970-01-31", "/v1/themes/top?from=2100-12-01&to=2100-12-31",
    "/v1/themes/emerging?to=2100-12-31", "/v1/themes/emerging?to=1970-01-03&period=quarter",
    "/v1/themes/emerging?from=1970-01-01&to=1970-01-01&period=day",
])  # fmt: skip
def test_windows_at_the_edges_of_the_range_are_answered(data_client: TestClient, url: str) -> None:
    response = data_client.get(url, headers=R)
    assert response.status_code == 200, response.text


def test_a_year_past_9999_is_a_validation_error(client: TestClient) -> None:
    assert_error(client.get("/v1/kpis?to=10000-01-01", headers=R), 422, "validation_error")


# -- row 2: deeply nested JSON --------------------------------------------------------------------
def test_deeply_nested_json_body_on_ingest_is_422(client: TestClient) -> None:
    headers = {**auth("ingest"), "content-type": "application/json"}
    for body in (b"[" * 1000 + b"]" * 1000, b"[" * 100_000 + b"]" * 100_000):
        detail = assert_error(client.post("/v1/ingest/feedback", content=body, headers=headers), 422,
                              "validation_error")["details"][0]
        assert detail["path"] == "body" and "nested too deeply" in detail["message"]
    digits = b'[{"feedback_id": ' + b"9" * 5000 + b"}]"  # past Python's 4,300-digit limit
    assert "too many digits" in assert_error(client.post("/v1/ingest/feedback", content=digits, headers=headers),
                                             422, "validation_error")["message"]


def test_deeply_nested_mapping_field_is_422(client: TestClient) -> None:
    response = client.post("/v1/ingest/feedback", files={"file": ("f.csv", FEEDBACK_CSV.encode())},
                           data={"mapping": "[" * 5000 + "]" * 5000}, headers=auth("ingest"))
    assert assert_error(response, 422, "validation_error")["details"][0]["path"] == "body.mapping"


def test_deeply_nested_values_are_row_rejections(client: TestClient) -> None:
    nested = {**_rows(1)[0], "text": json.loads("[" * 200 + '"空调不制冷"' + "]" * 200)}
    body = client.post("/v1/ingest/feedback", json=[nested], headers=auth("ingest")).json()
    assert body["inserted"] == 1  # a JSON value in a text column is kept as its JSON text
    lines = b'{"feedback_id": "F7", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}\n" + \
        b'{"feedback_id": "F8", "text": ' + b"9" * 5000 + b"}\n" + json.dumps(_rows(2)[1]).encode() + b"\n"
    body = client.post("/v1/ingest/feedback", files={"file": ("f.jsonl", lines)}, headers=auth("ingest")).json()
    assert (body["rows_read"], body["inserted"], body["rejected"]) == (3, 1, 2)
    reasons = {r["row"]: r["reason"] for r in body["rejections"]}
    assert "nested too deeply" in reasons[1] and "too many digits" in reasons[2]


# -- row 3: encodings that are no text codec or need a byte-order mark ----------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "rot13", "hex", "base64", "bz2", "zlib", "uu", "quopri",
                                      "idna", "punycode", "unicode_escape", "undefined", "no-such-codec"])
def test_encodings_that_cannot_read_a_csv_are_422(client: TestClient, encoding: str) -> None:
    response = client.post("/v1/ingest/feedback", files={"file": ("导出.csv", FEEDBACK_CSV.encode())},
                           data={"encoding": encoding}, headers=auth("ingest"))
    body = assert_error(response, 422, "invalid_file")
    assert body["message"].startswith("导出.csv: ") and repr(encoding) in body["message"]
    assert "encoding" in body["message"] and "\n" not in body["message"]


@pytest.mark.parametrize(("encoding", "data"), [
    ("utf-16", FEEDBACK_CSV.encode("utf-16")),  # with its byte-order mark
    ("utf-32", FEEDBACK_CSV.encode("utf-32")),
    ("utf-16-le", FEEDBACK_CSV.encode("utf-16-le")),
    ("UTF_16BE", FEEDBACK_CSV.encode("utf-16-be")),
    ("utf-8", codecs.BOM_UTF8 + FEEDBACK_CSV.encode()),
    ("gbk", FEEDBACK_CSV.encode("gbk")),
])  # fmt: skip
def test_text_encodings_still_read(client: TestClient, encoding: str, data: bytes) -> None:
    response = client.post("/v1/ingest/feedback", files={"file": ("f.csv", data)}, data={"encoding": encoding},
                           headers=auth("ingest"))
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1


# -- row 4: huge numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize(("column", "value"), [
    ("visits", 10**30), ("visits", 2**31), ("visits", -(2**31)), ("reopened", 10**400), ("labor_cost", 1e308),
    ("labor_cost", -1e308), ("revenue", 10**16), ("material_cost", "1e308万"), ("labor_cost", float("inf")),
])  # fmt: skip
def test_huge_numbers_are_row_rejections(client: TestClient, column: str, value: Any) -> None:
    good = {"ticket_id": "T1", "customer_id": "C1", "created_at": "2024-03-05 10:00", "status": "closed"}
    payload = json.dumps([good, {**good, "ticket_id": "T2", column: value}])  # inf: JSON's Infinity
    response = client.post("/v1/ingest/tickets", content=payload, headers={**auth("ingest"),
                                                                          "content-type": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (1, 1)
    (rejection,) = body["rejections"]
    assert rejection["row"] == 2 and rejection["column"] == column
    assert rejection["reason"].startswith(("out of range", "not an amount", "must not be negative")), rejection


def test_the_largest_storable_numbers_are_kept(client: TestClient) -> None:
    row = {"ticket_id": "T1", "customer_id": "C1", "created_at": "2024-03-05 10:00", "status": "closed",
           "visits": 2**31 - 1, "labor_cost": 999_999_999_999.99}
    assert client.post("/v1/ingest/tickets", json=[row], headers=auth("ingest")).json()["inserted"] == 1


# -- row 5: lone surrogates -----------------------------------------------------------------------------
def test_lone_surrogates_in_rows_are_row_rejections(client: TestClient) -> None:
    rows = [{**_rows(1)[0], "text": "\udc80x"}, {**_rows(2)[1]}, {**_rows(3)[2], "\ud800key": "v"}]
    payload = json.dumps(rows)  # ASCII JSON: the surrogates are \u escapes, as a client would send them
    assert "\\udc80" in payload
    response = client.post("/v1/ingest/feedback", content=payload, headers={**auth("ingest"),
                                                                           "content-type": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (1, 2)
    assert [r["row"] for r in body["rejections"]] == [1, 3]
    assert all("lone surrogate" in r["reason"] for r in body["rejections"])
    lines = (payload[1:-1].replace("}, {", "}\n{") + "\n").encode()  # the same rows as JSON lines
    body = client.post("/v1/ingest/feedback", files={"file": ("f.jsonl", lines)}, headers=auth("ingest")).json()
    assert body["rejected"] == 2 and body["unchanged"] == 1


def test_lone_surrogates_in_classify_are_422(client: TestClient) -> None:
    headers = {**auth("classify"), "content-type": "application/json"}
    for payload, path in (({"text": "\udc80x"}, "body.text"), ({"texts": ["好", "\ud800坏"]}, "body.texts.1"),
                          ({"texts": ["好"], "ids": ["\udc80"]}, "body.ids.0")):
        response = client.post("/v1/classify", content=json.dumps(payload), headers=headers)
        body = assert_error(response, 422, "validation_error")  # pydantic: "not a valid string"
        assert body["details"][0]["path"] == path and "\n" not in body["message"]


# -- row 6: the connection stays usable after an error ---------------------------------------------------
@pytest.fixture
def server(tmp_path: Path, model_dir: Path, segmenter: Segmenter) -> Iterator[tuple[str, Any]]:
    """A real uvicorn server on a free port, in a thread: (base URL, app)."""
    app = create_app(make_settings(tmp_path, model_dir), segmenter=segmenter)
    with serving_in_thread(app, log_level="critical") as url:
        yield url, app


def _local_address(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")


def test_a_500_keeps_the_keep_alive_connection(server: tuple[str, Any]) -> None:
    base, app = server

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    app.state.services.models.classify = boom
    with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as http:
        first = http.get("/health")
        assert first.status_code == 200
        failed = http.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth("classify"))
        assert_error(failed, 500, "internal_error")
        assert "secret" not in failed.text and failed.headers.get("connection") != "close"
        hostile = http.get("/v1/kpis?to=9999-12-31", headers=R)  # a 4xx of the table, on the same socket
        assert_error(hostile, 422, "invalid_query")
        after = http.get("/health")
        assert after.status_code == 200
        assert _local_address(first) == _local_address(failed) == _local_address(hostile) == _local_address(after)
        assert 'status="500"' in http.get("/metrics").text  # the metrics saw the 500


def test_a_500_keeps_a_raw_socket_open(server: tuple[str, Any]) -> None:
    """The same over one socket by hand: no client library that could reconnect quietly."""
    base, app = server

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    app.state.services.models.classify = boom
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps({"text": "空调不制冷"}).encode()
    failing = (f"POST /v1/classify HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {auth('classify')['X-API-Key']}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    health = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(failing)
        assert _read_response(sock).startswith(b"HTTP/1.1 500 ")
        sock.sendall(health)
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        rest += chunk
    return head


# -- row 9: store: true with ids that are no feedback rows -----------------------------------------------
def test_store_true_with_unknown_ids_is_409_and_stores_nothing(client: TestClient) -> None:
    payload = {"texts": ["空调坏了", "冰箱不制冷"], "ids": ["NOPE_A", "NOPE_B"], "store": True}
    body = assert_error(client.post("/v1/classify", json=payload, headers=auth("all")), 409, "conflict")
    assert "'NOPE_A'" in body["message"] and body["details"]["code"] == "FNLP411"
    assert _count(client, "predictions") == 0
    assert client.post("/v1/ingest/feedback", json=_rows(1), headers=auth("ingest")).json()["inserted"] == 1
    mixed = {"texts": ["空调坏了", "冰箱不制冷"], "ids": ["F1", "NOPE_B"], "store": True}
    body = assert_error(client.post("/v1/classify", json=mixed, headers=auth("all")), 409, "conflict")
    assert "'NOPE_B'" in body["message"] and "'F1'" not in body["message"]
    assert _count(client, "predictions") == 0  # not even F1's
    ok = client.post("/v1/classify", json={"text": "空调坏了", "id": "F1", "store": True}, headers=auth("all"))
    assert ok.status_code == 200 and ok.json()["stored"] == 1


# -- row 10: header-only CSV with unknown columns; a wrong forced encoding ---------------------------------
def test_header_only_csv_with_unknown_columns_is_422(client: TestClient) -> None:
    for data in (b"foo,bar\n", b"foo,bar", "feedback_id,内容\n".encode()):
        response = client.post("/v1/ingest/feedback", files={"file": ("foo.csv", data)}, headers=auth("ingest"))
        assert "missing required column" in assert_error(response, 422, "invalid_file")["message"]
    ok = client.post("/v1/ingest/feedback", files={"file": ("f.csv", FEEDBACK_CSV.splitlines()[0].encode())},
                     headers=auth("ingest"))
    assert ok.status_code == 200 and ok.json()["rows_read"] == 0  # a header that fits and no rows: an empty export


@pytest.mark.parametrize("encoding", ["utf_16_be", "utf-16-le", "cp500", "utf-32-be", "gb18030", "big5"])
def test_a_forced_encoding_that_garbles_the_file_is_422(client: TestClient, encoding: str) -> None:
    data = "反馈编号,反馈内容,来源,反馈时间\nF9,空调不制冷,投诉,2024-03-05\n".encode()
    response = client.post("/v1/ingest/feedback", files={"file": ("f.csv", data)}, data={"encoding": encoding},
                           headers=auth("ingest"))
    body = assert_error(response, 422, "invalid_file")
    assert "encoding" in body["message"] and "\n" not in body["message"]
    assert len(body["message"]) < 2000  # the garbled header is cut short
    assert _count(client, "feedback") == 0


# -- row 11: texts without visible content -------------------------------------------------------------
NO_CONTENT = ["\u200b\u200b", "\ufeff", "\u0000", "👍👍", "？！。。。", "...", "\u200b \u3000\t", "❶❷"]


@pytest.mark.parametrize("text", NO_CONTENT)
def test_texts_without_content_are_422_at_classify(client: TestClient, text: str) -> None:
    one = assert_error(client.post("/v1/classify", json={"text": text}, headers=auth("classify")), 422,
                       "validation_error")
    assert one["details"][0]["path"] == "body.text"
    many = client.post("/v1/classify", json={"texts": ["空调不制冷", text]}, headers=auth("classify"))
    assert assert_error(many, 422, "validation_error")["details"][0]["path"] == "body.texts.1"


def test_short_texts_with_content_still_classify(client: TestClient) -> None:
    texts = ["好", "E21", "👍好评", "\u200b差"]
    response = client.post("/v1/classify", json={"texts": texts}, headers=auth("classify"))
    assert response.status_code == 200, response.text


def test_cli_classify_gives_texts_without_content_an_error_field(
        model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_MODEL_DIR", str(model_dir))
    get_settings.cache_clear()
    try:
        texts = ["空调不制冷", "\u200b\u200b", "👍👍", "？？？"]
        src = tmp_path / "in.jsonl"
        src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(cli_app, ["classify", "--no-progress", "--in", str(src), "--out", str(out)])
        assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "error" not in records[0] and records[0]["sentiment"]
    assert all("no letters or digits" in r["error"] for r in records[1:])


# -- row 12: messages name the uploaded file -------------------------------------------------------------
@pytest.mark.parametrize(("name", "data", "form"), [
    ("工单导出.csv", b"", {}),
    ("工单导出.csv", b"foo,bar\n", {}),
    ("工单导出.csv", "工单号,客户编号\n".encode("gbk") + b"\xff\xfe\xfd" * 10, {"encoding": "utf-8"}),
    ("工单导出.csv", b"a,b\n1,2\n", {"encoding": "base64"}),
    ("报表.xlsx", b"not a workbook", {}),
    ("导出.jsonl", b'[{"a": 1}]\n', {}),
    ("C:\\Users\\me\\工单导出.csv", b"foo,bar\n", {}),
    ("x" * 300 + ".csv", b"foo,bar\n", {}),
])  # fmt: skip
def test_errors_name_the_uploaded_file(client: TestClient, name: str, data: bytes, form: dict[str, str]) -> None:
    response = client.post("/v1/ingest/tickets", files={"file": (name, data)}, data=form, headers=auth("ingest"))
    message = assert_error(response, 422, "invalid_file")["message"]
    shown = name.rsplit("\\", 1)[-1]
    assert message.startswith(f"{shown}: ") or (len(shown) > 200 and message.startswith("upload.csv: ")), message
    assert "tmp" not in message


def test_the_run_log_names_the_uploaded_file(make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client()
    data = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(1)]).read_bytes()
    body = client.post("/v1/ingest/tickets", files={"file": ("三月工单.csv", data)}, headers=auth("ingest")).json()
    assert body["source"] == "三月工单.csv"
    store: Store = client.app.state.services.store
    assert store.cursor().execute("SELECT source FROM ingest_runs").fetchall() == [("三月工单.csv",)]
    assert not any((tmp_path / "data" / "uploads").iterdir())
