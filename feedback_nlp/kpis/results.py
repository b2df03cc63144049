"""Typed KPI results: one :class:`KpiResult` per KPI × group × period, gathered in a :class:`KpiReport`."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from feedback_nlp.query import Query

MISSING_GROUP = "(missing)"
"""The group label of rows whose grouping dimension is empty."""


def plain(value: Any) -> Any:
    """``value`` as a JSON-ready Python value: numpy scalars unwrapped, NaN → None, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class KpiResult:
    """One KPI value for one group and period.

    ``value`` is None exactly when the KPI cannot be computed from the data (then
    ``reason`` says why). ``numerator``/``denominator`` are the counts or sums a rate
    or mean came from; ``sample_size`` is how many rows the value rests on. ``met`` is
    None when there is no target, no value, or the KPI has no better direction.
    """

    id: str
    name_zh: str
    unit: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sample_size: int | None = None
    target: float | None = None
    met: bool | None = None
    reason: str | None = None
    group: str | None = None
    period: date | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (numpy values unwrapped, NaN → null, period as ISO date)."""
        return {
            "id": self.id, "name_zh": self.name_zh, "unit": self.unit, "value": plain(self.value),
            "numerator": plain(self.numerator), "denominator": plain(self.denominator),
            "sample_size": plain(self.sample_size), "target": plain(self.target), "met": self.met,
            "reason": self.reason, "group": self.group, "period": plain(self.period),
            "details": plain(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KpiResult:
        """The inverse of :meth:`to_dict` (a result read back from the API's JSON)."""
        values: dict[str, Any] = {name: data.get(name) for name in cls.__dataclass_fields__}
        values["details"] = data.get("details") or {}
        period = data.get("period")
        values["period"] = date.fromisoformat(period) if isinstance(period, str) else period
        return cls(**values)


@dataclass
class KpiReport:
    """The results of one :func:`~feedback_nlp.kpis.compute_kpis` call and what they were computed for.

    ``model`` is the ``name@version`` whose predictions the text KPIs read (None when
    nothing was classified or no text KPI was asked for); ``window`` records the
    resolved window ends (e.g. the as-of time of an open-ended backlog).
    """

    query: Query
    results: list[KpiResult]
    model: str | None = None
    timezone: str = "Asia/Shanghai"
    window: dict[str, Any] = field(default_factory=dict)

    def to_records(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.results]

    def to_frame(self) -> pd.DataFrame:
        """One row per result; ``details`` as a JSON string so the frame is flat (CSV-ready)."""
        columns = ["id", "name_zh", "group", "period", "value", "unit", "numerator", "denominator",
                   "sample_size", "target", "met", "reason", "details"]
        records = self.to_records()
        for rec in records:
            rec["details"] = json.dumps(rec["details"], ensure_ascii=False) if rec["details"] else None
        return pd.DataFrame.from_records(records, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query.to_dict(), "model": self.model, "timezone": self.timezone,
                "window": plain(self.window), "results": self.to_records()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KpiReport:
        """The inverse of :meth:`to_dict` (``feedback-nlp kpis --server`` reads the API's answer)."""
        q = data.get("query") or {}
        query = Query(start=q.get("from"), end=q.get("to"),  # Query parses the ISO dates
                      filters={k: tuple(v) for k, v in (q.get("filters") or {}).items()},
                      group_by=q.get("group_by"), period=q.get("period"))
        return cls(query=query, results=[KpiResult.from_dict(r) for r in data.get("results", [])],
                   model=data.get("model"), timezone=data.get("timezone") or "Asia/Shanghai",
                   window=data.get("window") or {})

    def get(self, kpi_id: str, *, group: str | None = None, period: date | None = None) -> KpiResult:
        """The result of ``kpi_id`` for ``group`` and ``period``; KeyError when absent."""
        for r in self.results:
            if r.id == kpi_id and r.group == group and r.period == period:
                return r
        raise KeyError(f"no result for {kpi_id!r} group={group!r} period={period!r}")

    def by_id(self, kpi_id: str) -> list[KpiResult]:
        return [r for r in self.results if r.id == kpi_id]
