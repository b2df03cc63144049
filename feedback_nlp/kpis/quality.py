"""Product quality: fault type ranking, fault rate, failure age (早期故障, 故障发生时间分布)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from feedback_nlp.kpis.context import TICKETS, Context, is_missing, num, shares
from feedback_nlp.kpis.results import KpiResult
from feedback_nlp.kpis.units import units_sold

IDS: tuple[str, ...] = ("fault_type_distribution", "fault_rate", "early_failure_rate", "failure_age_distribution")
EARLY_DAYS = 90
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), ("91-365", 91, 365), ("366-730", 366, 730), (">730", 731, None),
)
NC = "t.status <> 'cancelled'"


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    frame = _counts(ctx)
    out: list[KpiResult] = []
    if "fault_type_distribution" in ids:
        out += _distribution(ctx, frame)
    rest = [i for i in ids if i != "fault_type_distribution"]
    if rest:
        out += _fault_tickets(ctx, rest, frame)
    return out


def _counts(ctx: Context) -> pd.DataFrame:
    """One row per group, period and effective fault (NULL: unknown) of the selected non-cancelled tickets."""
    # The local date and the age are computed once per ticket in the inner query.
    age_sql = f"date_diff('day', t.purchase_date, {ctx.local_date('t.created_at')})"
    buckets = [f"count(*) FILTER (WHERE age >= {lo}" + (f" AND age <= {hi}" if hi is not None else "")
               + f") AS \"age_{name}\"" for name, lo, hi in AGE_BUCKETS]
    aggregates = ",\n".join([
        "count(*) AS n",
        "count(*) FILTER (WHERE age IS NULL) AS n_no_purchase",
        "count(*) FILTER (WHERE age < 0) AS n_invalid",
        "count(*) FILTER (WHERE age >= 0) AS n_aged",
        f"count(*) FILTER (WHERE age >= 0 AND age <= {EARLY_DAYS}) AS n_early",
        *buckets,
    ])
    return ctx.fetch(
        f"""
        SELECT g, p, fault, {aggregates}
        FROM (SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p, t.fault, {age_sql} AS age
              FROM {ctx.fault_tickets()} t WHERE t.sel)
        GROUP BY ALL
        """
    )


def _distribution(ctx: Context, frame: pd.DataFrame) -> list[KpiResult]:
    if frame.empty:
        return ctx.null(["fault_type_distribution"], "no tickets in the selection")
    names = ctx.taxonomy.fault_types.names_zh
    grouped: dict[Any, dict[str, float]] = {}
    unknown: dict[Any, float] = {}
    for key, row in ctx.keys(frame):
        if is_missing(row["fault"]):
            unknown[key] = unknown.get(key, 0.0) + num(row, "n")
        else:
            grouped.setdefault(key, {})[str(row["fault"])] = num(row, "n")
    out = []
    for key in dict.fromkeys([*grouped, *unknown]):
        counts = grouped.get(key, {})
        total = sum(counts.values())
        ranked = shares(counts, total)
        for code, entry in ranked.items():
            entry["name_zh"] = names.get(code, code)
        out.append(ctx.result("fault_type_distribution", total if total else None, sample_size=int(total), key=key,
                              reason="no ticket with an agent-coded or predicted fault",
                              details={"counts": ranked, "n_unknown": int(unknown.get(key, 0.0)),
                                       "predictions": ctx.model}))
    return out


_SUMMED = ("n", "n_no_purchase", "n_invalid", "n_aged", "n_early", *(f"age_{name}" for name, _, _ in AGE_BUCKETS))


def _fault_tickets(ctx: Context, ids: list[str], counts: pd.DataFrame) -> list[KpiResult]:
    # Fault tickets: an unknown fault counts, the none code does not.
    is_fault = [is_missing(f) or f != ctx.none_code for f in counts["fault"]] if not counts.empty else []
    rows = counts[is_fault] if not counts.empty else counts
    if rows.empty:
        return ctx.null(ids, "no fault tickets in the selection")
    frame = rows.groupby(["g", "p"], dropna=False, sort=False)[list(_SUMMED)].sum().reset_index()
    frame = frame.rename(columns={"n": "n_fault"})
    units, units_reason = units_sold(ctx) if "fault_rate" in ids else (None, None)
    out = []
    for key, row in ctx.keys(frame):
        n_fault = num(row, "n_fault")
        for kpi_id in ids:
            if kpi_id == "fault_rate":
                if units is None:
                    out.append(ctx.result(kpi_id, None, key=key, reason=f"units sold unknown: {units_reason}"))
                    continue
                out.append(ctx.ratio(kpi_id, n_fault, units.get(key, 0.0), key=key,
                                     empty="no units sold (orders) in the selection"))
            elif kpi_id == "early_failure_rate":
                out.append(ctx.ratio(kpi_id, num(row, "n_early"), num(row, "n_aged"), key=key,
                                     empty="no fault ticket with a purchase_date on or before created_at",
                                     details={"n_fault_tickets": int(n_fault), "early_days": EARLY_DAYS,
                                              "n_without_purchase_date": int(num(row, "n_no_purchase")),
                                              "n_invalid_age": int(num(row, "n_invalid"))}))
            else:
                aged = num(row, "n_aged")
                counts = {name: num(row, f"age_{name}") for name, _, _ in AGE_BUCKETS}
                details = {"buckets": {k: {"count": int(v), "share": (v / aged if aged else None)}
                                       for k, v in counts.items()},
                           "n_without_purchase_date": int(num(row, "n_no_purchase")),
                           "n_invalid_age": int(num(row, "n_invalid"))}
                out.append(ctx.result(kpi_id, aged if aged else None, sample_size=int(aged), key=key, details=details,
                                      reason="no fault ticket with a purchase_date on or before created_at"))
    return out
