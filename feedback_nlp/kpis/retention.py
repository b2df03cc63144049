"""Retention: churn (客户流失率) and repurchase (客户续购率) from orders (and tickets as activity)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from feedback_nlp.kpis.context import ORDERS, Context, num
from feedback_nlp.kpis.periods import add_months, add_periods, period_starts
from feedback_nlp.kpis.results import KpiResult

IDS: tuple[str, ...] = ("churn_rate", "repurchase_rate")
BASE_MONTHS = 12
_PRODUCT_DIMS_TICKETS = {"product_line": "t.product_line", "product_model": "t.product_model"}


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(ORDERS, "customer retention KPIs (orders)")
    if reason:
        return ctx.null(ids, reason)
    out: list[KpiResult] = []
    if "churn_rate" in ids:
        out += _churn(ctx)
    if "repurchase_rate" in ids:
        out += _repurchase(ctx)
    return out


def _repurchase(ctx: Context) -> list[KpiResult]:
    inner, params = ctx.select_sql(ORDERS, "count(*) AS n_orders", extra_group=["o.customer_id AS customer_id"])
    frame = ctx.fetch(f"SELECT g, p, count(*) AS n_customers, count(*) FILTER (WHERE n_orders >= 2) AS n_repeat "
                      f"FROM ({inner}) GROUP BY ALL", params)
    if frame.empty:
        return ctx.null(["repurchase_rate"], "no orders in the selection")
    return [ctx.ratio("repurchase_rate", num(row, "n_repeat"), num(row, "n_customers"), key=key,
                      empty="no orders") for key, row in ctx.keys(frame)]


def _windows(ctx: Context) -> list[tuple[date | None, date, date | None]] | str:
    """(label, first day, day after the last or None) of each churn window, or a reason."""
    start, end = ctx.query.start, ctx.query.end
    if start is None:
        return "churn_rate needs a window start (--from): customers are those active in the 12 months before it"
    stop = end + timedelta(days=1) if end else None
    period = ctx.query.period
    if period is None:
        return [(None, start, stop)]
    if period in ("day", "week"):
        return f"churn_rate by {period} is not supported (a 12-month base per {period}); use month or quarter"
    if end is None:
        latest = ctx.reader.last_activity_at()
        if latest is None:
            return "no orders or tickets in the store"
        end = latest.astimezone(ZoneInfo(ctx.timezone)).date()
    out: list[tuple[date | None, date, date | None]] = []
    for first in period_starts(start, end, period):
        nxt = add_periods(first, period)
        out.append((first, max(first, start), min(nxt, stop) if stop else nxt))
    return out


def _churn(ctx: Context) -> list[KpiResult]:
    windows = _windows(ctx)
    if isinstance(windows, str):
        return ctx.null(["churn_rate"], windows)
    tz = ZoneInfo(ctx.timezone)

    def at(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tz)

    values: list[Any] = []
    for label, first, stop in windows:
        values += [label, at(add_months(first, -BASE_MONTHS)), at(first), at(stop)]
    rows_sql = ", ".join("(?::DATE, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)" for _ in windows)
    o_cond, o_params = ctx.query.where_sql(None, ORDERS.dims, ctx.timezone)
    t_cond, t_params = ctx.query.where_sql(None, _PRODUCT_DIMS_TICKETS, ctx.timezone)
    group = ctx.query.group_by
    g_orders = ORDERS.dims[group] if group else "NULL"
    g_tickets = _PRODUCT_DIMS_TICKETS[group] if group else "NULL"
    sql = f"""
        WITH w AS (SELECT p, base_lo, lo, coalesce(hi, 'infinity'::TIMESTAMPTZ) AS hi
                   FROM (VALUES {rows_sql}) v(p, base_lo, lo, hi)),
        -- One pass: each (period, group, customer) with its orders and tickets; a base
        -- customer (an order in the 12 months before) churned when all its rows are base rows.
        -- A missing customer_id is in the base (as before) but never active.
        ev AS (
          SELECT w.p, {g_orders} AS g, o.customer_id, o.purchased_at < w.lo AS is_base
          FROM orders o JOIN w ON o.purchased_at >= w.base_lo AND o.purchased_at < w.hi
          WHERE {o_cond} AND (o.customer_id IS NOT NULL OR o.purchased_at < w.lo)
          UNION ALL
          SELECT w.p, {g_tickets} AS g, t.customer_id, FALSE
          FROM tickets t JOIN w ON t.created_at >= w.lo AND t.created_at < w.hi
          WHERE {t_cond} AND t.customer_id IS NOT NULL),  -- no customer: activity of nobody
        c AS (SELECT p, g, customer_id, bool_and(is_base) AS churned FROM ev GROUP BY ALL HAVING bool_or(is_base))
        SELECT g, p, count(*) AS n_base, count(*) FILTER (WHERE churned) AS n_churned
        FROM c GROUP BY ALL
    """
    frame = ctx.fetch(sql, values + o_params + t_params)
    if frame.empty:
        return ctx.null(["churn_rate"], f"no customer ordered in the {BASE_MONTHS} months before the window")
    return [ctx.ratio("churn_rate", num(row, "n_churned"), num(row, "n_base"), key=key,
                      empty="no customers in the base", details={"base_months": BASE_MONTHS})
            for key, row in ctx.keys(frame)]
