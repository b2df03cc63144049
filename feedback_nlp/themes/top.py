"""Top fault themes: fault types ranked by mentions in a query's window.

A *mention* is a text whose predicted ``fault_types`` include the fault type (a text
with two faults mentions both), so shares — mentions ÷ classified texts in the window —
may add up to more than 1. ``none`` (无明确故障: praise, consultations, pure service
complaints) is not a theme: it is left out of the ranking unless asked for, but its
texts still count in the denominator of the shares.

Counts, negative rates, the previous window and the impact come from one SQL pass
(:mod:`feedback_nlp.themes._counts`). Only keywords, examples and sub-themes need
texts, and for those at most ``sample_size`` texts per theme are read, chosen by a hash
of ``feedback_id`` (deterministic, independent of insertion order) in that same pass,
so the cost does not grow with the table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from feedback_nlp.query import Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.themes._counts import Aggregate, window_counts_and_sample
from feedback_nlp.themes._scope import scope_for
from feedback_nlp.themes.impact import ThemeImpact, impact_of
from feedback_nlp.themes.keywords import (
    Keyword,
    clean_bag,
    default_stopwords,
    parse_stored_keywords,
    rank_keywords,
    text_keywords,
)
from feedback_nlp.themes.subthemes import SubTheme, example_text, find_sub_themes

if TYPE_CHECKING:
    from feedback_nlp.text import Segmenter

logger = logging.getLogger(__name__)

SORTS = ("count", "impact", "nps_impact", "negative_rate", "change")
#: Texts per theme segmented at query time when their prediction has no stored keywords.
SEGMENTED_PER_THEME = 200
#: Distinctive words of a theme its sub-themes are clustered on.
SUB_THEME_VOCABULARY = 50


@dataclass
class Theme:
    """One fault type's mentions in the window, with its evidence.

    ``previous_count``, ``change`` (absolute) and ``change_rate`` (relative) compare with
    the window of equal length just before; they are ``None`` when the query has no
    closed window, and ``change_rate`` also when the previous count is 0.
    """

    fault_type: str
    name_zh: str
    rank: int
    count: int
    share: float
    negative_count: int
    negative_rate: float | None
    previous_count: int | None
    change: int | None
    change_rate: float | None
    keywords: list[Keyword] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    sub_themes: list[SubTheme] = field(default_factory=list)
    impact: ThemeImpact | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["keywords"] = [k.to_dict() for k in self.keywords]
        out["sub_themes"] = [s.to_dict() for s in self.sub_themes]
        out["impact"] = None if self.impact is None else self.impact.to_dict()
        return out


def _windows(query: Query, timezone: str) -> tuple[datetime | None, datetime | None, datetime | None]:
    """``(lo, hi, previous_lo)``; ``previous_lo`` only for a closed window."""
    lo, hi = query.bounds(timezone)
    try:
        previous_lo = query.previous().bounds(timezone)[0]
    except QueryError:
        previous_lo = None
    return lo, hi, previous_lo


def _sort_key(sort: str) -> Any:
    def none_last(value: float | None, descending: bool) -> tuple[bool, float]:
        return (value is None, -(value or 0.0) if descending else (value or 0.0))

    if sort == "count":
        return lambda t: (-t.count, t.fault_type)
    if sort == "impact":  # most negative (most damaging) first
        return lambda t: (*none_last(t.impact.satisfaction_impact if t.impact else None, False), -t.count)
    if sort == "nps_impact":
        return lambda t: (*none_last(t.impact.nps_impact if t.impact else None, False), -t.count)
    if sort == "negative_rate":
        return lambda t: (*none_last(t.negative_rate, True), -t.count)
    return lambda t: (*none_last(t.change, True), -t.count)  # change: biggest rise first


def top_themes(
    store: Store,
    query: Query,
    *,
    model: str | None = None,
    active: str | None = None,
    top: int = 10,
    sort: str = "count",
    include_none: bool = False,
    n_keywords: int = 8,
    n_examples: int = 3,
    sub_themes: bool = True,
    impact: bool = True,
    sample_size: int = 1000,
    taxonomy: Taxonomy | None = None,
    segmenter: Segmenter | None = None,
    seed: int = 0,
) -> list[Theme]:
    """The ``top`` fault themes of the query's window, ranked by ``sort``.

    Args:
        store: the store holding feedback and predictions.
        query: window and filters (``group_by``/``period`` are ignored here).
        model: ``name@version`` whose predictions to read; None: the ``active`` model's
            when it has predictions, else the most recently predicted one.
        top: themes returned.
        sort: ``count`` (mentions), ``impact`` (satisfaction impact, most negative first),
            ``nps_impact``, ``negative_rate`` or ``change`` (largest rise first).
        include_none: rank ``none`` too.
        n_keywords, n_examples: keywords and (masked) example texts per theme.
        sub_themes: cluster each returned theme's sampled texts.
        impact: compute satisfaction/NPS impact (joins follow-ups).
        sample_size: most texts read per theme for keywords, examples and sub-themes.
        taxonomy: for Chinese names (default: the shipped taxonomy; unknown codes keep their code).
        segmenter: segments texts whose prediction was stored without keywords (built on demand).
        seed: sub-theme clustering seed.

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``), or
            ``model`` has none.
        QueryError: a bad ``sort`` or a filter that cannot be applied.
    """
    if sort not in SORTS:
        raise QueryError(f"sort {sort!r}: expected one of {', '.join(SORTS)}")
    scope = scope_for(store, query, model, active)
    taxonomy = taxonomy or Taxonomy.default()
    lo, hi, previous_lo = _windows(query, store.timezone)
    # The text sample (keywords, examples, sub-themes) comes from the counting scan itself.
    evidence = n_keywords > 0 or n_examples > 0 or sub_themes
    per_theme, total, sample = window_counts_and_sample(store, scope, lo, hi, previous_lo, scores=impact,
                                                        sample_size=sample_size if evidence else 0)
    themes = [
        _theme(code, agg, total, taxonomy, previous=previous_lo is not None, impact=impact)
        for code, agg in per_theme.items() if agg.n > 0 and (include_none or code != "none")
    ]  # fmt: skip
    themes.sort(key=_sort_key(sort))
    themes = themes[: max(top, 0)]
    for rank, theme in enumerate(themes, start=1):
        theme.rank = rank
    if themes and evidence:
        counts = {code: agg.n for code, agg in per_theme.items() if agg.n > 0}
        _add_text_evidence(themes, sample, counts, n_keywords=n_keywords, n_examples=n_examples,
                           sub_themes=sub_themes, segmenter=segmenter, seed=seed)
    return themes


def _theme(code: str, agg: Aggregate, total: Aggregate, taxonomy: Taxonomy, *, previous: bool,
           impact: bool) -> Theme:
    try:
        name = taxonomy.name_zh("fault_types", code)
    except (KeyError, ValueError):
        name = code
    change = agg.n - agg.n_previous if previous else None
    return Theme(
        fault_type=code, name_zh=name, rank=0, count=agg.n, share=round(agg.n / total.n, 4) if total.n else 0.0,
        negative_count=agg.n_negative, negative_rate=round(agg.n_negative / agg.n, 4) if agg.n else None,
        previous_count=agg.n_previous if previous else None, change=change,
        change_rate=round(change / agg.n_previous, 4) if change is not None and agg.n_previous else None,
        impact=impact_of(code, agg, total) if impact else None,
    )  # fmt: skip


def _add_text_evidence(themes: Sequence[Theme], sample: pd.DataFrame, counts: dict[str, int], *, n_keywords: int,
                       n_examples: int, sub_themes: bool, segmenter: Segmenter | None, seed: int) -> None:
    """Fill keywords, examples and sub-themes of ``themes`` from the sampled texts."""
    if sample.empty:
        return
    stopwords = default_stopwords()
    product_lines = frozenset(str(v) for v in sample["product_line"].dropna().unique())
    stored = [parse_stored_keywords(v) for v in sample["keywords"]]
    n_missing = sum(words is None for words in stored)
    if n_missing:
        logger.info("%d sampled texts have no stored keywords: segmenting them now (classify-store --all "
                    "stores them)", n_missing)
        if segmenter is None:
            from feedback_nlp.text import Segmenter

            segmenter = Segmenter()
        cache: dict[str, list[str]] = {}
        per_theme: dict[str, int] = {}
        for i, words in enumerate(stored):
            if words is None:
                ft = str(sample["ft"].iat[i])
                per_theme[ft] = per_theme.get(ft, 0) + 1
                if per_theme[ft] > SEGMENTED_PER_THEME:
                    continue  # segmenting is slow: a smaller sample of such rows
                fid = str(sample["feedback_id"].iat[i])
                if fid not in cache:
                    cache[fid] = text_keywords(segmenter, str(sample["text"].iat[i]))
                stored[i] = cache[fid]
    # clean_bag's word test, memoised per distinct word (the sample repeats few words many times).
    keep: dict[str, bool] = {}

    def is_kept(word: str) -> bool:
        ok = keep.get(word)
        if ok is None:
            ok = keep[word] = bool(clean_bag([word], stopwords, product_lines))
        return ok

    sample = sample.assign(bag=[list(dict.fromkeys(w for w in words or [] if is_kept(w))) for words in stored])
    groups = {str(code): frame for code, frame in sample.groupby("ft", sort=True)}
    ranked = rank_keywords({code: frame["bag"].tolist() for code, frame in groups.items()},
                           top_k=max(n_keywords, SUB_THEME_VOCABULARY))
    for theme in themes:
        frame = groups.get(theme.fault_type)
        if frame is None:
            continue
        candidates = ranked.get(theme.fault_type, [])
        theme.keywords = candidates[:n_keywords]
        if n_examples > 0:
            # Representative first: the theme is the text's main fault, and the customer is unhappy.
            order = frame.assign(_p=(frame["primary_fault"] != theme.fault_type).astype(int),
                                 _n=(frame["sentiment"] != "negative").astype(int))
            order = order.sort_values(["_p", "_n", "h", "feedback_id"], kind="stable")
            examples: list[str] = []
            for text in order["text"]:
                example = example_text(text)
                if example not in examples:
                    examples.append(example)
                if len(examples) >= n_examples:
                    break
            theme.examples = examples
        if sub_themes:
            # Clustered on the theme's own distinctive words only: on all words, texts
            # group by register (follow-up notes vs complaints), not by symptom.
            vocabulary = {k.word for k in candidates}
            bags = [[w for w in bag if w in vocabulary] for bag in frame["bag"]]
            theme.sub_themes = find_sub_themes(bags, frame["text"].tolist(),
                                               theme_count=counts.get(theme.fault_type, 0), seed=seed)
