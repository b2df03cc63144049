"""What every KPI family shares: the read session, the query rendered for each table, results.

A :class:`Scope` says how one table (with its joins) answers the query's dimensions
and window. A KPI whose scope cannot answer a filter or grouping (``source`` for
tickets, ``region`` for orders…) is null with a reason naming it — never computed
on a silently wider selection.

All aggregation runs in DuckDB: each family issues one ``SELECT … GROUP BY g, p``
(``g`` the grouping dimension, ``p`` the period start) and turns the few rows it
gets back into results. This module builds that SQL; the store runs it, through the
computation's :class:`~feedback_nlp.store.StoreReader` (:attr:`Context.reader`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from feedback_nlp.kpis.catalogue import CATALOGUE
from feedback_nlp.kpis.results import MISSING_GROUP, KpiResult
from feedback_nlp.query import Query, local_date_sql
from feedback_nlp.query import fixed_offset_us as fixed_offset_us  # re-exported
from feedback_nlp.store import StoreReader
from feedback_nlp.taxonomy import Taxonomy

_TICKET_DIMS = {d: f"t.{d}" for d in ("product_line", "product_model", "channel", "region", "team", "engineer_id")}


@dataclass(frozen=True)
class Scope:
    """One table as the KPIs see it: FROM clause, time column and dimension columns.

    ``lazy_joins`` maps a join clause to the dimensions that need it; the join is
    added only when the query filters or groups on one of them.
    """

    name: str
    from_sql: str
    time_column: str
    dims: Mapping[str, str]
    lazy_joins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


TICKETS = Scope("tickets", "tickets t", "t.created_at", _TICKET_DIMS)
# region/team/engineer_id of a text come from its linked ticket (an unlinked text then drops out).
FEEDBACK = Scope(
    "feedback", "feedback f", "f.created_at",
    {"product_line": "f.product_line", "product_model": "f.product_model", "channel": "f.channel",
     "source": "f.source", "region": "ft.region", "team": "ft.team", "engineer_id": "ft.engineer_id"},
    {"LEFT JOIN tickets ft ON ft.ticket_id = f.ticket_id": ("region", "team", "engineer_id")},
)
# A follow-up is a text source of its own ('followup'); everything else comes from its ticket.
FOLLOWUPS = Scope("followups", "followups u JOIN tickets t ON t.ticket_id = u.ticket_id", "t.created_at",
                  {**_TICKET_DIMS, "source": "'followup'"})
ORDERS = Scope("orders", "orders o", "o.purchased_at",
               {"product_line": "o.product_line", "product_model": "o.product_model"})

FAULT_TABLE = "_kpi_fault_tickets"
#: Days after a resolution in which a new ticket of the same customer and fault is a repeat problem.
REPEAT_WINDOW_DAYS = 30


def sql_literal(text: str) -> str:
    """A SQL string literal (for taxonomy labels and time zones, never for user filter values)."""
    return "'" + str(text).replace("'", "''") + "'"


@dataclass
class Context:
    """One computation: a read session of its own (one cursor), the query, targets and the chosen model."""

    reader: StoreReader
    query: Query
    timezone: str
    targets: dict[str, float | None]
    model: str | None
    taxonomy: Taxonomy
    window: dict[str, Any] = field(default_factory=dict)
    _fault_ready: bool = False

    # -- the query in SQL -------------------------------------------------------------
    def unsupported_reason(self, scope: Scope, what: str | None = None) -> str | None:
        """Why ``scope`` cannot answer the query's filters/grouping, or None."""
        missing = self.query.unsupported(scope.dims)
        if not missing:
            return None
        dim = missing[0]
        role = "filter" if dim in self.query.filters else "group_by"
        applies = ", ".join(scope.dims)
        return f"{role} {dim!r} does not apply to {what or scope.name} (dimensions there: {applies})"

    def from_clause(self, scope: Scope) -> str:
        used = set(self.query.filters) | ({self.query.group_by} if self.query.group_by else set())
        joins = [j for j, dims in scope.lazy_joins.items() if used & set(dims)]
        return " ".join([scope.from_sql, *joins])

    def where(self, scope: Scope, *, time: bool = True) -> tuple[str, list[Any]]:
        return self.query.where_sql(scope.time_column if time else None, scope.dims, self.timezone)

    def group_sql(self, scope: Scope) -> str:
        return scope.dims[self.query.group_by] if self.query.group_by else "NULL"

    def period_sql(self, time_column: str) -> str:
        """Local start date of the query's period (``Query.period_sql``: integer arithmetic for fixed-offset zones)."""
        if self.query.period is None:
            return "NULL::DATE"
        return Query.period_sql(self.query.period, time_column, self.timezone)

    def local_date(self, column: str) -> str:
        """SQL for the local calendar date of a TIMESTAMPTZ column."""
        return local_date_sql(column, self.timezone)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The frame of ``sql`` run on this computation's session."""
        return self.reader.frame(sql, params)

    def select_sql(self, scope: Scope, aggregates: str, *, where: str = "TRUE", extra_from: str = "",
                   extra_group: Sequence[str] = (), time: bool = True) -> tuple[str, list[Any]]:
        """``SELECT g, p[, extra], aggregates FROM scope WHERE query AND where GROUP BY ALL`` and its parameters."""
        cond, params = self.where(scope, time=time)
        extra = "".join(f", {e}" for e in extra_group)
        sql = (f"SELECT {self.group_sql(scope)} AS g, {self.period_sql(scope.time_column)} AS p{extra}, "
               f"{aggregates} FROM {self.from_clause(scope)} {extra_from} WHERE {cond} AND ({where}) GROUP BY ALL")
        return sql, params

    def select(self, scope: Scope, aggregates: str, **kwargs: Any) -> pd.DataFrame:
        """The frame of :meth:`select_sql`."""
        return self.fetch(*self.select_sql(scope, aggregates, **kwargs))

    # -- the effective fault of a ticket ----------------------------------------------
    def fault_tickets(self) -> str:
        """The temporary table of tickets with their effective fault code, built once per :class:`Context`.

        A ticket's effective fault is the agent-coded ``fault_type`` (a taxonomy
        ``name_zh`` is mapped to its code), else the predicted primary fault of the
        ticket's linked feedback under the chosen model: the earliest prediction that is
        not the none code, else the none code (texts created at the same moment: the
        lowest feedback_id, so the result is deterministic).

        The table (alias it ``t``) holds the non-cancelled tickets of the query's time
        window, plus those a repeat of a window ticket can be (created from the earliest
        to 30 days after the latest resolution of a selected ticket), with columns
        ``ticket_id, customer_id, serial_no, created_at, status, purchase_date,
        is_complaint``, the dimensions the query filters or groups on, ``done_at`` (the
        resolution time of a resolved/closed ticket, else NULL), ``sel`` (the ticket is
        in the query's window and filters) and ``fault``.
        """
        if not self._fault_ready:
            self._build_fault_tickets()
        return FAULT_TABLE

    @property
    def none_code(self) -> str:
        return self.taxonomy.fault_types.none_code or "none"

    def _agent_code_sql(self, raw: str) -> str:
        names = self.taxonomy.fault_types.names_zh
        coded = f"nullif(trim({raw}), '')"
        whens = " ".join(f"WHEN {sql_literal(zh)} THEN {sql_literal(code)}" for code, zh in names.items()
                         if zh and zh != code)
        return f"CASE {coded} {whens} ELSE {coded} END" if whens else coded

    def _build_fault_tickets(self) -> None:
        done_at = "CASE WHEN t.status IN ('resolved', 'closed') THEN coalesce(t.resolved_at, t.closed_at) END"
        cond, params = self.where(TICKETS)
        # Later tickets a repeat_problem_rate base ticket can be repeated by.
        row = self.reader.row(f"SELECT min({done_at}), max({done_at}) FROM tickets t "
                              f"WHERE {cond} AND t.status <> 'cancelled'", params)
        time_cond, time_params = self.query.replace(filters={}).where_sql("t.created_at", {}, self.timezone)
        if row is not None and row[0] is not None:
            time_cond, time_params = self._span(time_cond, time_params, row[0],
                                                row[1] + timedelta(days=REPEAT_WINDOW_DAYS + 1))
        used = set(self.query.filters) | ({self.query.group_by} if self.query.group_by else set())
        dims = "".join(f", {TICKETS.dims[d]}" for d in _TICKET_DIMS if d in used)
        base = f"""
            SELECT t.ticket_id, t.customer_id, t.serial_no, t.created_at, t.status, t.purchase_date, t.is_complaint,
                   t.fault_type{dims}, {done_at} AS done_at, ({cond}) AS sel
            FROM tickets t WHERE t.status <> 'cancelled' AND {time_cond}
        """
        # The name -> code mapping runs on the distinct fault_type values only.
        codes = (f"SELECT raw, {self._agent_code_sql('raw')} AS code "
                 f"FROM (SELECT DISTINCT fault_type AS raw FROM tickets WHERE fault_type IS NOT NULL)")
        all_params: list[Any] = [*params, *time_params]
        if self.model is None:
            predicted, pf_join = "NULL::VARCHAR", ""
        else:
            name, _, version = self.model.partition("@")
            none = sql_literal(self.none_code)
            # Predictions are read only for the tickets without an agent-coded fault.
            predicted = "pf.fault"
            pf_join = f"""
                LEFT JOIN (
                  SELECT f.ticket_id,
                         arg_min(p.primary_fault, (p.primary_fault = {none}, f.created_at, f.feedback_id)) AS fault
                  FROM feedback f JOIN predictions p ON p.feedback_id = f.feedback_id
                  WHERE p.model_name = ? AND p.model_version = ? AND f.ticket_id IN (
                    SELECT b.ticket_id FROM base b LEFT JOIN codes c ON c.raw = b.fault_type WHERE c.code IS NULL)
                  GROUP BY f.ticket_id) pf ON pf.ticket_id = b.ticket_id
            """
            all_params += [name, version]
        self.reader.create_temp_table(
            FAULT_TABLE,
            f"""
            WITH base AS MATERIALIZED ({base}), codes AS ({codes})
            SELECT b.* EXCLUDE (fault_type), coalesce(c.code, {predicted}) AS fault
            FROM base b LEFT JOIN codes c ON c.raw = b.fault_type {pf_join}
            """,
            all_params,
        )
        self._fault_ready = True

    def _span(self, window_cond: str, window_params: list[Any], after: datetime, until: datetime
              ) -> tuple[str, list[Any]]:
        """``created_at`` in the window ``[lo, hi)`` or in ``(after, until]``, as SQL and parameters.

        When ``after`` lies inside the window (the usual case: resolutions follow their
        ticket's creation) the union is one range, which the scan can prune row groups
        on; otherwise the two ranges are OR-ed.
        """
        lo, hi = self.query.bounds(self.timezone)
        if (lo is None or after >= lo) and (hi is None or after < hi):
            parts, params = [], []
            if lo is not None:
                parts.append("t.created_at >= ?")
                params.append(lo)
            if hi is not None:
                parts.append("t.created_at <= ?" if until >= hi else "t.created_at < ?")
                params.append(until if until >= hi else hi)
            return (" AND ".join(parts) or "TRUE"), params
        return f"(({window_cond}) OR (t.created_at > ? AND t.created_at <= ?))", [*window_params, after, until]

    def close(self) -> None:
        if self._fault_ready:
            self.reader.drop_temp_table(FAULT_TABLE)
        self.reader.close()

    # -- results ----------------------------------------------------------------------
    def keys(self, frame: pd.DataFrame) -> Iterator[tuple[tuple[str | None, date | None], dict[str, Any]]]:
        """((group label, period date), row) per row of a ``select`` frame."""
        for row in frame.to_dict("records"):
            yield (self.group_label(row.get("g")), to_date(row.get("p"))), row

    def group_label(self, value: Any) -> str | None:
        if self.query.group_by is None:
            return None
        return MISSING_GROUP if is_missing(value) else str(value)

    def result(self, kpi_id: str, value: float | None, *, numerator: float | None = None,
               denominator: float | None = None, sample_size: int | None = None, reason: str | None = None,
               key: tuple[str | None, date | None] = (None, None), details: dict[str, Any] | None = None
               ) -> KpiResult:
        """A result with the target and ``met`` filled in; a missing value needs a reason."""
        d = CATALOGUE[kpi_id]
        value = _float_or_none(value)
        if value is None and reason is None:
            raise AssertionError(f"{kpi_id}: null value without a reason")
        target = self.targets.get(kpi_id)
        met: bool | None = None
        if value is not None and target is not None and d.direction != "none":
            met = value >= target if d.direction == "higher" else value <= target
        return KpiResult(id=kpi_id, name_zh=d.name_zh, unit=d.unit, value=value,
                         numerator=_float_or_none(numerator), denominator=_float_or_none(denominator),
                         sample_size=_int_or_none(sample_size),
                         target=target, met=met, reason=None if value is not None else reason,
                         group=key[0], period=key[1], details=details or {})

    def ratio(self, kpi_id: str, numerator: float, denominator: float, *, empty: str,
              key: tuple[str | None, date | None] = (None, None), details: dict[str, Any] | None = None,
              scale: float = 1.0) -> KpiResult:
        """numerator ÷ denominator (× scale), or null with ``empty`` as the reason when the denominator is 0."""
        numerator = 0 if is_missing(numerator) else numerator
        denominator = 0 if is_missing(denominator) else denominator
        value = numerator / denominator * scale if denominator else None
        return self.result(kpi_id, value, numerator=numerator, denominator=denominator,
                           sample_size=int(denominator), reason=empty, key=key, details=details)

    def null(self, kpi_ids: Sequence[str], reason: str) -> list[KpiResult]:
        return [self.result(i, None, reason=reason) for i in kpi_ids]


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:  # pragma: no cover - exotic scalars
        return False


def _float_or_none(value: Any) -> float | None:
    """``value`` as a float, None when missing (NULL, NA, NaN). ``Any``: frames give numpy and pandas scalars."""
    return None if is_missing(value) else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def to_date(value: Any) -> date | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if isinstance(value, date):
        return value
    day: date = pd.Timestamp(value).date()
    return day


def num(row: Mapping[str, Any], key: str) -> float:
    """A numeric aggregate of a row, 0 when NULL (counts of nothing, sums of nothing)."""
    value: Any = row.get(key)
    return 0.0 if is_missing(value) else float(value)


def shares(counts: Mapping[str, float], total: float) -> dict[str, dict[str, Any]]:
    """{label: {count, share}} ordered by count descending (callers add fields, e.g. ``name_zh``)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {k: {"count": int(v), "share": (v / total if total else None)} for k, v in ranked}
