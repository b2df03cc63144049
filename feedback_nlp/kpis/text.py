"""Text-derived KPIs: sentiment and aspects from the stored predictions of one model version.

Themes (top fault themes, emerging issues) are computed by :mod:`feedback_nlp.themes`;
this module only wraps their lists as KPI results, importing that module lazily so
the KPIs work (with a null and a reason) where it is not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.kpis.context import FEEDBACK, Context, is_missing, num, shares
from feedback_nlp.kpis.results import KpiResult
from feedback_nlp.predictions import split_model_key
from feedback_nlp.store import Store

SENTIMENT_IDS = ("sentiment_distribution", "negative_rate")
THEME_IDS = ("top_fault_themes", "emerging_themes")
IDS: tuple[str, ...] = (*SENTIMENT_IDS, "aspect_mentions", *THEME_IDS)
NO_PREDICTIONS = ("no stored predictions: run `feedback-nlp classify-store` to classify the stored feedback, "
                  "or pass --model NAME@VERSION")
NEGATIVE = "negative"


def compute(ctx: Context, ids: list[str], store: Store) -> list[KpiResult]:
    if ctx.model is None:
        return ctx.null(ids, NO_PREDICTIONS)
    out: list[KpiResult] = []
    sql_ids = [i for i in ids if i not in THEME_IDS]
    if sql_ids:
        reason = ctx.unsupported_reason(FEEDBACK, "feedback KPIs")
        if reason:
            out += ctx.null(sql_ids, reason)
        else:
            out += _sentiment_and_aspects(ctx, sql_ids)
    for kpi_id in ids:
        if kpi_id in THEME_IDS:
            out.append(_themes(ctx, kpi_id, store))
    return out


def _model_filter(ctx: Context) -> tuple[str, list[Any]]:
    """A join to the chosen model's predictions, filtered to that model before the join."""
    assert ctx.model is not None
    name, version = split_model_key(ctx.model)
    join = ("JOIN (SELECT feedback_id, sentiment, aspects FROM predictions WHERE model_name = ? AND model_version = ?) "
            "pr ON pr.feedback_id = f.feedback_id")
    return join, [name, version]


def _sentiment_and_aspects(ctx: Context, ids: list[str]) -> list[KpiResult]:
    # One pass: counts per sentiment and aspect list; sentiments and aspect mentions
    # (each list element a mention, as unnest counts them) are summed from it.
    join, model_params = _model_filter(ctx)
    aspects_sql = "pr.aspects" if "aspect_mentions" in ids else "NULL::VARCHAR[]"
    cond, params = ctx.where(FEEDBACK)
    frame = ctx.fetch(
        f"""
        SELECT {ctx.group_sql(FEEDBACK)} AS g, {ctx.period_sql(FEEDBACK.time_column)} AS p,
               pr.sentiment AS sentiment, {aspects_sql} AS aspects, count(*) AS n
        FROM {ctx.from_clause(FEEDBACK)} {join} WHERE {cond} GROUP BY ALL
        """,
        model_params + params,
    )
    if frame.empty:
        return ctx.null(ids, f"no feedback in the selection has a prediction of model {ctx.model}")
    sentiments: dict[Any, dict[str, float]] = {}
    aspects: dict[Any, dict[str, dict[str, float]]] = {}
    for key, row in ctx.keys(frame):
        n = num(row, "n")
        sentiment = str(row["sentiment"])
        per = sentiments.setdefault(key, {})
        per[sentiment] = per.get(sentiment, 0.0) + n
        listed = row["aspects"]
        if listed is None or (not hasattr(listed, "__len__") and is_missing(listed)):
            continue
        into = aspects.setdefault(key, {})
        for aspect in listed:
            if is_missing(aspect):
                aspect = None
            entry = into.setdefault(str(aspect), {"n": 0.0, "neg": 0.0})
            entry["n"] += n
            if row["sentiment"] == NEGATIVE:
                entry["neg"] += n
    out = []
    for key, counts in sentiments.items():
        n = sum(counts.values())
        for kpi_id in ids:
            if kpi_id == "sentiment_distribution":
                out.append(ctx.result(kpi_id, n, sample_size=int(n), key=key, reason="no classified feedback",
                                      details={"counts": shares(counts, n), "model": ctx.model}))
            elif kpi_id == "negative_rate":
                out.append(ctx.ratio(kpi_id, counts.get(NEGATIVE, 0.0), n, key=key, empty="no classified feedback",
                                     details={"model": ctx.model}))
            else:
                mentions = aspects.get(key, {})
                total = sum(a["n"] for a in mentions.values())
                ranked = sorted(mentions.items(), key=lambda kv: (-kv[1]["n"], kv[0]))
                details = {"aspects": {a: {"count": int(v["n"]), "share_of_feedback": v["n"] / n,
                                           "negative_share": v["neg"] / v["n"]} for a, v in ranked},
                           "n_classified": int(n), "model": ctx.model}
                out.append(ctx.result(kpi_id, total, sample_size=int(n), key=key, details=details,
                                      reason="no classified feedback"))
    return out


def _themes(ctx: Context, kpi_id: str, store: Store) -> KpiResult:
    try:
        # Through sys.modules (not the package attribute), so a stubbed or removed module is honoured.
        themes = importlib.import_module("feedback_nlp.themes")
    except ImportError:
        return ctx.result(kpi_id, None, reason="themes module unavailable")
    try:
        if kpi_id == "top_fault_themes":
            items = themes.top_themes(store, ctx.query, model=ctx.model)
            field = "themes"
        else:
            items = themes.emerging_issues(store, ctx.query, model=ctx.model)
            field = "alerts"
    except (FeedbackNLPError, ValueError) as exc:
        return ctx.result(kpi_id, None, reason=f"{kpi_id}: {exc}")
    listed = [item.to_dict() for item in items]
    return ctx.result(kpi_id, len(listed), sample_size=len(listed), details={field: listed, "model": ctx.model})
