"""工作量增长率: tickets in a window against the window (or calendar period) before it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from feedback_nlp.kpis.context import TICKETS, Context, num
from feedback_nlp.kpis.periods import add_periods, period_start, period_starts
from feedback_nlp.kpis.results import KpiResult

IDS: tuple[str, ...] = ("workload_growth",)
KPI = "workload_growth"


def _last_day(ctx: Context) -> date | None:
    if ctx.query.end is not None:
        return ctx.query.end
    last = ctx.reader.last_ticket_at()
    return None if last is None else last.astimezone(ZoneInfo(ctx.timezone)).date()


def _first_day(ctx: Context) -> date | None:
    if ctx.query.start is not None:
        return ctx.query.start
    first = ctx.reader.first_ticket_at()
    return None if first is None else first.astimezone(ZoneInfo(ctx.timezone)).date()


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    last = _last_day(ctx)
    if last is None:
        return ctx.null(ids, "no tickets in the store")
    if ctx.query.period is None:
        return _windows(ctx, last)
    first = _first_day(ctx)
    if first is None:  # a window end was given, but the store holds no tickets
        return ctx.null(ids, "no tickets in the store")
    return _periods(ctx, first, last, ctx.query.period)


def _count_sql(ctx: Context, lo: datetime, hi: datetime, split: datetime | None) -> tuple[str, list[Any]]:
    cond, params = ctx.query.replace(start=None, end=None).where_sql(None, TICKETS.dims, ctx.timezone)
    if split is None:
        aggs, period = "count(*) AS n", ctx.period_sql("t.created_at")
    else:
        aggs = "count(*) FILTER (WHERE t.created_at >= ?) AS n, count(*) FILTER (WHERE t.created_at < ?) AS n_prev"
        period = "NULL::DATE"
    sql = (f"SELECT {ctx.group_sql(TICKETS)} AS g, {period} AS p, {aggs} FROM tickets t "
           f"WHERE t.created_at >= ? AND t.created_at < ? AND t.status <> 'cancelled' AND {cond} GROUP BY ALL")
    head = [] if split is None else [split, split]
    return sql, [*head, lo, hi, *params]


def _windows(ctx: Context, last: date) -> list[KpiResult]:
    if ctx.query.start is None:
        return ctx.null([KPI], "workload_growth needs a window start (--from) to compare with the window before")
    window = ctx.query.replace(end=last)
    previous = window.previous()
    lo, _ = previous.bounds(ctx.timezone)
    split, hi = window.bounds(ctx.timezone)
    assert lo is not None and hi is not None and split is not None
    frame = ctx.fetch(*_count_sql(ctx, lo, hi, split))
    if frame.empty:
        return ctx.null([KPI], "no tickets in the window or the window before")
    details = {"previous_from": previous.start, "previous_to": previous.end}
    return [_growth(ctx, num(row, "n"), num(row, "n_prev"), key, details) for key, row in ctx.keys(frame)]


def _periods(ctx: Context, first: date, last: date, period: str) -> list[KpiResult]:
    tz = ZoneInfo(ctx.timezone)
    starts = period_starts(first, last, period)
    lo = datetime.combine(add_periods(period_start(first, period), period, -1), time(), tz)
    hi = datetime.combine(last + timedelta(days=1), time(), tz)
    frame = ctx.fetch(*_count_sql(ctx, lo, hi, None))
    counts = {key: num(row, "n") for key, row in ctx.keys(frame)}
    groups = sorted({g for g, _ in counts}, key=lambda g: (g is None, g)) or [None]
    out = []
    for group in groups:
        for start in starts:
            prev = add_periods(start, period, -1)
            n, n_prev = counts.get((group, start), 0.0), counts.get((group, prev), 0.0)
            out.append(_growth(ctx, n, n_prev, (group, start), {"previous_period": prev}))
    return out


def _growth(ctx: Context, n: float, n_prev: float, key: Any, details: dict[str, Any]) -> KpiResult:
    value = n / n_prev - 1 if n_prev else None
    return ctx.result(KPI, value, numerator=n, denominator=n_prev, sample_size=int(n + n_prev), key=key,
                      reason="no tickets in the previous window", details={**details, "n_tickets": int(n)})

