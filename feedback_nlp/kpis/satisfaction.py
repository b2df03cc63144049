"""Satisfaction and service quality: CSAT, NPS, service scores, follow-up and feedback coverage."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from feedback_nlp.kpis.context import FEEDBACK, FOLLOWUPS, TICKETS, Context, is_missing, num
from feedback_nlp.kpis.results import MISSING_GROUP, KpiResult
from feedback_nlp.kpis.tickets_core import ANY_COST, TOTAL_COST

CSAT_IDS = ("csat_score", "csat_rate", "satisfaction_distribution")
FOLLOWUP_IDS = ("nps", "recommendation_rate", "service_quality_scores", "followup_reach_rate")
COVERAGE_IDS = ("followup_rate", "feedback_rate")
IDS: tuple[str, ...] = (*CSAT_IDS, *FOLLOWUP_IDS, *COVERAGE_IDS, "cost_satisfaction_correlation")
SCORES = ("attitude_score", "professionalism_score", "effectiveness_score")
NC = "t.status <> 'cancelled'"


def compute(ctx: Context, ids: list[str]) -> list[KpiResult]:
    out: list[KpiResult] = []
    wanted = set(ids)
    csat_ids = [i for i in CSAT_IDS if i in wanted]
    followup_ids = [i for i in FOLLOWUP_IDS if i in wanted]
    ticket_ids = [i for i in (*COVERAGE_IDS, "cost_satisfaction_correlation") if i in wanted]
    by_method = bool(csat_ids or followup_ids)
    ticket_frame = None
    if ticket_ids and ctx.unsupported_reason(TICKETS, "ticket KPIs") is None:
        # The ticket scope answers the query, so the follow-ups by method are the same
        # follow-ups ⋈ window tickets the per-ticket KPIs join: one statement for all.
        ticket_frame = _per_ticket_frame(ctx, ticket_ids, with_methods=by_method, with_csat=bool(csat_ids))
        fu_rows = _rows_by_key(ctx, ticket_frame[ticket_frame["kind"] == "method"]) if by_method else {}
    else:
        # One pass over the follow-ups (grouped by method too) answers the follow-up KPIs
        # and the follow-up half of CSAT.
        fu_rows = _followup_rows(ctx, with_csat=bool(csat_ids)) if by_method else {}
    if csat_ids:
        out += _csat(ctx, csat_ids, fu_rows)
    if followup_ids:
        out += _followups(ctx, followup_ids, fu_rows)
    if ticket_ids:
        out += _per_ticket(ctx, ticket_ids, ticket_frame)
    return out


Key = tuple[str | None, date | None]


def _method_aggregates(with_csat: bool) -> str:
    """Aggregates of follow-ups ``u`` per group, period and method.

    Means are carried as sums and counts so that the per-method rows add up exactly.
    """
    parts = [
        "count(*) AS attempts", "count(*) FILTER (WHERE u.reached) AS reached",
        "count(u.nps) AS n_nps", "count(*) FILTER (WHERE u.nps >= 9) AS promoters",
        "count(*) FILTER (WHERE u.nps <= 6) AS detractors",
        "count(*) FILTER (WHERE " + " OR ".join(f"u.{s} IS NOT NULL" for s in SCORES) + ") AS n_scored",
        *(f"sum(u.{s})::DOUBLE AS sum_{s}, count(u.{s}) AS n_{s}" for s in SCORES),
    ]
    if with_csat:
        parts += ["count(u.satisfaction) AS n_sat", "sum(u.satisfaction)::DOUBLE AS sum_sat",
                  "count(*) FILTER (WHERE u.satisfaction >= 4) AS n_sat_ok",
                  *(f"count(*) FILTER (WHERE u.satisfaction = {k}) AS sat{k}" for k in range(1, 6))]
    return ",\n".join(parts)


def _followup_rows(ctx: Context, *, with_csat: bool) -> dict[Key, list[dict[str, Any]]]:
    """Follow-up aggregates per group, period and method: {key: [row per method]}."""
    frame = ctx.select(FOLLOWUPS, _method_aggregates(with_csat), where=NC, extra_group=["u.method AS method"])
    return _rows_by_key(ctx, frame)


def _rows_by_key(ctx: Context, frame: pd.DataFrame) -> dict[Key, list[dict[str, Any]]]:
    rows: dict[Key, list[dict[str, Any]]] = {}
    for key, row in ctx.keys(frame):
        rows.setdefault(key, []).append(row)
    return rows


def _total(rows: list[dict[str, Any]], column: str) -> float:
    return sum(num(r, column) for r in rows)


def _csat(ctx: Context, ids: list[str], fu_rows: dict[Key, list[dict[str, Any]]]) -> list[KpiResult]:
    """Follow-up satisfaction and feedback ratings, one response each (see the catalogue)."""
    fb_cond, fb_params = ctx.where(FEEDBACK)
    fb = ctx.fetch(
        f"""
        SELECT {ctx.group_sql(FEEDBACK)} AS g, {ctx.period_sql(FEEDBACK.time_column)} AS p,
               count(*) AS n_sat, sum(f.rating)::DOUBLE AS sum_sat, count(*) FILTER (WHERE f.rating >= 4) AS n_sat_ok,
               {", ".join(f"count(*) FILTER (WHERE f.rating = {k}) AS sat{k}" for k in range(1, 6))}
        FROM {ctx.from_clause(FEEDBACK)} WHERE {fb_cond} AND f.rating IS NOT NULL GROUP BY ALL
        """, fb_params)
    columns = ("n_sat", "sum_sat", "n_sat_ok", *(f"sat{k}" for k in range(1, 6)))
    merged: dict[Key, dict[str, float]] = {}
    for key, rows in fu_rows.items():
        if _total(rows, "n_sat"):
            merged[key] = {c: _total(rows, c) for c in columns}
            merged[key]["n_followup"] = merged[key]["n_sat"]
    for key, row in ctx.keys(fb):
        if not num(row, "n_sat"):
            continue
        into = merged.setdefault(key, {c: 0.0 for c in (*columns, "n_followup")})
        for c in columns:
            into[c] += num(row, c)
    if not merged:
        return ctx.null(ids, "no follow-up satisfaction or feedback rating in the selection")
    out = []
    for key, row in merged.items():
        n = row["n_sat"]
        origin = {"n_followup": int(row["n_followup"]), "n_feedback": int(n - row["n_followup"])}
        for kpi_id in ids:
            if kpi_id == "csat_score":
                out.append(ctx.result(kpi_id, row["sum_sat"] / n, sample_size=int(n), key=key, details=origin,
                                      reason="no satisfaction responses"))
            elif kpi_id == "csat_rate":
                out.append(ctx.ratio(kpi_id, row["n_sat_ok"], n, key=key, empty="no satisfaction responses",
                                     details=origin))
            else:
                counts = {str(k): row[f"sat{k}"] for k in range(1, 6)}
                details = {"counts": {k: {"count": int(v), "share": v / n} for k, v in counts.items()}, **origin}
                out.append(ctx.result(kpi_id, n, sample_size=int(n), key=key, details=details,
                                      reason="no satisfaction responses"))
    return out


def _followups(ctx: Context, ids: list[str], fu_rows: dict[Key, list[dict[str, Any]]]) -> list[KpiResult]:
    if not fu_rows:
        return ctx.null(ids, "no follow-up attempts in the selection")
    out = []
    for key, rows in fu_rows.items():
        row = {c: _total(rows, c) for c in ("attempts", "reached", "n_nps", "promoters", "detractors", "n_scored",
                                            *(f"{a}_{s}" for s in SCORES for a in ("sum", "n")))}
        n_nps = row["n_nps"]
        for kpi_id in ids:
            if kpi_id == "nps":
                diff = row["promoters"] - row["detractors"]
                out.append(ctx.ratio(kpi_id, diff, n_nps, key=key, scale=100.0, empty="no NPS answers",
                                     details={"promoters": int(row["promoters"]),
                                              "detractors": int(row["detractors"]),
                                              "passives": int(n_nps - row["promoters"] - row["detractors"])}))
            elif kpi_id == "recommendation_rate":
                out.append(ctx.ratio(kpi_id, row["promoters"], n_nps, key=key, empty="no NPS answers"))
            elif kpi_id == "service_quality_scores":
                means = {s: (row[f"sum_{s}"] / row[f"n_{s}"] if row[f"n_{s}"] else None) for s in SCORES}
                present = [m for m in means.values() if m is not None]
                details = {s: {"mean": means[s], "n": int(row[f"n_{s}"])} for s in SCORES}
                out.append(ctx.result(kpi_id, sum(present) / len(present) if present else None,
                                      sample_size=int(row["n_scored"]), key=key, details=details,
                                      reason="no follow-up with a service score"))
            else:
                per_method: dict[str, dict[str, Any]] = {}
                for r in rows:
                    name = MISSING_GROUP if is_missing(r["method"]) else str(r["method"])
                    attempts, reached = num(r, "attempts"), num(r, "reached")
                    per_method[name] = {"attempts": int(attempts), "reached": int(reached),
                                        "rate": reached / attempts if attempts else None}
                out.append(ctx.ratio(kpi_id, row["reached"], row["attempts"], key=key,
                                     empty="no follow-up attempts", details={"per_method": per_method}))
    return out


def _per_ticket_frame(ctx: Context, ids: list[str], *, with_methods: bool, with_csat: bool) -> pd.DataFrame:
    """Coverage (followup_rate, feedback_rate), the cost–satisfaction correlation and,
    with ``with_methods``, the follow-up aggregates by method, in one statement (rows
    told apart by ``kind``).

    All read the window's non-cancelled tickets with their follow-ups; the follow-ups
    and feedback are joined to those tickets only, so neither table is aggregated over
    its whole history.
    """
    cond, params = ctx.where(TICKETS)
    coverage = [i for i in ids if i in COVERAGE_IDS]
    parts = []
    if with_methods:
        parts.append(f"SELECT 'method' AS kind, g, p, u.method AS method, {_method_aggregates(with_csat)} "
                     "FROM ux u GROUP BY ALL")
    if coverage:
        parts.append("""
          SELECT 'coverage' AS kind, g, p, count(*) AS n, count(fu.ticket_id) AS n_followed,
                 count(*) FILTER (WHERE fb.ticket_id IS NOT NULL OR fu.rated) AS n_feedback
          FROM x LEFT JOIN fu ON fu.ticket_id = x.ticket_id LEFT JOIN fb ON fb.ticket_id = x.ticket_id
          WHERE x.done GROUP BY ALL""")
    if "cost_satisfaction_correlation" in ids:
        # Spearman = Pearson on average ranks (ties share the mean of their ranks).
        parts.append("""
          SELECT 'correlation' AS kind, g, p, count(*) AS n, corr(rc, rs) AS rho, stddev_pop(rc) AS sd_c,
                 stddev_pop(rs) AS sd_s
          FROM (SELECT g, p,
                       rank() OVER (PARTITION BY g, p ORDER BY cost)
                         + (count(*) OVER (PARTITION BY g, p, cost) - 1) / 2.0 AS rc,
                       rank() OVER (PARTITION BY g, p ORDER BY sat)
                         + (count(*) OVER (PARTITION BY g, p, sat) - 1) / 2.0 AS rs
                FROM (SELECT x.g, x.p, x.cost, fu.sat FROM x JOIN fu ON fu.ticket_id = x.ticket_id
                      WHERE x.cost IS NOT NULL AND fu.sat IS NOT NULL))
          GROUP BY ALL""")
    sql = f"""
        WITH x AS MATERIALIZED (
          SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p, t.ticket_id,
                 t.status IN ('resolved', 'closed') AS done,
                 CASE WHEN {ANY_COST} THEN ({TOTAL_COST})::DOUBLE END AS cost
          FROM tickets t WHERE {cond} AND {NC}),
        ux AS MATERIALIZED (
          SELECT x.g, x.p, u.* FROM followups u JOIN x ON x.ticket_id = u.ticket_id),
        fu AS (
          SELECT ticket_id, bool_or(satisfaction IS NOT NULL OR nps IS NOT NULL) AS rated,
                 avg(satisfaction) AS sat
          FROM ux GROUP BY ticket_id),
        fb AS (
          SELECT DISTINCT ticket_id FROM feedback
          WHERE source <> 'followup' AND ticket_id IN (SELECT ticket_id FROM x WHERE done))
        {" UNION ALL BY NAME ".join(parts)}
    """
    return ctx.fetch(sql, params)


def _per_ticket(ctx: Context, ids: list[str], frame: pd.DataFrame | None) -> list[KpiResult]:
    """Results of the coverage and correlation KPIs from :func:`_per_ticket_frame` (None: not answerable)."""
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason or frame is None:
        return ctx.null(ids, reason or "ticket KPIs do not apply")
    coverage = [i for i in ids if i in COVERAGE_IDS]
    correlation = "cost_satisfaction_correlation" in ids
    out: list[KpiResult] = []
    if coverage:
        rows = frame[frame["kind"] == "coverage"]
        if rows.empty:
            out += ctx.null(coverage, "no resolved tickets in the selection")
        for key, row in ctx.keys(rows):
            for kpi_id in coverage:
                numerator = num(row, "n_followed" if kpi_id == "followup_rate" else "n_feedback")
                out.append(ctx.ratio(kpi_id, numerator, num(row, "n"), key=key, empty="no resolved tickets"))
    if correlation:
        out += _correlation(ctx, frame[frame["kind"] == "correlation"])
    return out


def _correlation(ctx: Context, frame: pd.DataFrame) -> list[KpiResult]:
    kpi = "cost_satisfaction_correlation"
    if frame.empty:
        return ctx.null([kpi], "no ticket with both a cost and a follow-up satisfaction")
    out = []
    for key, row in ctx.keys(frame):
        n = int(num(row, "n"))
        if n < 3:
            out.append(ctx.result(kpi, None, sample_size=n, key=key, reason=f"only {n} tickets with cost and "
                                  "satisfaction (need 3)"))
        elif not num(row, "sd_c") or not num(row, "sd_s"):
            out.append(ctx.result(kpi, None, sample_size=n, key=key,
                                  reason="cost or satisfaction is the same on every ticket"))
        else:
            out.append(ctx.result(kpi, row["rho"], sample_size=n, key=key))
    return out
