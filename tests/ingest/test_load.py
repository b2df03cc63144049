"""Upsert semantics, atomicity, follow-up notes, mapping files and reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.errors import MappingError
from feedback_nlp.ingest import ingest_file, ingest_records
from feedback_nlp.store import Store, TableLoad
from tests.conftest import TICKET_HEADER, ticket_row, write_csv

ROOT = Path(__file__).resolve().parents[2]


def test_reingesting_the_same_file_changes_nothing(store: Store, tickets_csv: Path) -> None:
    first = ingest_file(store, "tickets", tickets_csv)
    before = store.read_table("tickets")
    second = ingest_file(store, "tickets", tickets_csv)
    assert (first.inserted, first.updated) == (5, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 5)
    pd.testing.assert_frame_equal(before, store.read_table("tickets"))


def test_changed_rows_are_updated_not_duplicated(store: Store, tmp_path: Path, tickets_csv: Path) -> None:
    ingest_file(store, "tickets", tickets_csv)
    rows = [ticket_row(1, 工单状态="处理中"), ticket_row(2), ticket_row(99)]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t2.csv", TICKET_HEADER, rows))
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    stored = store.read_table("tickets").set_index("ticket_id")
    assert len(stored) == 6
    assert stored.loc["T000001", "status"] == "in_progress"


def test_partial_export_does_not_blank_other_columns(store: Store, tmp_path: Path, tickets_csv: Path) -> None:
    ingest_file(store, "tickets", tickets_csv)
    path = write_csv(tmp_path / "status.csv", ["工单号", "客户编号", "报修时间", "工单状态"],
                     [["T000001", "C00001", "2024-03-02 09:01", "已解决"]])
    ingest_file(store, "tickets", path)
    row = store.read_table("tickets").set_index("ticket_id").loc["T000001"]
    assert row["status"] == "resolved"
    assert row["product_line"] == "空调" and float(row["labor_cost"]) == 1200.50


def test_failure_mid_ingest_leaves_store_unchanged(store: Store, tmp_path: Path, tickets_csv: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_file(store, "tickets", tickets_csv)
    before = store.read_table("tickets")
    rows = [ticket_row(1, 工单状态="已取消"), ticket_row(50)]
    path = write_csv(tmp_path / "t2.csv", TICKET_HEADER, rows)

    def boom(self: TableLoad) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TableLoad, "backfill_feedback_from_tickets", boom)  # after the upsert ran
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_file(store, "tickets", path)
    pd.testing.assert_frame_equal(before, store.read_table("tickets"))
    assert store.info().tables["ingest_runs"] == 1


def test_kill_during_ingest_leaves_store_as_before(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    small = write_csv(tmp_path / "small.csv", TICKET_HEADER, [ticket_row(i) for i in range(1, 4)])
    with Store(db) as s:
        ingest_file(s, "tickets", small)
        before = s.read_table("tickets")
    big = write_csv(tmp_path / "big.csv", TICKET_HEADER,
                    [ticket_row(i, 工单状态="已取消") for i in range(1, 200_001)])
    script = textwrap.dedent(f"""
        import sys
        from feedback_nlp.store import Store
        from feedback_nlp.ingest import ingest_file
        def progress(done, total):
            print("progress", done, flush=True)
        ingest_file(Store({str(db)!r}), "tickets", {str(big)!r}, chunk_rows=2000, on_progress=progress)
        print("finished", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first chunk is staged: we are mid-ingest
    assert line.startswith("progress"), line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(".store.duckdb.staging-*"))  # the killed load left its staging file
    with Store(db) as s:
        pd.testing.assert_frame_equal(before, s.read_table("tickets"))
        assert s.info().tables["ingest_runs"] == 1
    assert not list(tmp_path.glob(".store.duckdb.staging-*"))  # cleaned when the store reopened


def test_followup_note_becomes_linked_feedback(store: Store, tmp_path: Path, tickets_csv: Path) -> None:
    ingest_file(store, "tickets", tickets_csv)
    header = ["回访编号", "工单号", "回访时间", "回访方式", "是否接通", "满意度", "回访记录"]
    rows = [["F1", "T000001", "2024-03-20 10:00", "电话回访", "是", "2", "回访：客户表示空调还是不制冷，很不满意"],
            ["F2", "T000002", "2024-03-20 11:00", "短信", "否", "", ""]]
    path = write_csv(tmp_path / "f.csv", header, rows, encoding="gb18030")
    report = ingest_file(store, "followups", path)
    assert report.inserted == 2 and report.notes_as_feedback["inserted"] == 1
    fb = store.read_table("feedback")
    assert fb["feedback_id"].tolist() == ["followup:F1"]
    row = fb.iloc[0]
    assert row["source"] == "followup" and row["ticket_id"] == "T000001"
    assert row["product_line"] == "空调" and row["customer_id"] == "C00001"
    assert "不制冷" in row["text"]
    again = ingest_file(store, "followups", path)
    assert again.notes_as_feedback == {"inserted": 0, "updated": 0, "unchanged": 1}


def test_feedback_takes_product_from_linked_ticket(store: Store, tmp_path: Path, tickets_csv: Path) -> None:
    ingest_file(store, "tickets", tickets_csv)
    path = tmp_path / "fb.jsonl"
    path.write_text(json.dumps({"id": "R1", "content": "修了三次还是漏水", "type": "投诉",
                                "time": "2024-03-10 12:00", "ticket_no": "T000003"}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "R2", "content": "好用", "type": "评价", "time": "2024-03-10",
                                  "product_line": "手机"}, ensure_ascii=False) + "\n", encoding="utf-8")
    report = ingest_file(store, "feedback", path)
    assert report.inserted == 2
    fb = store.read_table("feedback").set_index("feedback_id")
    assert fb.loc["R1", "product_line"] == "空调" and fb.loc["R1", "product_model"] == "KFR-35GW"
    assert fb.loc["R2", "product_line"] == "手机"


def test_unknown_ticket_reference_is_a_warning(store: Store, tmp_path: Path) -> None:
    report = ingest_records(store, "feedback", [
        {"feedback_id": "R1", "text": "不制冷", "source": "complaint", "created_at": "2024-01-01", "ticket_id": "X"}])
    assert report.inserted == 1
    assert any("ticket_id that is not in the store" in w for w in report.warnings)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_user_mapping_file(store: Store, tmp_path: Path, suffix: str) -> None:
    path = write_csv(tmp_path / "t.csv", ["单据", "会员", "开单时刻", "进度", "备注"],
                     [["A1", "C1", "2024-03-01 08:00", "已结单", "x"]])
    if suffix == ".yaml":
        mapping = tmp_path / "m.yaml"
        mapping.write_text("tickets:\n  单据: ticket_id\n  会员: customer_id\n  开单时刻: created_at\n"
                           "  进度: status\n  备注: ignore\nfollowups:\n  单据: followup_id\n", encoding="utf-8")
    else:
        mapping = tmp_path / "m.json"
        mapping.write_text(json.dumps({"单据": "ticket_id", "会员": "customer_id", "开单时刻": "created_at",
                                       "进度": "status", "备注": None}, ensure_ascii=False), encoding="utf-8")
    report = ingest_file(store, "tickets", path, mapping=mapping)
    assert report.inserted == 1 and report.ignored_columns == []
    assert store.read_table("tickets")["status"].tolist() == ["closed"]


def test_mapping_to_unknown_column_is_refused(store: Store, tmp_path: Path, tickets_csv: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("单据: ticket_number\n", encoding="utf-8")
    with pytest.raises(MappingError, match="ticket_number.*not a column of tickets"):
        ingest_file(store, "tickets", tickets_csv, mapping=mapping)


@pytest.mark.parametrize(
    ("created", "expected"),
    [("2024年3月5日 14:30", "2024-03-05 14:30"), ("2024/3/5 14:30:00", "2024-03-05 14:30"),
     ("2024-03-05T14:30:00+08:00", "2024-03-05 14:30"), ("2024-03-05T06:30:00Z", "2024-03-05 14:30"),
     ("45356.6041666667", "2024-03-05 14:30"), ("2024.3.5", "2024-03-05 00:00"),
     ("2024/3/5 下午 2:30", "2024-03-05 14:30"), ("2024年3月5日14时30分", "2024-03-05 14:30")],
)
def test_timestamp_forms(store: Store, tmp_path: Path, created: str, expected: str) -> None:
    header = ["工单号", "客户编号", "报修时间", "工单状态"]
    path = write_csv(tmp_path / "t.csv", header, [["T1", "C1", created, "closed"]])
    report = ingest_file(store, "tickets", path)
    assert report.rejected == 0, report.rejections.to_dict("records")
    got = store.read_table("tickets")["created_at"].iloc[0]
    assert got.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(
    ("raw", "column", "expected"),
    [("是", "is_complaint", True), ("Y", "is_complaint", True), ("0", "is_complaint", False),
     ("false", "is_complaint", False), ("致命", "severity", "critical"), ("轻微", "severity", "minor"),
     ("￥1,234.50", "labor_cost", 1234.50), ("¥12,000", "labor_cost", 12000.0), ("1.2万", "labor_cost", 12000.0),
     ("350元", "labor_cost", 350.0)],
)
def test_value_forms(store: Store, raw: str, column: str, expected: object) -> None:
    label = {"is_complaint": "是否投诉", "severity": "严重程度", "labor_cost": "人工成本"}[column]
    report = ingest_records(store, "tickets", [{"工单号": "T1", "客户编号": "C1", "报修时间": "2024-03-05",
                                                "工单状态": "已关闭", label: raw}])
    assert report.rejected == 0, report.rejections.to_dict("records")
    value = store.read_table("tickets")[column].iloc[0]
    assert (float(value) if column == "labor_cost" else value) == expected


@pytest.mark.parametrize(("raw", "expected"), [("电话", "phone"), ("短信", "sms"), ("邮件", "email"),
                                               ("微信", "wechat"), ("上门", "visit")])
def test_followup_methods(store: Store, raw: str, expected: str) -> None:
    ingest_records(store, "followups", [{"回访编号": "F1", "工单号": "T1", "回访时间": "2024-03-05",
                                         "回访方式": raw, "是否接通": "是"}])
    assert store.read_table("followups")["method"].tolist() == [expected]


def test_report_is_written_as_json_and_csv(store: Store, tmp_path: Path) -> None:
    rows = [ticket_row(1), ticket_row(2, 人工成本="-1"), ticket_row(3, 报修时间="昨天")]
    report = ingest_file(store, "tickets", write_csv(tmp_path / "t.csv", TICKET_HEADER, rows))
    paths = report.write(tmp_path / "reports")
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert (data["rows_read"], data["inserted"], data["rejected"]) == (3, 1, 2)
    assert {r["row"] for r in data["rejections"]} == {3, 4}
    csv_back = pd.read_csv(paths["csv"], encoding="utf-8-sig")
    assert list(csv_back.columns) == ["row", "sheet", "column", "value", "reason"]
    assert set(csv_back["value"]) == {"-1", "昨天"}
    runs = store.read_table("ingest_runs")
    assert runs["rejected"].tolist() == [2] and runs["source_sha256"].str.len().tolist() == [64]
