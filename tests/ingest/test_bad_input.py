"""Every malformed input of issue 2 gets a clear error and loses nothing valid."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from feedback_nlp.errors import InputFileError
from feedback_nlp.ingest import ingest_file
from feedback_nlp.store import Store
from tests.conftest import TICKET_HEADER, ticket_row, write_csv

FOLLOWUP_HEADER = ["回访编号", "工单号", "回访时间", "回访方式", "是否接通", "满意度", "推荐意愿", "回访记录"]
FEEDBACK_HEADER = ["反馈编号", "反馈内容", "来源", "反馈时间", "工单号"]


def followup_row(i: int, **overrides: str) -> list[str]:
    row = {"回访编号": f"F{i}", "工单号": f"T{i:06d}", "回访时间": "2024-03-20 10:00", "回访方式": "电话",
           "是否接通": "是", "满意度": "5", "推荐意愿": "9", "回访记录": "回访：客户表示空调已经修好，很满意"}
    row.update(overrides)
    return [row[h] for h in FOLLOWUP_HEADER]


def reasons(report) -> dict[int, list[str]]:  # noqa: ANN001 - test helper
    out: dict[int, list[str]] = {}
    for rec in report.rejections.itertuples():
        out.setdefault(int(rec.row), []).append(f"{rec.column}: {rec.reason}")
    return out


def stored_ids(store: Store, table: str) -> set[str]:
    key = {"tickets": "ticket_id", "followups": "followup_id", "feedback": "feedback_id", "orders": "order_id"}[table]
    return set(store.read_table(table)[key])


# -- wrong encoding --------------------------------------------------------------------
def test_gbk_file_is_detected_and_read(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", TICKET_HEADER, [ticket_row(1, 产品线="洗衣机")], encoding="gbk")
    report = ingest_file(store, "tickets", path)
    assert report.encoding == "gb18030"
    assert report.inserted == 1
    assert store.read_table("tickets")["product_line"].tolist() == ["洗衣机"]


def test_forced_wrong_encoding_refuses_the_file(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", TICKET_HEADER, [ticket_row(1)], encoding="gbk")
    with pytest.raises(InputFileError, match="does not decode as utf-8"):
        ingest_file(store, "tickets", path, encoding="utf-8")
    assert store.info().tables["tickets"] == 0


def test_row_in_another_encoding_is_rejected_alone(store: Store, tmp_path: Path) -> None:
    header = ["ticket_id", "customer_id", "created_at", "status", "product_line"]
    good = "T1,C1,2024-03-01 10:00,closed,空调\n".encode()
    bad = "T2,C2,2024-03-01 10:00,closed,冰箱\n".encode("gbk")
    path = tmp_path / "mixed.csv"
    path.write_bytes((",".join(header) + "\n").encode() + good + bad)
    report = ingest_file(store, "tickets", path, encoding="utf-8")
    assert stored_ids(store, "tickets") == {"T1"}
    assert "do not decode as utf-8" in reasons(report)[3][0]


def test_undetectable_encoding_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"ticket_id,customer_id\n" + bytes([0x80, 0xFF, 0x81, 0xFF]) * 10 + b"\n")
    with pytest.raises(InputFileError, match="encoding"):
        ingest_file(store, "tickets", path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
def test_bom_and_chinese_encodings_round_trip(store: Store, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(1), ticket_row(2)], encoding=encoding)
    report = ingest_file(store, "tickets", path)
    assert report.inserted == 2 and report.rejected == 0
    assert set(store.read_table("tickets")["status"]) == {"closed"}


# -- columns --------------------------------------------------------------------------
def test_missing_required_column_refuses_file_and_names_it(store: Store, tmp_path: Path) -> None:
    header = [h for h in TICKET_HEADER if h != "报修时间"]
    rows = [[v for h, v in zip(TICKET_HEADER, ticket_row(1), strict=True) if h != "报修时间"]]
    path = write_csv(tmp_path / "t.csv", header, rows)
    with pytest.raises(InputFileError, match=r"created_at \(报修时间\).*Found headers: 工单号"):
        ingest_file(store, "tickets", path)
    assert store.info().tables["tickets"] == 0 and store.info().tables["ingest_runs"] == 0


def test_unknown_column_is_ignored_and_reported(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [*TICKET_HEADER, "客户星座"], [ticket_row(1) + ["白羊座"]])
    report = ingest_file(store, "tickets", path)
    assert report.inserted == 1
    assert report.ignored_columns == ["客户星座"]
    assert any("客户星座" in w for w in report.warnings)


# -- values ---------------------------------------------------------------------------
def test_bad_date_rejects_only_that_row(store: Store, tmp_path: Path) -> None:
    rows = [ticket_row(1), ticket_row(2, 报修时间="2024-13-45 25:00"), ticket_row(3, 报修时间="上周三")]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, rows))
    assert stored_ids(store, "tickets") == {"T000001"}
    assert report.rejected == 2
    assert all("created_at: not a date/time" in r[0] for r in (reasons(report)[3], reasons(report)[4]))
    assert report.rejections.loc[0, "value"] == "2024-13-45 25:00"


def test_time_order_violation_names_both_times(store: Store, tmp_path: Path) -> None:
    rows = [ticket_row(1), ticket_row(2, 报修时间="2024-03-05 10:00", 首次响应时间="2024-03-05 09:00",
                                      解决时间="2024-03-06 10:00"),
            ticket_row(3, 报修时间="2024-03-05 10:00", 首次响应时间="", 解决时间="2024年3月4日 10:00")]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, rows))
    assert stored_ids(store, "tickets") == {"T000001"}
    got = reasons(report)
    assert got[3] == ["first_response_at: first_response_at 2024-03-05 09:00 is before created_at 2024-03-05 10:00"]
    assert got[4] == ["resolved_at: resolved_at 2024-03-04 10:00 is before created_at 2024-03-05 10:00"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [("推荐意愿", "11", "between 0 and 10"), ("满意度", "0", "between 1 and 5"), ("满意度", "4.5", "whole number"),
     ("是否接通", "也许", "yes/no"), ("回访方式", "飞鸽传书", "unknown value")],
)
def test_followup_scores_out_of_range(store: Store, tmp_path: Path, field: str, value: str, reason: str) -> None:
    rows = [followup_row(1), followup_row(2, **{field: value})]
    report = ingest_file(store, "followups", write_csv(tmp_path / "f.csv", FOLLOWUP_HEADER, rows))
    assert stored_ids(store, "followups") == {"F1"}
    (problem,) = reasons(report)[3]
    assert reason in problem
    assert report.rejections.loc[0, "value"] == value
    # the rejected follow-up's note did not become feedback either
    assert stored_ids(store, "feedback") == {"followup:F1"}


def test_negative_cost_is_rejected(store: Store, tmp_path: Path) -> None:
    rows = [ticket_row(1), ticket_row(2, 人工成本="-30")]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, rows))
    assert stored_ids(store, "tickets") == {"T000001"}
    assert reasons(report)[3] == ["labor_cost: must not be negative"]


def test_duplicate_id_keeps_first_and_rejects_later(store: Store, tmp_path: Path) -> None:
    rows = [ticket_row(1, 产品线="空调"), ticket_row(2), ticket_row(1, 产品线="冰箱")]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, rows))
    assert report.inserted == 2 and report.rejected == 1
    assert reasons(report)[4] == ["ticket_id: duplicate ticket_id: first seen at row 2"]
    stored = store.read_table("tickets").set_index("ticket_id")
    assert stored.loc["T000001", "product_line"] == "空调"


@pytest.mark.parametrize("text", ["", "   ", "\u3000\t "])
def test_empty_text_is_rejected(store: Store, tmp_path: Path, text: str) -> None:
    rows = [["R1", "屏幕有竖线", "评价", "2024-03-01", ""], ["R2", text, "投诉", "2024-03-01", ""]]
    report = ingest_file(store, "feedback", write_csv(tmp_path / "fb.csv", FEEDBACK_HEADER, rows))
    assert stored_ids(store, "feedback") == {"R1"}
    assert reasons(report)[3] == ["text: text is empty or only whitespace"]


def test_100k_character_text_is_rejected_with_its_length(store: Store, tmp_path: Path) -> None:
    rows = [["R1", "空调不制冷", "投诉", "2024-03-01", ""], ["R2", "噪音" * 50_000, "投诉", "2024-03-01", ""]]
    report = ingest_file(store, "feedback", write_csv(tmp_path / "fb.csv", FEEDBACK_HEADER, rows),
                         max_text_length=5000)
    assert stored_ids(store, "feedback") == {"R1"}
    (problem,) = reasons(report)[3]
    assert "100,000 characters" in problem and "5,000" in problem
    assert len(report.rejections.loc[0, "value"]) < 200  # the report previews, it does not copy 100k chars


def test_max_text_length_is_configurable(store: Store, tmp_path: Path) -> None:
    rows = [["R1", "噪音" * 50_000, "投诉", "2024-03-01", ""]]
    report = ingest_file(store, "feedback", write_csv(tmp_path / "fb.csv", FEEDBACK_HEADER, rows),
                         max_text_length=200_000)
    assert report.inserted == 1


# -- damaged files --------------------------------------------------------------------
def test_truncated_csv_rejects_the_cut_row(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(i) for i in range(1, 5)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # cut inside the last row
    report = ingest_file(store, "tickets", path)
    assert stored_ids(store, "tickets") == {"T000001", "T000002", "T000003"}
    assert report.rejected == 1
    assert "truncated" in reasons(report)[5][0] or "fields" in reasons(report)[5][0]


def test_truncated_jsonl_rejects_the_cut_line(store: Store, tmp_path: Path) -> None:
    lines = [json.dumps({"feedback_id": f"R{i}", "text": "手机充不进电", "source": "投诉",
                         "created_at": "2024-03-01T10:00:00+08:00"}, ensure_ascii=False) for i in range(3)]
    path = tmp_path / "fb.jsonl"
    path.write_text("\n".join(lines)[:-10], encoding="utf-8")
    report = ingest_file(store, "feedback", path)
    assert stored_ids(store, "feedback") == {"R0", "R1"}
    assert "not valid JSON" in reasons(report)[3][0]


def test_truncated_xlsx_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["订单号", "客户编号", "购买时间"])
    book.active.append(["O1", "C1", "2024-01-01"])
    book.save(path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(InputFileError, match="not a readable .xlsx"):
        ingest_file(store, "orders", path)
    assert store.info().tables["orders"] == 0


def test_xlsx_with_several_sheets(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本表为2024年订单导出"])
    east = book.create_sheet("华东")
    east.append(["订单号", "客户编号", "购买时间", "金额"])
    east.append(["O1", "C1", "2024-01-01 10:00", "¥3,999"])
    east.append(["O2", "C2", "2024/1/2", "-1"])
    south = book.create_sheet("华南")
    south.append(["order_id", "customer_id", "purchased_at", "amount", "quantity"])
    south.append(["O3", "C3", 45300, 1999, 2])
    south.append(["O1", "C9", "2024-02-01", 10, 1])
    book.create_sheet("空表")
    book.save(path)
    report = ingest_file(store, "orders", path)
    assert report.sheets_read == ["华东", "华南"]
    assert set(report.sheets_skipped) == {"说明", "空表"}
    assert stored_ids(store, "orders") == {"O1", "O3"}
    got = {(r.sheet, int(r.row)): r.reason for r in report.rejections.itertuples()}
    assert got[("华东", 3)] == "must not be negative"
    assert got[("华南", 3)].startswith("duplicate order_id")
    orders = store.read_table("orders").set_index("order_id")
    assert orders.loc["O1", "quantity"] == 1  # default when the sheet has no quantity
    assert orders.loc["O3", "quantity"] == 2
    assert str(orders.loc["O3", "purchased_at"].date()) == "2024-01-09"  # Excel day 45300 = 1899-12-30 + 45300 days


def test_xlsx_sheet_option_picks_one(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "A"
    book.active.append(["订单号", "客户编号", "购买时间"])
    book.active.append(["O1", "C1", "2024-01-01"])
    b = book.create_sheet("B")
    b.append(["订单号", "客户编号", "购买时间"])
    b.append(["O2", "C2", "2024-01-01"])
    book.save(path)
    ingest_file(store, "orders", path, sheet="B")
    assert stored_ids(store, "orders") == {"O2"}
    with pytest.raises(InputFileError, match="no sheet named 'C'"):
        ingest_file(store, "orders", path, sheet="C")


def test_empty_file_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        ingest_file(store, "tickets", path)


def test_header_only_file_reads_zero_rows(store: Store, tmp_path: Path) -> None:
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, []))
    assert (report.rows_read, report.inserted, report.rejected) == (0, 0, 0)


def test_row_with_wrong_field_count(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", TICKET_HEADER, [ticket_row(1), ticket_row(2)[:5], ticket_row(3)])
    report = ingest_file(store, "tickets", path)
    assert stored_ids(store, "tickets") == {"T000001", "T000003"}
    assert "5 fields but the header has 11" in reasons(report)[3][0]


def test_jsonl_record_missing_required_key(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "fb.jsonl"
    path.write_text(
        '{"feedback_id": "R1", "text": "好评", "source": "review", "created_at": "2024-03-01"}\n'
        '{"feedback_id": "R2", "text": "差评", "created_at": "2024-03-01"}\n', encoding="utf-8")
    report = ingest_file(store, "feedback", path)
    assert stored_ids(store, "feedback") == {"R1"}
    assert reasons(report)[2] == ["source: required value is missing"]
