"""Write :class:`~feedback_nlp.demo.tables.DemoData` as the files a user would export.

Why the files look the way they do: ingestion must cope with what Chinese ticketing
and CRM systems really export, so the demo files carry the same quirks — Chinese
headers (each column's ``label`` in :mod:`feedback_nlp.schema`), UTF-8 with a BOM and
GB18030, dates written three ways in one file, 是/否 booleans, Chinese enum spellings
and ``¥1,234.50`` amounts — while every row stays valid. The ``dirty/`` folder holds a
mix of valid rows and rows broken on purpose; its README says which row breaks which
rule, so an ingestion report can be checked against it.

Deterministic: the same data (same seed) gives byte-identical CSV, JSON lines,
README and manifest files. ``orders.xlsx`` holds the same cells each time, but the
zip container stores its own timestamps.

One module (~430 lines): the writers of the four files and of their dirty copies share
the formatting quirks above, which are the point of the demo export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from feedback_nlp.demo.tables import TIMEZONE, DemoData
from feedback_nlp.demo.text import FAULT_NAMES_ZH
from feedback_nlp.schema import FOLLOWUPS, ORDERS, TICKETS, Table
from feedback_nlp.store import FOLLOWUP_FEEDBACK_PREFIX

__all__ = ["DIRTY_DIR", "FILE_NAMES", "DirtyIssue", "write_demo_files"]

FILE_NAMES: dict[str, str] = {
    "tickets": "tickets.csv",
    "feedback": "feedback.jsonl",
    "followups": "followups.csv",
    "orders": "orders.xlsx",
    "labels": "labels.csv",
    "manifest": "manifest.json",
}
DIRTY_DIR = "dirty"
DIRTY_FILE_NAMES: dict[str, str] = {
    "tickets_dirty": f"{DIRTY_DIR}/tickets_dirty.csv",
    "followups_dirty": f"{DIRTY_DIR}/followups_dirty.csv",
    "feedback_dirty": f"{DIRTY_DIR}/feedback_dirty.jsonl",
    "dirty_readme": f"{DIRTY_DIR}/README.md",
}
ENCODINGS = {"tickets": "utf-8-sig", "followups": "gb18030", "labels": "utf-8", "feedback": "utf-8"}

# Chinese spellings written for canonical enum values (the first spelling in schema).
_STATUS_ZH = {v: TICKETS.column("status").enum[v][0] for v in TICKETS.column("status").enum}
_SEVERITY_ZH = {v: TICKETS.column("severity").enum[v][0] for v in TICKETS.column("severity").enum}
_METHOD_ZH = {v: FOLLOWUPS.column("method").enum[v][0] for v in FOLLOWUPS.column("method").enum}
_N_DIRTY_ROWS = 30


@dataclass(frozen=True)
class DirtyIssue:
    """One deliberately broken cell: ``row`` is the file's line number (header = line 1)."""

    file: str
    row: int
    column: str
    value: str
    problem_en: str
    problem_zh: str


def write_demo_files(data: DemoData, out_dir: Path, *, dirty: bool = True) -> dict[str, Path]:
    """Write the demo export files into ``out_dir`` (created if needed) and return them by name.

    Files: ``tickets.csv`` (UTF-8 with BOM), ``feedback.jsonl`` (UTF-8, English keys),
    ``followups.csv`` (GB18030), ``orders.xlsx``, ``labels.csv`` (gold labels of every
    text, follow-up notes under ``followup:<followup_id>``), ``manifest.json`` and, with
    ``dirty=True``, ``dirty/`` with broken rows and a README listing them. Existing
    files of these names are overwritten; nothing else in ``out_dir`` is touched.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([data.seed, 20_240_305])
    paths = {name: out_dir / file for name, file in FILE_NAMES.items()}

    tickets_text = _ticket_strings(data.tickets, rng)
    _write_csv(paths["tickets"], tickets_text, ENCODINGS["tickets"])
    _write_jsonl(paths["feedback"], _feedback_records(data.feedback))
    followups_text = _followup_strings(data.followups)
    _write_csv(paths["followups"], followups_text, ENCODINGS["followups"])
    _write_orders_xlsx(paths["orders"], data.orders)
    _write_csv(paths["labels"], _label_strings(data), ENCODINGS["labels"])

    issues: list[DirtyIssue] = []
    if dirty:
        dirty_paths = {name: out_dir / file for name, file in DIRTY_FILE_NAMES.items()}
        dirty_paths["dirty_readme"].parent.mkdir(parents=True, exist_ok=True)
        frame, found = _dirty_tickets(tickets_text, data.tickets, DIRTY_FILE_NAMES["tickets_dirty"])
        _write_csv(dirty_paths["tickets_dirty"], frame, ENCODINGS["tickets"])
        issues += found
        frame, found = _dirty_followups(followups_text, DIRTY_FILE_NAMES["followups_dirty"])
        _write_csv(dirty_paths["followups_dirty"], frame, ENCODINGS["followups"])
        issues += found
        records, found = _dirty_feedback(_feedback_records(data.feedback.head(_N_DIRTY_ROWS)),
                                         DIRTY_FILE_NAMES["feedback_dirty"])
        _write_jsonl(dirty_paths["feedback_dirty"], records)
        issues += found
        dirty_paths["dirty_readme"].write_text(_dirty_readme(issues), encoding="utf-8")
        paths.update(dirty_paths)

    paths["manifest"].write_text(_manifest(data, paths, out_dir, issues), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- formatting


def _headers(table: Table, frame: pd.DataFrame) -> dict[str, str]:
    return {c.name: c.label for c in table.columns if c.name in frame.columns}


def _format_timestamps(values: pd.Series, style: np.ndarray) -> list[str]:
    """Per-row style: 0 ``2024年3月5日 14:30``, 1 ``2024/3/5 14:30:00``, 2 ISO 8601 with offset."""
    out: list[str] = []
    for ts, st in zip(values.tolist(), style.tolist(), strict=True):
        if ts is None or ts is pd.NaT or pd.isna(ts):
            out.append("")
        elif st == 0:
            out.append(f"{ts.year}年{ts.month}月{ts.day}日 {ts.hour:02d}:{ts.minute:02d}")
        elif st == 1:
            out.append(f"{ts.year}/{ts.month}/{ts.day} {ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}")
        else:
            out.append(ts.isoformat(timespec="seconds"))
    return out


def _format_dates(values: pd.Series, style: np.ndarray) -> list[str]:
    out: list[str] = []
    for ts, st in zip(values.tolist(), style.tolist(), strict=True):
        if ts is None or ts is pd.NaT or pd.isna(ts):
            out.append("")
        elif st == 0:
            out.append(f"{ts.year}年{ts.month}月{ts.day}日")
        elif st == 1:
            out.append(f"{ts.year}/{ts.month}/{ts.day}")
        else:
            out.append(f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}")
    return out


def _format_amounts(values: pd.Series, yuan: np.ndarray) -> list[str]:
    """Amounts as ``1234.50``, or ``¥1,234.50`` where ``yuan`` is set."""
    out: list[str] = []
    for v, y in zip(values.tolist(), yuan.tolist(), strict=True):
        if v is None or pd.isna(v):
            out.append("")
        else:
            out.append(f"¥{v:,.2f}" if y else f"{v:.2f}")
    return out


def _format_bools(values: pd.Series) -> list[str]:
    return ["" if v is None or pd.isna(v) else ("是" if v else "否") for v in values.tolist()]


def _format_ints(values: pd.Series) -> list[str]:
    return ["" if v is None or pd.isna(v) else str(int(v)) for v in values.tolist()]


def _format_text(values: pd.Series) -> list[str]:
    return ["" if v is None or pd.isna(v) else str(v) for v in values.tolist()]


def _ticket_strings(tickets: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Tickets as an export: Chinese headers, each row's dates in one of three styles."""
    n = len(tickets)
    style = rng.choice(3, n, p=[0.35, 0.35, 0.30])
    yuan = rng.random(n) < 0.3
    cols: dict[str, list[str]] = {}
    for col in TICKETS.columns:
        if col.name not in tickets.columns:
            continue
        s = tickets[col.name]
        if col.type == "timestamp":
            cols[col.name] = _format_timestamps(s, style)
        elif col.type == "date":
            cols[col.name] = _format_dates(s, style)
        elif col.type == "decimal":
            cols[col.name] = _format_amounts(s, yuan)
        elif col.type == "bool":
            cols[col.name] = _format_bools(s)
        elif col.type == "int":
            cols[col.name] = _format_ints(s)
        elif col.name == "status":
            cols[col.name] = [_STATUS_ZH[v] for v in s.tolist()]
        elif col.name == "severity":
            cols[col.name] = ["" if pd.isna(v) else _SEVERITY_ZH[v] for v in s.tolist()]
        else:
            cols[col.name] = _format_text(s)
    return pd.DataFrame(cols, dtype=object).rename(columns=_headers(TICKETS, tickets))


def _followup_strings(followups: pd.DataFrame) -> pd.DataFrame:
    """Follow-ups as a call-centre export: one date style, Chinese methods, 是/否."""
    cols: dict[str, list[str]] = {}
    slash = np.ones(len(followups), dtype=np.int64)
    for col in FOLLOWUPS.columns:
        if col.name not in followups.columns:
            continue
        s = followups[col.name]
        if col.type == "timestamp":
            cols[col.name] = _format_timestamps(s, slash)
        elif col.type == "bool":
            cols[col.name] = _format_bools(s)
        elif col.type == "int":
            cols[col.name] = _format_ints(s)
        elif col.name == "method":
            cols[col.name] = ["" if pd.isna(v) else _METHOD_ZH[v] for v in s.tolist()]
        else:
            cols[col.name] = _format_text(s)
    return pd.DataFrame(cols, dtype=object).rename(columns=_headers(FOLLOWUPS, followups))


def _feedback_records(feedback: pd.DataFrame) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    columns = list(feedback.columns)
    for row in feedback.itertuples(index=False, name=None):
        rec: dict[str, object] = {}
        for name, v in zip(columns, row, strict=True):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                rec[name] = None
            elif isinstance(v, pd.Timestamp):
                rec[name] = v.isoformat(timespec="seconds")
            elif isinstance(v, (int, np.integer)):
                rec[name] = int(v)
            else:
                rec[name] = str(v)
        records.append(rec)
    return records


def _label_strings(data: DemoData) -> pd.DataFrame:
    """Gold labels with the text they label and its source (feedback rows and follow-up notes)."""
    fb = data.feedback[["feedback_id", "source", "text"]]
    notes = data.followups.loc[data.followups["note"].notna(), ["followup_id", "note"]]
    fu = pd.DataFrame({"feedback_id": FOLLOWUP_FEEDBACK_PREFIX + notes["followup_id"],
                       "source": "followup", "text": notes["note"]})
    texts = pd.concat([fb, fu], ignore_index=True)
    merged = data.labels.merge(texts, on="feedback_id", how="left", validate="one_to_one")
    return merged.astype(object).where(merged.notna(), "")


# --------------------------------------------------------------------------- writers


def _write_csv(path: Path, frame: pd.DataFrame, encoding: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    writer.writerows(frame.itertuples(index=False, name=None))
    path.write_bytes(buf.getvalue().encode(encoding))


def _write_jsonl(path: Path, records: Sequence[dict[str, object]]) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _write_orders_xlsx(path: Path, orders: pd.DataFrame) -> None:
    wb = Workbook(write_only=True)
    # Fixed document properties so that repeated runs differ only in the zip timestamps.
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)
    wb.properties.creator = "feedback-nlp demo"
    ws = wb.create_sheet(ORDERS.label)
    names = [c.name for c in ORDERS.columns if c.name in orders.columns]
    ws.append([ORDERS.column(n).label for n in names])
    purchased = orders["purchased_at"].dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    cols = {n: orders[n].tolist() for n in names}
    cols["purchased_at"] = [ts.to_pydatetime() if not pd.isna(ts) else None for ts in purchased.tolist()]
    for n in ("quantity",):
        cols[n] = [None if pd.isna(v) else int(v) for v in cols[n]]
    for n in ("amount",):
        cols[n] = [None if pd.isna(v) else float(v) for v in cols[n]]
    for row in zip(*(cols[n] for n in names), strict=True):
        ws.append(list(row))
    wb.save(path)


# --------------------------------------------------------------------------- dirty files


def _spread(n_total: int, k: int) -> np.ndarray:
    """``k`` row positions spread over ``n_total`` rows (deterministic)."""
    return np.unique(np.linspace(0, n_total - 1, min(k, n_total)).astype(np.int64))


def _dirty_tickets(text: pd.DataFrame, tickets: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[DirtyIssue]]:
    pos = _spread(len(text), _N_DIRTY_ROWS)
    frame = text.iloc[pos].reset_index(drop=True).copy()
    created = tickets["created_at"].iloc[pos].reset_index(drop=True)
    label = {c.name: c.label for c in TICKETS.columns}
    issues: list[DirtyIssue] = []

    def brk(i: int, column: str, value: str, en: str, zh: str) -> None:
        header = label.get(column, column)
        frame.loc[i, header] = value
        issues.append(DirtyIssue(file, i + 2, header, value, en, zh))

    before = (created.iloc[4] - pd.Timedelta(hours=3)).isoformat(timespec="seconds")
    resolved_before = (created.iloc[20] - pd.Timedelta(days=2)).isoformat(timespec="seconds")
    brk(2, "created_at", "2025-02-30 25:61", "not a date (30 February, hour 25)", "日期不存在（2月30日、25点）")
    brk(4, "first_response_at", before, "first response 3 h before the ticket was created",
        "首次响应时间早于报修时间 3 小时")
    brk(6, "labor_cost", "-150.00", "negative cost", "成本为负数")
    brk(8, "ticket_id", str(frame.loc[1, label["ticket_id"]]),
        "duplicate ticket id (same as row 3; the later row is rejected)",
        "工单号重复（与第 3 行相同，后出现的一行被拒）")
    brk(10, "status", "挂起", "unknown status", "未知的工单状态")
    brk(12, "severity", "超级紧急", "unknown severity", "未知的严重程度")
    brk(14, "customer_id", "", "required customer id is empty", "必填的客户编号为空")
    brk(16, "is_complaint", "可能", "not a yes/no value", "不是“是/否”值")
    brk(18, "visits", "两次", "not a whole number", "不是整数")
    brk(20, "resolved_at", resolved_before, "resolved 2 days before the ticket was created",
        "解决时间早于报修时间 2 天")
    # An unknown column in every row: ingestion ignores it and says so.
    frame["内部备注"] = ["" if i % 3 else "已核实" for i in range(len(frame))]
    issues.append(DirtyIssue(file, 1, "内部备注", "", "unknown extra column (ignored and reported, rows kept)",
                             "未知的多余列（忽略并报告，行保留）"))
    return frame, issues


def _dirty_followups(text: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[DirtyIssue]]:
    pos = _spread(len(text), _N_DIRTY_ROWS)
    frame = text.iloc[pos].reset_index(drop=True).copy()
    label = {c.name: c.label for c in FOLLOWUPS.columns}
    issues: list[DirtyIssue] = []

    def brk(i: int, column: str, value: str, en: str, zh: str) -> None:
        header = label[column]
        frame.loc[i, header] = value
        issues.append(DirtyIssue(file, i + 2, header, value, en, zh))

    brk(2, "satisfaction", "0", "satisfaction 0 is outside 1–5", "满意度 0 超出 1–5 范围")
    brk(4, "nps", "11", "NPS 11 is outside 0–10", "推荐意愿 11 超出 0–10 范围")
    brk(6, "contacted_at", "2025年13月5日", "not a date (month 13)", "日期不存在（13 月）")
    brk(8, "followup_id", str(frame.loc[3, label["followup_id"]]),
        "duplicate follow-up id (same as row 5; the later row is rejected)",
        "回访编号重复（与第 5 行相同，后出现的一行被拒）")
    brk(10, "method", "飞鸽传书", "unknown follow-up method", "未知的回访方式")
    brk(12, "reached", "不确定", "not a yes/no value", "不是“是/否”值")
    brk(14, "ticket_id", "", "required ticket id is empty", "必填的工单号为空")
    brk(16, "attitude_score", "6", "attitude score 6 is outside 1–5", "服务态度评分 6 超出 1–5 范围")
    frame["坐席工号"] = [f"A{100 + i % 7}" for i in range(len(frame))]
    issues.append(DirtyIssue(file, 1, "坐席工号", "", "unknown extra column (ignored and reported, rows kept)",
                             "未知的多余列（忽略并报告，行保留）"))
    return frame, issues


def _dirty_feedback(records: list[dict[str, object]], file: str) -> tuple[list[dict[str, object]], list[DirtyIssue]]:
    records = [dict(r) for r in records[:16]]
    issues: list[DirtyIssue] = []

    def brk(i: int, key: str, value: object, en: str, zh: str) -> None:
        if i >= len(records):
            return
        records[i][key] = value
        issues.append(DirtyIssue(file, i + 1, key, json.dumps(value, ensure_ascii=False), en, zh))

    brk(1, "text", "", "empty text", "反馈内容为空")
    brk(3, "text", "   \n ", "text is only whitespace", "反馈内容只有空白")
    brk(5, "source", "广告", "unknown source", "未知的反馈来源")
    brk(7, "rating", 6, "rating 6 is outside 1–5", "评分 6 超出 1–5 范围")
    if len(records) > 9:
        brk(9, "feedback_id", records[0]["feedback_id"],
            "duplicate feedback id (same as line 1; the later line is rejected)",
            "反馈编号重复（与第 1 行相同，后出现的一行被拒）")
    brk(11, "created_at", "昨天下午", "not a date", "不是日期")
    for r in records:
        r["user_level"] = "V3"
    if records:
        issues.append(DirtyIssue(file, 1, "user_level", "", "unknown extra key on every line (ignored and reported)",
                                 "每行都有未知的多余字段（忽略并报告）"))
    return records, issues


def _dirty_readme(issues: Sequence[DirtyIssue]) -> str:
    lines = [
        "# 脏数据样例 / Dirty sample files",
        "",
        "这些文件混合了有效行和故意写错的行，用来检查导入是否逐行报告问题、不静默丢弃有效数据。",
        "未在下表列出的行都是有效行。行号为文件中的行号：CSV 的表头是第 1 行，JSON lines 的第一条记录是第 1 行。",
        "",
        "These files mix valid rows with rows broken on purpose, to check that ingestion reports every problem "
        "by row and keeps every valid row. Rows not listed below are valid. Row numbers are file line numbers: "
        "the CSV header is line 1, the first JSON lines record is line 1.",
        "",
        "- `tickets_dirty.csv`: UTF-8 with BOM / 带 BOM 的 UTF-8",
        "- `followups_dirty.csv`: GB18030",
        "- `feedback_dirty.jsonl`: UTF-8",
        "",
        "| file 文件 | row 行 | column 列 | value 值 | problem | 问题 |",
        "|---|---|---|---|---|---|",
    ]
    for it in issues:
        value = it.value.replace("|", "\\|").replace("\n", "\\n") or "—"
        lines.append(f"| {it.file.split('/')[-1]} | {it.row} | {it.column} | `{value}` | {it.problem_en} | "
                     f"{it.problem_zh} |")
    return "\n".join(lines) + "\n"


def _manifest(data: DemoData, paths: dict[str, Path], out_dir: Path, issues: Sequence[DirtyIssue]) -> str:
    e = data.emerging
    manifest = {
        "generator": "feedback_nlp.demo",
        "seed": data.seed,
        "end": data.end.isoformat(),
        "counts": {"tickets": len(data.tickets), "feedback": len(data.feedback), "followups": len(data.followups),
                   "orders": len(data.orders), "labels": len(data.labels)},
        "emerging_issue": {"product_line": e.product_line, "product_model": e.product_model,
                           "fault_type": e.fault_type, "fault_type_zh": FAULT_NAMES_ZH[e.fault_type],
                           "start": e.start.isoformat(), "factor": e.factor},
        "files": {name: p.relative_to(out_dir).as_posix() for name, p in sorted(paths.items())},
        "encodings": {FILE_NAMES[k]: v for k, v in ENCODINGS.items()},
        "dirty_issues": [{"file": it.file, "row": it.row, "column": it.column, "problem": it.problem_en}
                         for it in issues],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
