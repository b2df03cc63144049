"""Hostile input to the ingest library (issue 16, rows 2–5, 10, 12): a refused file or a rejected row, never a crash."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from feedback_nlp.errors import InputFileError
from feedback_nlp.ingest import ingest_file, ingest_records
from feedback_nlp.ingest.readers import check_encoding
from feedback_nlp.store import Store

CSV = "feedback_id,text,source,created_at\nF1,空调不制冷,complaint,2024-03-05\nF2,冰箱噪音大,review,2024-03-06\n"
TICKET = {"ticket_id": "T1", "customer_id": "C1", "created_at": "2024-03-05 10:00", "status": "closed"}


def _file(tmp_path: Path, data: bytes, name: str = "导出.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- encodings (rows 3, 10) -----------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["base64", "bz2", "zlib", "hex", "uu", "quopri", "rot13", "rot_13", "idna",
                                      "punycode", "unicode_escape", "raw_unicode_escape", "undefined"])
def test_codecs_that_are_no_character_set_are_refused(tmp_path: Path, store: Store, encoding: str) -> None:
    path = _file(tmp_path, CSV.encode())
    with pytest.raises(InputFileError, match=rf"^导出\.csv: encoding '{encoding}' is not a character set"):
        ingest_file(store, "feedback", path, encoding=encoding)
    assert store.info().tables["feedback"] == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf_32", "UTF16"])
def test_bom_codecs_need_a_bom(tmp_path: Path, store: Store, encoding: str) -> None:
    path = _file(tmp_path, CSV.encode("utf-16-le"))
    with pytest.raises(InputFileError, match=r"needs a byte-order mark.*-le or .*-be\)$"):
        ingest_file(store, "feedback", path, encoding=encoding)
    with_bom = _file(tmp_path, CSV.encode("utf-32" if "32" in encoding else "utf-16"), "bom.csv")
    report = ingest_file(store, "feedback", with_bom, encoding=encoding)
    assert (report.inserted + report.unchanged, report.rejected) == (2, 0)


@pytest.mark.parametrize(("encoding", "data"), [
    ("utf-16-le", CSV.encode("utf-16-le")), ("utf-16-be", CSV.encode("utf-16-be")),
    ("utf-32-le", CSV.encode("utf-32-le")), ("utf-32-be", CSV.encode("utf-32-be")),
    ("gb18030", CSV.encode("gb18030")), ("utf-8-sig", codecs.BOM_UTF8 + CSV.encode()),
])  # fmt: skip
def test_character_sets_read_every_row(tmp_path: Path, store: Store, encoding: str, data: bytes) -> None:
    report = ingest_file(store, "feedback", _file(tmp_path, data), encoding=encoding)
    assert (report.inserted, report.rejected) == (2, 0), report.rejections


def test_check_encoding_names_unknown_codecs(tmp_path: Path) -> None:
    path = _file(tmp_path, b"a")
    for name in ("no-such-codec", "utf-8\x00", ""):
        with pytest.raises(InputFileError, match="unknown encoding"):
            check_encoding(path, name)
    check_encoding(path, "GBK")


@pytest.mark.parametrize("encoding", ["utf_16_be", "cp500", "cp037", "utf-16-le"])
def test_a_forced_encoding_that_garbles_the_header_is_refused(tmp_path: Path, store: Store, encoding: str) -> None:
    path = _file(tmp_path, "反馈编号,反馈内容,来源,反馈时间\nF1,空调不制冷,投诉,2024-03-05\n".encode())
    garbled = rf"^导出\.csv: .*(does not decode as {encoding}|the encoding '{encoding}' is wrong)"
    with pytest.raises(InputFileError, match=garbled):
        ingest_file(store, "feedback", path, encoding=encoding)


def test_a_header_without_rows_is_checked_like_one_with_rows(tmp_path: Path, store: Store) -> None:
    for data in (b"foo,bar\n", b"foo,bar", b"feedback_id,text\n"):
        with pytest.raises(InputFileError, match=r"^导出\.csv: missing required column"):
            ingest_file(store, "feedback", _file(tmp_path, data))
    report = ingest_file(store, "feedback", _file(tmp_path, CSV.splitlines()[0].encode()))
    assert (report.rows_read, report.inserted) == (0, 0)  # a header that fits: an empty export
    long = ",".join(f"column{i}" * 20 for i in range(100)).encode()
    with pytest.raises(InputFileError, match=r"\(1[0-9]{2} chars\).*… \(60 more\).*No header is a column") as info:
        ingest_file(store, "feedback", _file(tmp_path, long))
    assert len(str(info.value)) < 6000


def test_source_names_the_file_in_the_report_and_the_run_log(tmp_path: Path, store: Store) -> None:
    report = ingest_file(store, "feedback", _file(tmp_path, CSV.encode()), source="三月反馈.csv")
    assert report.source == "三月反馈.csv"
    assert store.cursor().execute("SELECT source FROM ingest_runs").fetchall() == [("三月反馈.csv",)]


# -- numbers (row 4) ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("column", "value", "reason"), [
    ("visits", 10**30, "out of range: beyond ±2,147,483,647"), ("visits", 2**31, "out of range"),
    ("visits", 10**400, "out of range"), ("reopened", "1" + "0" * 4000, "out of range"),
    ("labor_cost", 1e308, "out of range: beyond ±1,000,000,000,000,000"), ("revenue", -1e20, "out of range"),
    ("material_cost", "9" * 17 + "万", "out of range"), ("labor_cost", float("inf"), "not an amount"),
    ("labor_cost", float("nan"), None), ("visits", -1, "must not be negative"),
])  # fmt: skip
def test_numbers_too_large_to_store_are_row_rejections(store: Store, column: str, value: object,
                                                       reason: str | None) -> None:
    report = ingest_records(store, "tickets", [TICKET, {**TICKET, "ticket_id": "T2", column: value}])
    if reason is None:  # NaN is a missing value
        assert (report.inserted, report.rejected) == (2, 0)
        return
    assert (report.inserted, report.rejected) == (1, 1)
    (rejection,) = report.rejections.to_dict("records")
    assert rejection["row"] == 2 and rejection["column"] == column and rejection["reason"].startswith(reason)


def test_the_limits_themselves_are_stored(store: Store) -> None:
    row = {**TICKET, "visits": 2**31 - 1, "labor_cost": 999_999_999_999_999.0, "revenue": "1.2万"}
    assert ingest_records(store, "tickets", [row]).inserted == 1
    got = store.cursor().execute("SELECT visits, labor_cost, revenue FROM tickets").fetchone()
    assert got[0] == 2**31 - 1 and float(got[1]) == 999_999_999_999_999.0 and float(got[2]) == 12_000


# -- lone surrogates and nesting (rows 2, 5) ---------------------------------------------------------------
def test_lone_surrogates_are_row_rejections(store: Store) -> None:
    good = {"feedback_id": "F1", "text": "空调不制冷", "source": "complaint", "created_at": "2024-03-05"}
    rows = [good, {**good, "feedback_id": "F2", "text": "\udc80x"}, {**good, "feedback_id": "F3", "\ud800": "v"},
            {**good, "feedback_id": "F4", "text": {"nested": ["\udfff"]}}, {**good, "feedback_id": "F5"}]
    report = ingest_records(store, "feedback", rows)
    assert (report.inserted, report.rejected) == (2, 3)
    rejections = report.rejections.to_dict("records")
    assert [r["row"] for r in rejections] == [2, 3, 4]
    assert all("lone surrogate" in r["reason"] for r in rejections)
    assert "'\\udc80'" in rejections[0]["reason"]  # shown escaped: the message itself stays encodable
    report.write(store.path.parent / "reports")  # the report is written as UTF-8


def test_json_lines_with_surrogates_deep_nesting_or_huge_numbers(tmp_path: Path, store: Store) -> None:
    good = {"feedback_id": "F1", "text": "空调不制冷", "source": "complaint", "created_at": "2024-03-05"}
    lines = [json.dumps(good), json.dumps({**good, "feedback_id": "F2", "text": "\udc80x"}),
             '{"feedback_id": "F3", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
             '{"feedback_id": "F4", "text": ' + "9" * 5000 + "}",
             json.dumps({**good, "feedback_id": "F5", "text": "\\udc80 is how JSON escapes it"}, ensure_ascii=False)]
    report = ingest_file(store, "feedback", _file(tmp_path, ("\n".join(lines) + "\n").encode(), "f.jsonl"))
    assert (report.inserted, report.rejected) == (2, 3)
    reasons = {r["row"]: r["reason"] for r in report.rejections.to_dict("records")}
    assert "lone surrogate" in reasons[2] and "nested too deeply" in reasons[3] and "too many digits" in reasons[4]


def test_nested_values_in_posted_rows_are_kept_as_json_text(store: Store) -> None:
    value = json.loads("[" * 200 + '"空调"' + "]" * 200)
    row = {"feedback_id": "F1", "text": value, "source": "complaint", "created_at": "2024-03-05"}
    assert ingest_records(store, "feedback", [row]).inserted == 1
