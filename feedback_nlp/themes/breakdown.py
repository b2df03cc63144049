"""Aggregates behind the dashboard's theme and sentiment views: a theme's trend and products, aspect × sentiment.

Each is one ``GROUP BY`` in DuckDB over the same scope as top themes
(:mod:`feedback_nlp.themes._scope`: one model's predictions joined to their feedback under
the query's filters and window), so a theme's trend adds up to its count in
:func:`~feedback_nlp.themes.top_themes` for the same query, and only a few rows (one per
period, product model or aspect × sentiment) leave the store, whatever its size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from feedback_nlp.query import PERIODS, Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.themes._scope import TIME_COLUMN, scope_for

NEGATIVE = "negative"
#: The periods a trend may be split by (those of a query).
TREND_PERIODS = PERIODS


@dataclass(frozen=True)
class TrendPoint:
    """One period of a theme's trend: its mentions among the period's classified texts."""

    period: str  # local start date of the period (ISO; weeks start Monday)
    count: int  # texts of the period that mention the theme
    negative_count: int  # of those, texts with negative sentiment
    total: int  # classified texts of the period (the share's denominator)
    share: float | None  # count / total (None when the period has no classified text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProductShare:
    """One product model's part in a theme: its mentions and how much of the model's feedback they are."""

    product_line: str | None
    product_model: str | None
    count: int  # the model's texts that mention the theme
    share_of_theme: float  # count / all mentions of the theme in the scope
    texts: int  # the model's classified texts in the scope
    rate: float  # count / texts: how often the model's feedback mentions the theme
    negative_count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AspectSentiment:
    """One service aspect's mentions split by sentiment (``counts`` maps each sentiment to its texts)."""

    aspect: str
    total: int
    counts: dict[str, int]
    negative_share: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _next_period(day: date, period: str) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7)
    months = 3 if period == "quarter" else 1
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


def theme_trend(
    store: Store,
    query: Query,
    fault_type: str,
    *,
    period: str = "week",
    model: str | None = None,
    active: str | None = None,
) -> list[TrendPoint]:
    """Mentions of ``fault_type`` per ``period`` of the query's window, oldest first.

    Every period between the first and the last one with classified texts is listed
    (or, for a closed window, every period the window touches), so a line chart has no
    silent gaps: a period without texts has ``total`` 0 and ``share`` None.

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``).
        QueryError: a ``period`` not in :data:`TREND_PERIODS`, or a filter that cannot be applied.
    """
    if period not in TREND_PERIODS:
        raise QueryError(f"period {period!r}: expected one of {', '.join(TREND_PERIODS)}")
    scope = scope_for(store, query, model, active)
    lo, hi = query.bounds(store.timezone)
    where, params = scope.where_sql(lo, hi)
    sql = f"""
        SELECT {Query.period_sql(period, TIME_COLUMN, store.timezone)} AS p, count(*) AS total,
               count(*) FILTER (WHERE has) AS n, count(*) FILTER (WHERE has AND neg) AS n_negative
        FROM (SELECT f.created_at, list_contains(p.fault_types, ?) AS has, p.sentiment = ? AS neg
              FROM {scope.from_sql()} WHERE {where}) f
        GROUP BY p ORDER BY p
    """
    with store.reader() as db:
        rows = db.rows(sql, [fault_type, NEGATIVE, *params])
    found = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows if row[0] is not None}
    first = [_period_start(query.start, period)] if query.start else []
    last = [_period_start(query.end, period)] if query.end else []
    days = sorted(found)
    if not days and not (first and last):
        return []
    current = min([*first, *days[:1]])
    end = max([*last, *days[-1:]])
    out: list[TrendPoint] = []
    while current <= end:
        total, n, n_negative = found.get(current, (0, 0, 0))
        out.append(TrendPoint(current.isoformat(), n, n_negative, total, round(n / total, 4) if total else None))
        current = _next_period(current, period)
    return out


def theme_products(
    store: Store, query: Query, fault_type: str, *, top: int = 10, model: str | None = None, active: str | None = None
) -> tuple[int, list[ProductShare]]:
    """The theme's mentions in the window and the ``top`` product models that carry most of them.

    Returns ``(mentions, products)``; a text without a product model counts under
    ``product_model`` None.

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``).
        QueryError: a filter that cannot be applied.
    """
    scope = scope_for(store, query, model, active)
    lo, hi = query.bounds(store.timezone)
    where, params = scope.where_sql(lo, hi)
    # The window sum runs over every group before LIMIT: the theme's total in the same pass.
    sql = f"""
        SELECT product_line, product_model, count(*) FILTER (WHERE has) AS n, count(*) AS texts,
               count(*) FILTER (WHERE has AND neg) AS n_negative,
               sum(count(*) FILTER (WHERE has)) OVER () AS mentions
        FROM (SELECT f.product_line, f.product_model, list_contains(p.fault_types, ?) AS has,
                     p.sentiment = ? AS neg
              FROM {scope.from_sql()} WHERE {where})
        GROUP BY product_line, product_model
        QUALIFY n > 0
        ORDER BY n DESC, product_line NULLS LAST, product_model NULLS LAST
        LIMIT ?
    """
    with store.reader() as db:
        rows = db.rows(sql, [fault_type, NEGATIVE, *params, max(top, 0)])
    if not rows:
        return 0, []
    mentions = int(rows[0][5])
    products = [
        ProductShare(product_line=line, product_model=model_, count=int(n), share_of_theme=round(n / mentions, 4),
                     texts=int(texts), rate=round(n / texts, 4), negative_count=int(n_negative))
        for line, model_, n, texts, n_negative, _ in rows
    ]  # fmt: skip
    return mentions, products


def aspect_sentiment(
    store: Store, query: Query, *, model: str | None = None, active: str | None = None
) -> tuple[dict[str, int], list[AspectSentiment]]:
    """The window's classified texts by sentiment, and each service aspect's mentions by sentiment.

    Returns ``(texts per sentiment, aspects)``, aspects by mentions (most first). A text
    naming two aspects counts once under each.

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``).
        QueryError: a filter that cannot be applied.
    """
    scope = scope_for(store, query, model, active)
    lo, hi = query.bounds(store.timezone)
    where, params = scope.where_sql(lo, hi)
    sql = f"""
        WITH base AS MATERIALIZED (SELECT p.aspects, p.sentiment FROM {scope.from_sql()} WHERE {where})
        SELECT NULL AS aspect, sentiment, count(*) AS n FROM base GROUP BY sentiment
        UNION ALL
        SELECT aspect, sentiment, count(*) FROM (SELECT unnest(aspects) AS aspect, sentiment FROM base)
        WHERE aspect IS NOT NULL GROUP BY aspect, sentiment
    """
    with store.reader() as db:
        rows = db.rows(sql, params)
    totals: dict[str, int] = {}
    per_aspect: dict[str, dict[str, int]] = {}
    for aspect, sentiment, n in rows:
        label = str(sentiment)
        if aspect is None:
            totals[label] = totals.get(label, 0) + int(n)
        else:
            counts = per_aspect.setdefault(str(aspect), {})
            counts[label] = counts.get(label, 0) + int(n)
    aspects = []
    for aspect, counts in per_aspect.items():
        total = sum(counts.values())
        aspects.append(
            AspectSentiment(
                aspect,
                total,
                dict(sorted(counts.items())),
                round(counts.get(NEGATIVE, 0) / total, 4) if total else None,
            )
        )
    aspects.sort(key=lambda a: (-a.total, a.aspect))
    return dict(sorted(totals.items())), aspects
