"""Theme impact (as Thematic defines it): how a score would move without a theme's texts.

For the texts in scope that carry a score, ``impact = overall − without`` where
*overall* is the score over all of them and *without* the score after removing the
texts that mention the theme. A **negative** impact means the theme drags the score
down (removing its texts would raise it); positive means it lifts the score. Two
scores: mean satisfaction (1–5: a feedback's own star rating, else the latest
satisfaction given in a follow-up of its ticket) and NPS (−100…100, from the latest
follow-up answer of the ticket). Ranking themes by impact shows what hurts
satisfaction most, which volume alone does not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from feedback_nlp.query import Query
from feedback_nlp.store import Store
from feedback_nlp.themes._counts import Aggregate, window_counts
from feedback_nlp.themes._scope import scope_for


@dataclass(frozen=True)
class ThemeImpact:
    """Score effect of one theme. ``None`` where the theme or the rest has no scored texts."""

    fault_type: str
    n_scored: int
    satisfaction: float | None  # mean satisfaction of the theme's scored texts
    satisfaction_without: float | None
    satisfaction_impact: float | None  # overall mean − mean without the theme
    n_nps: int
    nps: float | None
    nps_without: float | None
    nps_impact: float | None  # overall NPS − NPS without the theme
    n_scored_without: int = 0  # scored texts that do not mention the theme
    n_nps_without: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _nps(promoters: int, detractors: int, n: int) -> float | None:
    return None if n <= 0 else 100.0 * (promoters - detractors) / n


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def impact_of(fault_type: str, theme: Aggregate, total: Aggregate) -> ThemeImpact:
    """The impact of one theme from its counts and the totals of the same window."""
    overall_sat = total.sum_sat / total.n_sat if total.n_sat else None
    rest_n = total.n_sat - theme.n_sat
    without_sat = (total.sum_sat - theme.sum_sat) / rest_n if rest_n > 0 else None
    sat_impact = overall_sat - without_sat if overall_sat is not None and without_sat is not None else None
    overall_nps = _nps(total.n_promoters, total.n_detractors, total.n_nps)
    without_nps = _nps(total.n_promoters - theme.n_promoters, total.n_detractors - theme.n_detractors,
                       total.n_nps - theme.n_nps)
    nps_impact = overall_nps - without_nps if overall_nps is not None and without_nps is not None else None
    return ThemeImpact(
        fault_type=fault_type, n_scored=theme.n_sat,
        satisfaction=_round(theme.sum_sat / theme.n_sat if theme.n_sat else None, 4),
        satisfaction_without=_round(without_sat, 4), satisfaction_impact=_round(sat_impact, 4),
        n_nps=theme.n_nps, nps=_round(_nps(theme.n_promoters, theme.n_detractors, theme.n_nps), 2),
        nps_without=_round(without_nps, 2), nps_impact=_round(nps_impact, 2),
        n_scored_without=max(rest_n, 0), n_nps_without=max(total.n_nps - theme.n_nps, 0),
    )  # fmt: skip


def theme_impact(store: Store, query: Query, *, model: str | None = None, active: str | None = None,
                 include_none: bool = False) -> list[ThemeImpact]:
    """The impact of every fault type mentioned in the query's window, most negative satisfaction impact first.

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``).
        QueryError: a filter that cannot be applied.
    """
    scope = scope_for(store, query, model, active)
    lo, hi = query.bounds(store.timezone)
    per_theme, total = window_counts(store, scope, lo, hi, None)
    out = [impact_of(code, agg, total) for code, agg in per_theme.items() if include_none or code != "none"]
    out.sort(key=lambda i: (i.satisfaction_impact is None, i.satisfaction_impact or 0.0, i.fault_type))
    return out
