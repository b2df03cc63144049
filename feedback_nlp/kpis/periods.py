"""Calendar periods in Python, matching ``date_trunc`` in SQL (weeks start on Monday)."""

from __future__ import annotations

from datetime import date, timedelta

from feedback_nlp.query import PERIODS, QueryError


def period_start(day: date, period: str) -> date:
    """The first day of the ``period`` containing ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise QueryError(f"period {period!r}: expected one of {', '.join(PERIODS)}")


def add_periods(start: date, period: str, n: int = 1) -> date:
    """``start`` (a period start) moved by ``n`` periods (negative: back)."""
    if period == "day":
        return start + timedelta(days=n)
    if period == "week":
        return start + timedelta(weeks=n)
    months = n * (3 if period == "quarter" else 1) if period in ("month", "quarter") else None
    if months is None:
        raise QueryError(f"period {period!r}: expected one of {', '.join(PERIODS)}")
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by calendar months, clamped to the month's last day (29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def period_starts(first: date, last: date, period: str) -> list[date]:
    """Starts of every ``period`` overlapping ``[first, last]`` (both dates inclusive)."""
    out: list[date] = []
    cur = period_start(first, period)
    while cur <= last:
        out.append(cur)
        cur = add_periods(cur, period)
    return out
