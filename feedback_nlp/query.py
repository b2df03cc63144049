"""The slice of data a KPI or theme question is about: a window, filters, grouping, period.

One object shared by KPIs, themes, the CLI and the API, so "the same filter" means
the same rows everywhere. It renders itself to parameterised SQL for the store
(DuckDB); values never enter SQL text.

Window semantics: ``start`` and ``end`` are *local* calendar dates (the settings'
time zone), both inclusive, so ``--from 2026-10-01 --to 2026-10-31`` is all of
October in Shanghai time. Internally the window is half-open:
``[start 00:00, end + 1 day 00:00)`` in that zone. A query names dates from
:data:`MIN_DATE` to :data:`MAX_DATE` (1970-01-01 to 2100-12-31; others are a
:class:`QueryError`), so no window nor any window derived from it overflows.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from feedback_nlp.errors import QueryError as QueryError  # re-exported

DIMENSIONS: tuple[str, ...] = (
    "product_line", "product_model", "channel", "region", "team", "engineer_id", "source",
)
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter")
#: The dates a query may name (``from``/``to``); windows derived from them (the window
#: before, baselines) may reach earlier, but never near the ends of ``date``.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2100, 12, 31)


def _as_date(value: date | datetime | str | None, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise QueryError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise QueryError(f"{name}: {day.isoformat()} is outside the supported dates {MIN_DATE} to {MAX_DATE}")
    return day


@dataclass(frozen=True)
class Query:
    """Which rows (window + filters) and how to split them (group_by, period).

    ``filters`` maps a dimension of :data:`DIMENSIONS` to the accepted values
    (several values of one dimension are OR-ed, dimensions are AND-ed).
    """

    start: date | None = None
    end: date | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_by: str | None = None
    period: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _as_date(self.start, "from"))
        object.__setattr__(self, "end", _as_date(self.end, "to"))
        if self.start and self.end and self.start > self.end:
            raise QueryError(f"from {self.start} is after to {self.end}")
        clean: dict[str, tuple[str, ...]] = {}
        for key, values in dict(self.filters).items():
            if key not in DIMENSIONS:
                raise QueryError(f"filter {key!r}: unknown dimension; expected one of {', '.join(DIMENSIONS)}")
            vals = (values,) if isinstance(values, str) else tuple(str(v) for v in values)
            if not vals or any(not v.strip() for v in vals):
                raise QueryError(f"filter {key!r}: empty value")
            clean[key] = tuple(dict.fromkeys(v.strip() for v in vals))
        object.__setattr__(self, "filters", clean)
        if self.group_by is not None and self.group_by not in DIMENSIONS:
            raise QueryError(f"group_by {self.group_by!r}: unknown dimension; expected one of {', '.join(DIMENSIONS)}")
        if self.period is not None and self.period not in PERIODS:
            raise QueryError(f"period {self.period!r}: expected one of {', '.join(PERIODS)}")

    # -- construction ------------------------------------------------------------------
    @staticmethod
    def parse_filters(items: Iterable[str]) -> dict[str, list[str]]:
        """``["region=华东", "region=华南", "channel=电话"]`` → ``{"region": [...], "channel": [...]}``.

        A value may also hold several comma-separated values (``region=华东,华南``).
        """
        out: dict[str, list[str]] = {}
        for item in items:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or not key or not value.strip():
                raise QueryError(f"filter {item!r}: expected KEY=VALUE")
            out.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (echoed in CLI/API results)."""
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "group_by": self.group_by,
            "period": self.period,
        }

    def replace(self, **changes: Any) -> Query:
        """A copy with some fields changed (validated again)."""
        fields: dict[str, Any] = {"start": self.start, "end": self.end, "filters": self.filters,
                                  "group_by": self.group_by, "period": self.period}
        fields.update(changes)
        return Query(**fields)

    # -- the window ----------------------------------------------------------------------
    def bounds(self, timezone: str) -> tuple[datetime | None, datetime | None]:
        """The half-open window ``[lo, hi)`` as aware datetimes in ``timezone``."""
        return day_bounds(self.start, self.end, timezone)

    def days(self) -> int | None:
        """Length of the window in days (None when open-ended)."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def previous(self) -> Query:
        """The window of equal length immediately before this one (same filters)."""
        n = self.days()
        if n is None or self.start is None:
            raise QueryError("a previous period needs both from and to")
        # Derived, not asked for: it may start before MIN_DATE (a copy, not validated again).
        before = copy.copy(self)
        object.__setattr__(before, "start", self.start - timedelta(days=n))
        object.__setattr__(before, "end", self.start - timedelta(days=1))
        return before

    # -- SQL -------------------------------------------------------------------------
    def where_sql(self, time_column: str | None, columns: Mapping[str, str], timezone: str,
                  *, skip: Iterable[str] = ()) -> tuple[str, list[Any]]:
        """A ``WHERE`` body (never empty: ``TRUE``) and its parameters.

        ``columns`` maps each dimension to the SQL expression that holds it in the
        caller's FROM clause (e.g. ``{"region": "t.region"}``). A filtered dimension
        missing from ``columns`` raises :class:`QueryError` naming it, unless it is in
        ``skip`` (the caller then reports that the filter does not apply).
        """
        parts: list[str] = []
        params: list[Any] = []
        if time_column is not None:
            parts, params = range_sql(time_column, *self.bounds(timezone))
        skipped = set(skip)
        for key, values in self.filters.items():
            if key not in columns:
                if key in skipped:
                    continue
                raise QueryError(f"filter {key!r} does not apply here")
            parts.append(f"{columns[key]} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        return (" AND ".join(parts) or "TRUE"), params

    def unsupported(self, columns: Mapping[str, str]) -> list[str]:
        """Filtered or grouped dimensions that ``columns`` cannot answer."""
        dims = list(self.filters)
        if self.group_by:
            dims.append(self.group_by)
        return [d for d in dict.fromkeys(dims) if d not in columns]

    @staticmethod
    def period_sql(period: str, time_column: str, timezone: str) -> str:
        """SQL for the local start date of ``period`` containing ``time_column`` (weeks start Monday)."""
        if period not in PERIODS:
            raise QueryError(f"period {period!r}: expected one of {', '.join(PERIODS)}")
        return f"CAST(date_trunc('{period}', {local_timestamp_sql(time_column, timezone)}) AS DATE)"


def day_bounds(start: date | None, end: date | None, timezone: str) -> tuple[datetime | None, datetime | None]:
    """``[start 00:00, end + 1 day 00:00)`` as aware datetimes in ``timezone`` (either may be None).

    For windows derived from a query (baselines before ``from``), which need not lie in
    ``MIN_DATE``–``MAX_DATE``.
    """
    tz = ZoneInfo(timezone)
    lo = datetime.combine(start, time(), tz) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(), tz) if end else None
    return lo, hi


@lru_cache(maxsize=32)
def fixed_offset_us(timezone: str) -> int | None:
    """The zone's UTC offset in microseconds when it has been constant since 1992 (Asia/Shanghai), else None.

    Such zones need no per-row zone lookup: local time = UTC + offset. Checked at every
    half-year from 1992 to 2050, which catches any daylight-saving rule in that span.
    """
    zone = ZoneInfo(timezone)
    offsets = {datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset()
               for year in range(1992, 2051) for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else int(offset.total_seconds()) * 1_000_000


def local_timestamp_sql(time_column: str, timezone: str) -> str:
    """SQL for the local wall-clock time (a plain TIMESTAMP) of a TIMESTAMPTZ column in ``timezone``.

    Fixed-offset zones (Asia/Shanghai) use integer arithmetic on the epoch, about 10x
    faster than DuckDB's per-row ICU conversion and identical in result; other zones
    use ``timezone(zone, column)``.
    """
    if "'" in timezone:
        raise QueryError(f"bad time zone {timezone!r}")
    try:
        offset = fixed_offset_us(timezone)
    except (KeyError, ValueError):  # a zone Python does not know: let DuckDB judge it
        offset = None
    if offset is None:
        return f"timezone('{timezone}', {time_column})"
    return f"make_timestamp(epoch_us({time_column}) + {offset})"


def local_date_sql(time_column: str, timezone: str) -> str:
    """SQL for the local calendar date of a TIMESTAMPTZ column in ``timezone``."""
    return f"CAST({local_timestamp_sql(time_column, timezone)} AS DATE)"


def range_sql(column: str, lo: Any = None, hi: Any = None) -> tuple[list[str], list[Any]]:
    """Conditions ``lo <= column < hi`` (either bound may be None) and their parameters."""
    parts: list[str] = []
    params: list[Any] = []
    if lo is not None:
        parts.append(f"{column} >= ?")
        params.append(lo)
    if hi is not None:
        parts.append(f"{column} < ?")
        params.append(hi)
    return parts, params
