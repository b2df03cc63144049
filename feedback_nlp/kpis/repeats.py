"""KPIs about a problem coming back: repeat problems, repeat repairs (返修), repeat complaints.

Each needs tickets outside the selection (the later ticket after a resolution, the
earlier ticket of a unit), so these are joins or window functions over the whole
tickets table whose *base* rows are then restricted to the query.
"""

from __future__ import annotations

from datetime import timedelta

from feedback_nlp.kpis.context import REPEAT_WINDOW_DAYS, TICKETS, Context, num, sql_literal
from feedback_nlp.kpis.results import KpiResult

IDS: tuple[str, ...] = ("repeat_problem_rate", "repeat_repair_rate", "repeat_complaint_rate")

REPEAT_PROBLEM_DAYS = REPEAT_WINDOW_DAYS
REPEAT_REPAIR_DAYS = 90


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    out: list[KpiResult] = []
    for kpi_id in ids:
        out += {"repeat_problem_rate": _repeat_problem, "repeat_repair_rate": _repeat_repair,
                "repeat_complaint_rate": _repeat_complaint}[kpi_id](ctx)
    return out


def _repeat_problem(ctx: Context) -> list[KpiResult]:
    none = sql_literal(ctx.none_code)
    params: list[object] = []
    # The fault tickets table holds each ticket's fault once, and every later ticket a
    # selected one can be repeated by; the self-join then stays inside one customer and fault.
    sql = f"""
        WITH b AS (
          SELECT t.ticket_id, t.customer_id, t.serial_no, t.fault, t.done_at,
                 {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p
          FROM {ctx.fault_tickets()} t WHERE t.sel AND t.status IN ('resolved', 'closed')),
        hits AS (
          SELECT DISTINCT b.ticket_id
          FROM b JOIN {ctx.fault_tickets()} l
            ON l.customer_id = b.customer_id AND l.fault = b.fault AND l.ticket_id <> b.ticket_id
           AND l.created_at > b.done_at AND l.created_at <= b.done_at + INTERVAL {REPEAT_PROBLEM_DAYS} DAY
           AND (b.serial_no IS NULL OR l.serial_no IS NULL OR l.serial_no = b.serial_no)
          WHERE b.fault <> {none} AND b.done_at IS NOT NULL AND l.fault <> {none})
        SELECT b.g, b.p, count(*) AS n_resolved,
               count(*) FILTER (WHERE b.fault IS NOT NULL AND b.fault <> {none} AND b.done_at IS NOT NULL) AS n_base,
               count(h.ticket_id) AS n_repeat
        FROM b LEFT JOIN hits h ON h.ticket_id = b.ticket_id
        GROUP BY ALL
    """
    frame = ctx.fetch(sql, params)
    if frame.empty:
        return ctx.null(["repeat_problem_rate"], "no resolved tickets in the selection")
    return [ctx.ratio("repeat_problem_rate", num(row, "n_repeat"), num(row, "n_base"), key=key,
                      empty="no resolved ticket with a known product fault and resolution time",
                      details={"n_resolved": int(num(row, "n_resolved")),
                               "n_excluded": int(num(row, "n_resolved") - num(row, "n_base")),
                               "window_days": REPEAT_PROBLEM_DAYS})
            for key, row in ctx.keys(frame)]


def _repeat_repair(ctx: Context) -> list[KpiResult]:
    cond, params = ctx.where(TICKETS)
    # A selected ticket's previous ticket of the unit counts only when it is at most
    # REPEAT_REPAIR_DAYS older, so the window function needs no ticket older than that
    # before the window start, nor any ticket after the window end. Units are counted as
    # (group, period, serial_no) groups: one aggregation instead of two DISTINCT counts.
    lo, hi = ctx.query.bounds(ctx.timezone)
    span, span_params = [], []
    if lo is not None:
        span.append("t.created_at >= ?")
        span_params.append(lo - timedelta(days=REPEAT_REPAIR_DAYS + 1))
    if hi is not None:
        span.append("t.created_at < ?")
        span_params.append(hi)
    sql = f"""
        SELECT g, p, count(*) AS n_units, count(*) FILTER (WHERE repeat) AS n_repeat
        FROM (
         SELECT g, p, serial_no, bool_or(prev_at >= created_at - INTERVAL {REPEAT_REPAIR_DAYS} DAY) AS repeat
         FROM (
          SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p, t.serial_no, t.created_at,
                 ({cond}) AS selected,
                 lag(t.created_at) OVER (PARTITION BY t.serial_no ORDER BY t.created_at, t.ticket_id) AS prev_at
          FROM tickets t
          WHERE t.status <> 'cancelled' AND t.serial_no IS NOT NULL{"".join(f" AND {c}" for c in span)})
         WHERE selected
         GROUP BY ALL)
        GROUP BY ALL
    """
    params = [*params, *span_params]
    frame = ctx.fetch(sql, params)
    if frame.empty:
        return ctx.null(["repeat_repair_rate"], "no non-cancelled ticket with a serial_no in the selection")
    return [ctx.ratio("repeat_repair_rate", num(row, "n_repeat"), num(row, "n_units"), key=key,
                      empty="no ticket with a serial_no", details={"window_days": REPEAT_REPAIR_DAYS})
            for key, row in ctx.keys(frame)]


def _repeat_complaint(ctx: Context) -> list[KpiResult]:
    params: list[object] = []
    sql = f"""
        SELECT g, p, count(DISTINCT customer_id) AS n_customers,
               count(DISTINCT customer_id) FILTER (WHERE fault IS NOT NULL AND n_same >= 2) AS n_repeat
        FROM (SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p, t.customer_id, t.fault,
                     count(*) AS n_same
              FROM {ctx.fault_tickets()} t WHERE t.sel AND t.is_complaint GROUP BY ALL)
        GROUP BY ALL
    """
    frame = ctx.fetch(sql, params)
    if frame.empty:
        return ctx.null(["repeat_complaint_rate"], "no complaint tickets in the selection")
    return [ctx.ratio("repeat_complaint_rate", num(row, "n_repeat"), num(row, "n_customers"), key=key,
                      empty="no complaint tickets")
            for key, row in ctx.keys(frame)]
