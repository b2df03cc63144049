"""Backlog (未结工单数) and its overdue share at the end of the window or of each period.

The store holds each ticket's current status and its timestamps, not a status
history, so "open at time T" is reconstructed: created before T, not cancelled, and
either still open/in_progress or resolved/closed at or after T (done time =
``resolved_at``, else ``closed_at``). One range join of tickets against the period
ends answers every period at once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from feedback_nlp.kpis.context import TICKETS, Context, num
from feedback_nlp.kpis.periods import add_periods, period_starts
from feedback_nlp.kpis.results import KpiResult

IDS: tuple[str, ...] = ("backlog", "backlog_overdue_rate")

DONE_AT = ("CASE WHEN t.status IN ('resolved', 'closed') "
           "THEN coalesce(t.resolved_at, t.closed_at, '-infinity'::TIMESTAMPTZ) "
           "ELSE 'infinity'::TIMESTAMPTZ END")


def as_of(ctx: Context) -> datetime | None:
    """T: the end of the window, or just after the latest created_at for an open end (None: no tickets)."""
    _, hi = ctx.query.bounds(ctx.timezone)
    if hi is not None:
        return hi
    last = ctx.reader.last_ticket_at()
    if last is None:
        return None
    return last.astimezone(ZoneInfo(ctx.timezone)) + timedelta(microseconds=1)


def _ends(ctx: Context, until: datetime) -> list[tuple[date | None, datetime]] | None:
    """(period label, moment the backlog is taken) for each period, or one (None, T); None: no tickets."""
    period = ctx.query.period
    if period is None:
        return [(None, until)]
    tz = ZoneInfo(ctx.timezone)
    first = ctx.query.start
    if first is None:
        first_at = ctx.reader.first_ticket_at()
        if first_at is None:
            return None
        first = first_at.astimezone(tz).date()
    last = (until - timedelta(microseconds=1)).astimezone(tz).date()
    out: list[tuple[date | None, datetime]] = []
    for start in period_starts(first, last, period):
        end = datetime.combine(add_periods(start, period), time(), tz)
        out.append((start, min(end, until)))
    return out


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    until = as_of(ctx)
    if until is None:
        return ctx.null(ids, "no tickets in the store")
    ctx.window["backlog_at"] = until.isoformat()
    hours = ctx.targets.get("resolution_time")
    ends = _ends(ctx, until)
    if ends is None:
        return ctx.null(ids, "no tickets in the store")
    if not ends:  # periods from a start after the newest ticket: none
        return ctx.null(ids, "the window starts after the newest ticket")
    values_sql = ", ".join("(?::DATE, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)" for _ in ends)
    params: list[Any] = []
    for label, end in ends:
        params += [label, end, end - timedelta(hours=hours) if hours is not None else None]
    cond, where_params = ctx.where(TICKETS, time=False)
    sql = f"""
        SELECT {ctx.group_sql(TICKETS)} AS g, e.p AS p, count(*) AS n_open,
               count(*) FILTER (WHERE t.created_at < e.overdue_before) AS n_overdue
        FROM tickets t JOIN (VALUES {values_sql}) e(p, t_end, overdue_before)
          ON t.created_at < e.t_end AND ({DONE_AT}) >= e.t_end
        WHERE {cond} AND t.status <> 'cancelled'
        GROUP BY ALL
    """
    frame = ctx.fetch(sql, params + where_params)
    found = {key: row for key, row in ctx.keys(frame)}
    keys = list(found)
    if ctx.query.group_by is None:
        # Every period has a backlog, possibly 0: report those without open tickets too.
        keys = [(None, label) for label, _ in ends]
    if not keys:  # grouped, and nothing open anywhere
        keys = [(None, None)]
    out: list[KpiResult] = []
    moments = {label: end for label, end in ends}
    for key in keys:
        row = found.get(key, {})
        n_open = num(row, "n_open")
        at = {"at": moments.get(key[1], until).isoformat()}
        for kpi_id in ids:
            if kpi_id == "backlog":
                out.append(ctx.result(kpi_id, n_open, sample_size=int(n_open), key=key, details=at))
            elif hours is None:
                out.append(ctx.result(kpi_id, None, key=key, reason="no resolution_time target is set"))
            else:
                out.append(ctx.ratio(kpi_id, num(row, "n_overdue"), n_open, key=key,
                                     empty="no open tickets at the end of the window",
                                     details={**at, "overdue_after_hours": hours}))
    return out
