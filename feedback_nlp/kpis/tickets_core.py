"""Every KPI that one pass over the window's tickets answers (times, rates, counts, costs).

One ``SELECT … GROUP BY g, p`` computes all of them; cancelled tickets are in the
scan only to be counted (every aggregate filters them out).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from feedback_nlp.kpis.context import TICKETS, Context, is_missing, num, shares
from feedback_nlp.kpis.results import KpiResult
from feedback_nlp.kpis.units import units_sold

IDS: tuple[str, ...] = (
    "first_response_time", "response_sla_rate", "resolution_time", "resolution_sla_rate", "resolution_rate",
    "first_time_fix_rate", "reopen_rate", "visits_per_ticket", "tickets_per_engineer", "complaint_rate",
    "severity_distribution", "return_rate", "total_cost", "cost_breakdown", "cost_per_ticket", "cost_revenue_ratio",
)
SEVERITIES = ("minor", "normal", "major", "critical")
COSTS = ("labor_cost", "material_cost", "logistics_cost", "other_cost")

NC = "t.status <> 'cancelled'"
DONE = "t.status IN ('resolved', 'closed')"
RESP_H = "(epoch_us(t.first_response_at) - epoch_us(t.created_at)) / 3.6e9"
RES_H = "(epoch_us(t.resolved_at) - epoch_us(t.created_at)) / 3.6e9"
ANY_COST = "(" + " OR ".join(f"t.{c} IS NOT NULL" for c in COSTS) + ")"
TOTAL_COST = " + ".join(f"coalesce(t.{c}, 0)" for c in COSTS)


def _hours(value: float | None) -> str:
    return "NULL" if value is None else repr(float(value))


def aggregates(ctx: Context) -> str:
    resp_t, res_t = ctx.targets.get("first_response_time"), ctx.targets.get("resolution_time")
    parts = [
        "count(*) FILTER (WHERE NOT " + NC + ") AS n_cancelled",
        f"count(*) FILTER (WHERE {NC}) AS n",
        f"count(*) FILTER (WHERE {NC} AND {DONE}) AS n_done",
        f"count(t.first_response_at) FILTER (WHERE {NC}) AS n_resp",
        f"avg({RESP_H}) FILTER (WHERE {NC}) AS resp_mean",
        f"quantile_cont({RESP_H}, [0.5, 0.9]) FILTER (WHERE {NC}) AS resp_q",
        f"count(*) FILTER (WHERE {NC} AND {RESP_H} <= {_hours(resp_t)}) AS n_resp_ok",
        f"count(t.resolved_at) FILTER (WHERE {NC}) AS n_res",
        f"avg({RES_H}) FILTER (WHERE {NC}) AS res_mean",
        f"quantile_cont({RES_H}, [0.5, 0.9]) FILTER (WHERE {NC}) AS res_q",
        f"count(*) FILTER (WHERE {NC} AND {RES_H} <= {_hours(res_t)}) AS n_res_ok",
        f"count(t.first_time_fix) FILTER (WHERE {NC} AND {DONE}) AS n_ftf_known",
        f"count(*) FILTER (WHERE {NC} AND {DONE} AND t.first_time_fix) AS n_ftf",
        f"count(t.reopened) FILTER (WHERE {NC} AND ({DONE} OR t.reopened > 0)) AS n_reopen_base",
        f"count(*) FILTER (WHERE {NC} AND t.reopened > 0) AS n_reopened",
        f"count(t.visits) FILTER (WHERE {NC}) AS n_visits",
        f"sum(t.visits) FILTER (WHERE {NC}) AS sum_visits",
        f"count(t.engineer_id) FILTER (WHERE {NC}) AS n_eng_tickets",
        f"count(DISTINCT t.engineer_id) FILTER (WHERE {NC}) AS n_engineers",
        f"count(t.is_complaint) FILTER (WHERE {NC}) AS n_complaint_known",
        f"count(*) FILTER (WHERE {NC} AND t.is_complaint) AS n_complaint",
        f"count(t.returned) FILTER (WHERE {NC}) AS n_returned_known",
        f"count(*) FILTER (WHERE {NC} AND t.returned) AS n_returned",
        f"count(*) FILTER (WHERE {NC} AND t.severity IS NULL) AS n_sev_unknown",
        *(f"count(*) FILTER (WHERE {NC} AND t.severity = '{s}') AS sev_{s}" for s in SEVERITIES),
        f"count(*) FILTER (WHERE {NC} AND {ANY_COST}) AS n_costed",
        *(f"CAST(sum(t.{c}) FILTER (WHERE {NC}) AS DOUBLE) AS {c}" for c in COSTS),
        f"CAST(sum(t.revenue) FILTER (WHERE {NC} AND {ANY_COST}) AS DOUBLE) AS revenue",
        f"count(t.revenue) FILTER (WHERE {NC} AND {ANY_COST}) AS n_revenue",
    ]
    return ",\n".join(parts)


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    frame = ctx.select(TICKETS, aggregates(ctx))
    if frame.empty:
        return ctx.null(ids, "no tickets in the selection")
    per_engineer = _per_engineer(ctx) if "tickets_per_engineer" in ids else {}
    units: dict[Any, float] | None = None
    units_reason: str | None = None
    if "return_rate" in ids or "complaint_rate" in ids:
        units, units_reason = units_sold(ctx)
    return_on_units = units is not None and sum(units.values()) > 0
    out: list[KpiResult] = []
    for key, row in ctx.keys(frame):
        for kpi_id in ids:
            out.append(_one(ctx, kpi_id, key, row, per_engineer.get(key, {}), units, units_reason, return_on_units))
    return out


def _per_engineer(ctx: Context) -> dict[Any, dict[str, int]]:
    frame = ctx.select(TICKETS, "count(*) AS n", where=f"{NC} AND t.engineer_id IS NOT NULL",
                       extra_group=["t.engineer_id AS engineer_id"])
    out: dict[Any, dict[str, int]] = {}
    for key, row in ctx.keys(frame.sort_values(["n", "engineer_id"], ascending=[False, True])):
        out.setdefault(key, {})[str(row["engineer_id"])] = int(row["n"])
    return out


def _quantiles(q: Any) -> tuple[float | None, float | None]:
    if q is None or (not hasattr(q, "__len__") and is_missing(q)) or len(q) < 2:
        return None, None
    return (None if is_missing(q[0]) else float(q[0])), (None if is_missing(q[1]) else float(q[1]))


def _one(ctx: Context, kpi_id: str, key: Any, row: dict[str, Any], engineers: dict[str, int],
         units: dict[Any, float] | None, units_reason: str | None, return_on_units: bool) -> KpiResult:
    n = num(row, "n")
    if kpi_id in ("first_response_time", "resolution_time"):
        pre = "resp" if kpi_id == "first_response_time" else "res"
        median, p90 = _quantiles(row[f"{pre}_q"])
        count = num(row, f"n_{pre}")
        what = "first_response_at" if pre == "resp" else "resolved_at"
        return ctx.result(kpi_id, row[f"{pre}_mean"] if count else None, sample_size=int(count),
                          reason=f"no non-cancelled ticket with {what} in the selection", key=key,
                          details={"mean": row[f"{pre}_mean"] if count else None, "median": median, "p90": p90,
                                   f"n_without_{'response' if pre == 'resp' else 'resolved_at'}": int(n - count)})
    if kpi_id in ("response_sla_rate", "resolution_sla_rate"):
        is_resp = kpi_id == "response_sla_rate"
        pre, target_id = ("resp", "first_response_time") if is_resp else ("res", "resolution_time")
        threshold = ctx.targets.get(target_id)
        if threshold is None:
            return ctx.result(kpi_id, None, reason=f"no {target_id} target is set (the SLA threshold)", key=key)
        details: dict[str, Any] = {"threshold_hours": threshold}
        if pre == "resp":
            details["n_without_response"] = int(n - num(row, "n_resp"))
        what = "first_response_at" if pre == "resp" else "resolved_at"
        return ctx.ratio(kpi_id, num(row, f"n_{pre}_ok"), num(row, f"n_{pre}"), key=key, details=details,
                         empty=f"no non-cancelled ticket with {what} in the selection")
    if kpi_id == "resolution_rate":
        return ctx.ratio(kpi_id, num(row, "n_done"), n, key=key, empty="only cancelled tickets in the selection",
                         details={"n_cancelled": int(num(row, "n_cancelled"))})
    if kpi_id == "first_time_fix_rate":
        known = num(row, "n_ftf_known")
        return ctx.ratio(kpi_id, num(row, "n_ftf"), known, key=key,
                         empty="no resolved ticket with first_time_fix recorded",
                         details={"n_unknown": int(num(row, "n_done") - known)})
    if kpi_id == "reopen_rate":
        return ctx.ratio(kpi_id, num(row, "n_reopened"), num(row, "n_reopen_base"), key=key,
                         empty="no resolved ticket with reopened recorded")
    if kpi_id == "visits_per_ticket":
        count = num(row, "n_visits")
        return ctx.ratio(kpi_id, num(row, "sum_visits"), count, key=key, empty="no ticket with visits recorded")
    if kpi_id == "tickets_per_engineer":
        return ctx.ratio(kpi_id, num(row, "n_eng_tickets"), num(row, "n_engineers"), key=key,
                         empty="no ticket with an engineer_id in the selection",
                         details={"n_unassigned": int(n - num(row, "n_eng_tickets")), "per_engineer": engineers})
    if kpi_id == "complaint_rate":
        complaints = num(row, "n_complaint")
        details = {}
        sold = units.get(key, 0.0) if units is not None else None
        if sold:
            details["per_1000_units"] = complaints / sold * 1000
            details["units_sold"] = sold
        else:
            details["per_1000_units"] = None
            details["per_1000_units_reason"] = units_reason or "no units sold in the selection"
        return ctx.ratio(kpi_id, complaints, num(row, "n_complaint_known"), key=key, details=details,
                         empty="no ticket with is_complaint recorded")
    if kpi_id == "severity_distribution":
        counts = {s: num(row, f"sev_{s}") for s in SEVERITIES}
        total = sum(counts.values())
        return ctx.result(kpi_id, total if total else None, sample_size=int(total), key=key,
                          reason="no ticket with severity recorded",
                          details={"counts": shares(counts, total), "n_unknown": int(num(row, "n_sev_unknown"))})
    if kpi_id == "return_rate":
        returned = num(row, "n_returned")
        if return_on_units:
            sold = units.get(key, 0.0) if units is not None else 0.0
            return ctx.ratio(kpi_id, returned, sold, key=key, empty="no units sold for this group",
                             details={"basis": "units_sold"})
        basis_note = units_reason or "no orders in the selection"
        return ctx.ratio(kpi_id, returned, num(row, "n_returned_known"), key=key,
                         empty="no ticket with returned recorded",
                         details={"basis": "tickets", "why_not_units": basis_note})
    # -- costs
    parts = {c: num(row, c) for c in COSTS}
    total = sum(parts.values())
    costed = num(row, "n_costed")
    no_cost = "no ticket with a cost recorded in the selection"
    if kpi_id == "total_cost":
        return ctx.result(kpi_id, total if costed else None, sample_size=int(costed), key=key, reason=no_cost)
    if kpi_id == "cost_breakdown":
        details = {c: {"amount": v, "share": (v / total if total else None)} for c, v in parts.items()}
        return ctx.result(kpi_id, total if costed else None, sample_size=int(costed), key=key, reason=no_cost,
                          details=details)
    if kpi_id == "cost_per_ticket":
        return ctx.ratio(kpi_id, total, costed, key=key, empty=no_cost)
    if kpi_id == "cost_revenue_ratio":
        if not costed:
            return ctx.result(kpi_id, None, key=key, reason=no_cost)
        revenue = num(row, "revenue")
        result = ctx.ratio(kpi_id, total, revenue, key=key, empty="no revenue recorded on the costed tickets",
                           details={"n_with_revenue": int(num(row, "n_revenue"))})
        return _replace_sample(result, int(costed))
    raise KeyError(kpi_id)  # pragma: no cover - IDS and the branches above agree


def _replace_sample(result: KpiResult, n: int) -> KpiResult:
    return replace(result, sample_size=n)
