"""KPIs about a problem coming back: repeat problems, repeat repairs (返修), repeat complaints.

Each needs tickets outside the selection (the later ticket after a resolution, the
earlier ticket of a unit), so these are joins or window functions over the whole
tickets table whose *base* rows are then restricted to the query.
"""

from __future__ import annotations

from feedback_nlp.kpis.context import TICKETS, Context, num, sql_literal
from feedback_nlp.kpis.results import KpiResult

IDS: tuple[str, ...] = ("repeat_problem_rate", "repeat_repair_rate", "repeat_complaint_rate")

REPEAT_PROBLEM_DAYS = 30
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
    fault, join = ctx.fault_sql("t")
    none = sql_literal(ctx.none_code)
    cond, params = ctx.where(TICKETS)
    # One pass computes each ticket's fault once; the self-join then stays inside one customer.
    sql = f"""
        WITH a AS (
          SELECT t.ticket_id, t.customer_id, t.serial_no, t.created_at, {fault} AS fault,
                 CASE WHEN t.status IN ('resolved', 'closed') THEN coalesce(t.resolved_at, t.closed_at) END AS done_at,
                 t.status IN ('resolved', 'closed') AND ({cond}) AS selected,
                 {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p
          FROM tickets t {join}
          WHERE t.status <> 'cancelled'),
        b AS (SELECT * FROM a WHERE selected),
        hits AS (
          SELECT DISTINCT b.ticket_id
          FROM b JOIN a l
            ON l.customer_id = b.customer_id AND l.fault = b.fault AND l.ticket_id <> b.ticket_id
           AND l.created_at > b.done_at AND l.created_at <= b.done_at + INTERVAL {REPEAT_PROBLEM_DAYS} DAY
           AND (b.serial_no IS NULL OR l.serial_no IS NULL OR l.serial_no = b.serial_no)
          WHERE b.fault <> {none} AND b.done_at IS NOT NULL)
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
    sql = f"""
        SELECT g, p, count(DISTINCT serial_no) AS n_units,
               count(DISTINCT serial_no) FILTER (
                 WHERE prev_at >= created_at - INTERVAL {REPEAT_REPAIR_DAYS} DAY) AS n_repeat
        FROM (
          SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p, t.serial_no, t.created_at,
                 ({cond}) AS selected,
                 lag(t.created_at) OVER (PARTITION BY t.serial_no ORDER BY t.created_at, t.ticket_id) AS prev_at
          FROM tickets t
          WHERE t.status <> 'cancelled' AND t.serial_no IS NOT NULL)
        WHERE selected
        GROUP BY ALL
    """
    frame = ctx.fetch(sql, params)
    if frame.empty:
        return ctx.null(["repeat_repair_rate"], "no non-cancelled ticket with a serial_no in the selection")
    return [ctx.ratio("repeat_repair_rate", num(row, "n_repeat"), num(row, "n_units"), key=key,
                      empty="no ticket with a serial_no", details={"window_days": REPEAT_REPAIR_DAYS})
            for key, row in ctx.keys(frame)]


def _repeat_complaint(ctx: Context) -> list[KpiResult]:
    fault, join = ctx.fault_sql("t")
    inner, params = ctx.select_sql(TICKETS, "count(*) AS n_same", where="t.status <> 'cancelled' AND t.is_complaint",
                                   extra_from=join,
                                   extra_group=["t.customer_id AS customer_id", f"{fault} AS fault"])
    sql = f"""
        SELECT g, p, count(DISTINCT customer_id) AS n_customers,
               count(DISTINCT customer_id) FILTER (WHERE fault IS NOT NULL AND n_same >= 2) AS n_repeat
        FROM ({inner}) GROUP BY ALL
    """
    frame = ctx.fetch(sql, params)
    if frame.empty:
        return ctx.null(["repeat_complaint_rate"], "no complaint tickets in the selection")
    return [ctx.ratio("repeat_complaint_rate", num(row, "n_repeat"), num(row, "n_customers"), key=key,
                      empty="no complaint tickets")
            for key, row in ctx.keys(frame)]
