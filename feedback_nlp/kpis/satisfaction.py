"""Satisfaction and service quality: CSAT, NPS, service scores, follow-up and feedback coverage."""

from __future__ import annotations

from typing import Any

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
    if wanted & set(CSAT_IDS):
        out += _csat(ctx, [i for i in CSAT_IDS if i in wanted])
    if wanted & set(FOLLOWUP_IDS):
        out += _followups(ctx, [i for i in FOLLOWUP_IDS if i in wanted])
    if wanted & set(COVERAGE_IDS):
        out += _coverage(ctx, [i for i in COVERAGE_IDS if i in wanted])
    if "cost_satisfaction_correlation" in wanted:
        out += _correlation(ctx)
    return out


def _csat(ctx: Context, ids: list[str]) -> list[KpiResult]:
    """Follow-up satisfaction and feedback ratings, one response each (see the catalogue)."""
    fu_cond, fu_params = ctx.where(FOLLOWUPS)
    fb_cond, fb_params = ctx.where(FEEDBACK)
    sql = f"""
        SELECT g, p, count(*) AS n, avg(s) AS mean, count(*) FILTER (WHERE s >= 4) AS n_satisfied,
               count(*) FILTER (WHERE origin = 'followup') AS n_followup,
               {", ".join(f"count(*) FILTER (WHERE s = {k}) AS s{k}" for k in range(1, 6))}
        FROM (
          SELECT {ctx.group_sql(FOLLOWUPS)} AS g, {ctx.period_sql(FOLLOWUPS.time_column)} AS p,
                 u.satisfaction AS s, 'followup' AS origin
          FROM {ctx.from_clause(FOLLOWUPS)} WHERE {fu_cond} AND {NC} AND u.satisfaction IS NOT NULL
          UNION ALL
          SELECT {ctx.group_sql(FEEDBACK)}, {ctx.period_sql(FEEDBACK.time_column)}, f.rating, 'feedback'
          FROM {ctx.from_clause(FEEDBACK)} WHERE {fb_cond} AND f.rating IS NOT NULL)
        GROUP BY ALL
    """
    frame = ctx.fetch(sql, fu_params + fb_params)
    if frame.empty:
        return ctx.null(ids, "no follow-up satisfaction or feedback rating in the selection")
    out = []
    for key, row in ctx.keys(frame):
        n = num(row, "n")
        origin = {"n_followup": int(num(row, "n_followup")), "n_feedback": int(n - num(row, "n_followup"))}
        for kpi_id in ids:
            if kpi_id == "csat_score":
                out.append(ctx.result(kpi_id, row["mean"], sample_size=int(n), key=key, details=origin,
                                      reason="no satisfaction responses"))
            elif kpi_id == "csat_rate":
                out.append(ctx.ratio(kpi_id, num(row, "n_satisfied"), n, key=key, empty="no satisfaction responses",
                                     details=origin))
            else:
                counts = {str(k): num(row, f"s{k}") for k in range(1, 6)}
                details = {"counts": {k: {"count": int(v), "share": v / n} for k, v in counts.items()}, **origin}
                out.append(ctx.result(kpi_id, n, sample_size=int(n), key=key, details=details,
                                      reason="no satisfaction responses"))
    return out


def _followups(ctx: Context, ids: list[str]) -> list[KpiResult]:
    aggregates = ",\n".join([
        "count(*) AS attempts", "count(*) FILTER (WHERE u.reached) AS reached",
        "count(u.nps) AS n_nps", "count(*) FILTER (WHERE u.nps >= 9) AS promoters",
        "count(*) FILTER (WHERE u.nps <= 6) AS detractors",
        "count(*) FILTER (WHERE " + " OR ".join(f"u.{s} IS NOT NULL" for s in SCORES) + ") AS n_scored",
        *(f"avg(u.{s}) AS mean_{s}, count(u.{s}) AS n_{s}" for s in SCORES),
    ])
    frame = ctx.select(FOLLOWUPS, aggregates, where=NC)
    if frame.empty:
        return ctx.null(ids, "no follow-up attempts in the selection")
    per_method: dict[Any, dict[str, Any]] = {}
    if "followup_reach_rate" in ids:
        methods = ctx.select(FOLLOWUPS, "count(*) AS attempts, count(*) FILTER (WHERE u.reached) AS reached",
                             where=NC, extra_group=["u.method AS method"])
        for key, row in ctx.keys(methods):
            name = MISSING_GROUP if is_missing(row["method"]) else str(row["method"])
            attempts, reached = num(row, "attempts"), num(row, "reached")
            per_method.setdefault(key, {})[name] = {"attempts": int(attempts), "reached": int(reached),
                                                    "rate": reached / attempts if attempts else None}
    out = []
    for key, row in ctx.keys(frame):
        n_nps = num(row, "n_nps")
        for kpi_id in ids:
            if kpi_id == "nps":
                diff = num(row, "promoters") - num(row, "detractors")
                out.append(ctx.ratio(kpi_id, diff, n_nps, key=key, scale=100.0, empty="no NPS answers",
                                     details={"promoters": int(num(row, "promoters")),
                                              "detractors": int(num(row, "detractors")),
                                              "passives": int(n_nps - num(row, "promoters") - num(row, "detractors"))}))
            elif kpi_id == "recommendation_rate":
                out.append(ctx.ratio(kpi_id, num(row, "promoters"), n_nps, key=key, empty="no NPS answers"))
            elif kpi_id == "service_quality_scores":
                means = {s: (None if not num(row, f"n_{s}") else float(row[f"mean_{s}"])) for s in SCORES}
                present = [m for m in means.values() if m is not None]
                details = {s: {"mean": means[s], "n": int(num(row, f"n_{s}"))} for s in SCORES}
                out.append(ctx.result(kpi_id, sum(present) / len(present) if present else None,
                                      sample_size=int(num(row, "n_scored")), key=key, details=details,
                                      reason="no follow-up with a service score"))
            else:
                out.append(ctx.ratio(kpi_id, num(row, "reached"), num(row, "attempts"), key=key,
                                     empty="no follow-up attempts",
                                     details={"per_method": per_method.get(key, {})}))
    return out


def _coverage(ctx: Context, ids: list[str]) -> list[KpiResult]:
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null(ids, reason)
    joins = """
        LEFT JOIN (SELECT ticket_id, bool_or(satisfaction IS NOT NULL OR nps IS NOT NULL) AS rated
                   FROM followups GROUP BY ticket_id) fu ON fu.ticket_id = t.ticket_id
        LEFT JOIN (SELECT DISTINCT ticket_id FROM feedback
                   WHERE ticket_id IS NOT NULL AND source <> 'followup') fb ON fb.ticket_id = t.ticket_id
    """
    frame = ctx.select(TICKETS, "count(*) AS n_resolved, count(fu.ticket_id) AS n_followed, "
                                "count(*) FILTER (WHERE fb.ticket_id IS NOT NULL OR fu.rated) AS n_feedback",
                       where="t.status IN ('resolved', 'closed')", extra_from=joins)
    if frame.empty:
        return ctx.null(ids, "no resolved tickets in the selection")
    out = []
    for key, row in ctx.keys(frame):
        for kpi_id in ids:
            numerator = num(row, "n_followed" if kpi_id == "followup_rate" else "n_feedback")
            out.append(ctx.ratio(kpi_id, numerator, num(row, "n_resolved"), key=key, empty="no resolved tickets"))
    return out


def _correlation(ctx: Context) -> list[KpiResult]:
    kpi = "cost_satisfaction_correlation"
    reason = ctx.unsupported_reason(TICKETS, "ticket KPIs")
    if reason:
        return ctx.null([kpi], reason)
    cond, params = ctx.where(TICKETS)
    # Spearman = Pearson on average ranks (ties share the mean of their ranks).
    sql = f"""
        WITH x AS (
          SELECT {ctx.group_sql(TICKETS)} AS g, {ctx.period_sql("t.created_at")} AS p,
                 ({TOTAL_COST})::DOUBLE AS cost, s.sat
          FROM tickets t JOIN (SELECT ticket_id, avg(satisfaction) AS sat FROM followups
                               WHERE satisfaction IS NOT NULL GROUP BY ticket_id) s ON s.ticket_id = t.ticket_id
          WHERE {cond} AND {NC} AND {ANY_COST}),
        r AS (
          SELECT g, p,
                 rank() OVER (PARTITION BY g, p ORDER BY cost)
                   + (count(*) OVER (PARTITION BY g, p, cost) - 1) / 2.0 AS rc,
                 rank() OVER (PARTITION BY g, p ORDER BY sat)
                   + (count(*) OVER (PARTITION BY g, p, sat) - 1) / 2.0 AS rs
          FROM x)
        SELECT g, p, count(*) AS n, corr(rc, rs) AS rho, stddev_pop(rc) AS sd_c, stddev_pop(rs) AS sd_s
        FROM r GROUP BY ALL
    """
    frame = ctx.fetch(sql, params)
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
