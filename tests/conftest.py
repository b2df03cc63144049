"""Shared fixtures: a fresh store per test and small writers for export files."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from feedback_nlp.store import Store

TICKET_HEADER = ["工单号", "客户编号", "报修时间", "首次响应时间", "解决时间", "工单状态", "产品线", "产品型号",
                 "严重程度", "是否投诉", "人工成本"]


def ticket_row(i: int, **overrides: str) -> list[str]:
    """A valid tickets.csv row (Chinese headers, see TICKET_HEADER)."""
    row = {
        "工单号": f"T{i:06d}", "客户编号": f"C{i % 97:05d}", "报修时间": f"2024-03-{1 + i % 28:02d} 09:{i % 60:02d}",
        "首次响应时间": f"2024-03-{1 + i % 28:02d} 10:{i % 60:02d}", "解决时间": f"2024/3/{1 + i % 28} 18:00:00",
        "工单状态": "已关闭", "产品线": "空调", "产品型号": "KFR-35GW", "严重程度": "一般", "是否投诉": "否",
        "人工成本": "￥1,200.50",
    }
    row.update(overrides)
    return [row[h] for h in TICKET_HEADER]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.duckdb") as s:
        yield s


@pytest.fixture
def tickets_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "tickets.csv", TICKET_HEADER, [ticket_row(i) for i in range(1, 6)])
