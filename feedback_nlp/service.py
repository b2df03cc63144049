"""The analyses the CLI and the API both offer, decided once: KPIs, themes and the model list.

The command modules (:mod:`feedback_nlp.cli`) and the routers (:mod:`api.routers`) used to
assemble the same library calls themselves: which model's stored predictions an analysis
reads and with which taxonomy, the settings' KPI targets and time zone, which model counts
as the default one, how theme examples are masked. Each decision now lives here once; the
callers parse their input (options, query parameters), call one function and render or
serialise the result.

What differs between the callers stays a parameter, not a branch here: the *active* model
is the one recorded in the store for the CLI (:func:`feedback_nlp.classifiers.registry.active_model`)
and the one serving requests for the API (``ModelService.active_ref``); a model's taxonomy
comes from the model folder for the CLI and from the loaded model for the API
(``taxonomy_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from feedback_nlp.classifiers.artifacts import (
    ModelInfo,
    default_model,
    list_models,
    model_taxonomy,
    read_metadata,
    resolve_model,
)
from feedback_nlp.config import Settings
from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.kpis import CATALOGUE, CATEGORIES, KpiReport, catalogue_frame, compute_kpis, resolve_targets
from feedback_nlp.predictions import require_prediction_model
from feedback_nlp.query import Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter
from feedback_nlp.themes import (
    aspect_sentiment,
    emerging_issues,
    mask_examples,
    theme_impact,
    theme_products,
    theme_trend,
    top_themes,
)

#: How a caller finds the taxonomy of a model ``name@version`` (the API: its loaded models first).
TaxonomyOf = Callable[[str], Taxonomy]


# -- KPIs ---------------------------------------------------------------------------------
def kpi_report(store: Store, settings: Settings, query: Query, *, ids: Sequence[str] | None = None,
               model: str | None = None, active: str | None = None) -> KpiReport:
    """The KPIs ``ids`` (None or empty: the whole catalogue) for ``query``, with the settings' targets and zone.

    ``model`` is the ``name@version`` asked for; ``active`` the caller's active model (None:
    the one recorded in the store, read only when a KPI needs predictions).
    """
    return compute_kpis(store, query, ids=list(ids) if ids else None, targets=settings.kpi_targets, model=model,
                        active_model=active, timezone=settings.timezone)


def kpi_catalogue(settings: Settings) -> list[dict[str, Any]]:
    """The catalogue as JSON-ready rows: each definition, its Chinese category and the settings' target."""
    targets = resolve_targets(settings.kpi_targets)
    return [{**d.to_dict(), "category_zh": CATEGORIES.get(d.category, d.category), "target": targets[d.id]}
            for d in CATALOGUE.values()]


def kpi_catalogue_frame(settings: Settings) -> pd.DataFrame:
    """:func:`kpi_catalogue` as a frame (the CLI prints it as a table, CSV or JSON records)."""
    return catalogue_frame(resolve_targets(settings.kpi_targets))


# -- themes -------------------------------------------------------------------------------
class PredictionSource(NamedTuple):
    """The model whose stored predictions an analysis reads, and the taxonomy that names their codes."""

    model: str
    taxonomy: Taxonomy


def folder_taxonomy(ref: str, model_dir: str | Path) -> Taxonomy:
    """The taxonomy saved with model ``ref`` when its folder is in ``model_dir``, else the default.

    Predictions outlive their model's folder (deleted, or made on another machine): they are
    then read with the shipped codes rather than refused.
    """
    try:
        return model_taxonomy(read_metadata(resolve_model(ref, model_dir)))
    except (FeedbackNLPError, OSError, KeyError, ValueError):
        return Taxonomy.default()


def prediction_source(store: Store, settings: Settings, requested: str | None, active: str | None, *,
                      taxonomy_of: TaxonomyOf | None = None) -> PredictionSource:
    """``requested`` when it has predictions, else ``active``'s, else the newest predicted; with its taxonomy.

    Raises :class:`~feedback_nlp.errors.PredictionsError` when nothing (or nothing of
    ``requested``) is stored. ``taxonomy_of`` defaults to :func:`folder_taxonomy` in the
    settings' model folder.
    """
    ref = require_prediction_model(store, requested, active)
    taxonomy = taxonomy_of(ref) if taxonomy_of is not None else folder_taxonomy(ref, settings.model_dir)
    return PredictionSource(ref, taxonomy)


@dataclass(frozen=True)
class ThemesAnswer:
    """Top themes or emerging issues of ``query``, read from the predictions of ``model``."""

    query: Query
    model: str
    items: list[Any]  # Theme or EmergingIssue, ranked

    def masked_items(self) -> list[Any]:
        """The items as dicts with personal data masked in every example text (nothing leaves unmasked)."""
        return [mask_examples(item.to_dict()) for item in self.items]

    def to_dict(self) -> dict[str, Any]:
        """The API's answer: ``query``, ``model`` and the masked ``themes``."""
        return {"query": self.query.to_dict(), "model": self.model, "themes": self.masked_items()}


def themes_top(store: Store, settings: Settings, query: Query, *, model: str | None = None,
               active: str | None = None, top: int = 10, sort: str = "count", sub_themes: bool = True,
               segmenter: Segmenter | None = None, taxonomy_of: TaxonomyOf | None = None) -> ThemesAnswer:
    """The ``top`` fault themes ranked by ``sort``; the model as :func:`prediction_source` chooses it.

    ``segmenter`` (None: built on demand) segments texts stored without keywords.
    """
    source = prediction_source(store, settings, model, active, taxonomy_of=taxonomy_of)
    themes = top_themes(store, query, model=source.model, top=top, sort=sort, sub_themes=sub_themes,
                        taxonomy=source.taxonomy, segmenter=segmenter)
    return ThemesAnswer(query, source.model, list(themes))


def emerging(store: Store, settings: Settings, query: Query, *, model: str | None = None,
             active: str | None = None, top: int = 10, taxonomy_of: TaxonomyOf | None = None) -> ThemesAnswer:
    """The ``top`` emerging issues (significant rises over their baseline) of ``query``'s window."""
    source = prediction_source(store, settings, model, active, taxonomy_of=taxonomy_of)
    issues = emerging_issues(store, query, model=source.model, taxonomy=source.taxonomy)
    return ThemesAnswer(query, source.model, list(issues[:top]))


def _named(taxonomy: Taxonomy, head: str, code: str) -> str:
    try:
        return taxonomy.name_zh(head, code)
    except (KeyError, ValueError):
        return code


def _known_fault_type(source: PredictionSource, fault_type: str) -> None:
    """Refuse a code the predictions' taxonomy does not have (a typo would otherwise read as zero mentions)."""
    codes = source.taxonomy.fault_types.codes
    if codes and fault_type not in codes:
        raise QueryError(f"fault_type {fault_type!r}: not a fault type of {source.model}; expected one of "
                         f"{', '.join(codes)}")


def theme_view(store: Store, settings: Settings, query: Query, fault_type: str, *, view: str,
               period: str = "week", top: int = 10, model: str | None = None, active: str | None = None,
               taxonomy_of: TaxonomyOf | None = None) -> dict[str, Any]:
    """One fault type's ``trend`` (mentions per ``period``) or ``products`` (the ``top`` product models carrying it).

    The JSON-ready answer names the query, the model and the theme (code and Chinese name).
    """
    source = prediction_source(store, settings, model, active, taxonomy_of=taxonomy_of)
    _known_fault_type(source, fault_type)
    out: dict[str, Any] = {"query": query.to_dict(), "model": source.model, "fault_type": fault_type,
                           "name_zh": _named(source.taxonomy, "fault_types", fault_type)}
    if view == "trend":
        points = theme_trend(store, query, fault_type, period=period, model=source.model)
        return {**out, "period": period, "points": [p.to_dict() for p in points]}
    mentions, products = theme_products(store, query, fault_type, top=top, model=source.model)
    return {**out, "count": mentions, "products": [p.to_dict() for p in products]}


def themes_impact(store: Store, settings: Settings, query: Query, *, model: str | None = None,
                  active: str | None = None, taxonomy_of: TaxonomyOf | None = None) -> dict[str, Any]:
    """Every fault type's effect on satisfaction and NPS (theme vs. the rest, with n), most damaging first."""
    source = prediction_source(store, settings, model, active, taxonomy_of=taxonomy_of)
    impacts = theme_impact(store, query, model=source.model)
    return {"query": query.to_dict(), "model": source.model,
            "themes": [{**i.to_dict(), "name_zh": _named(source.taxonomy, "fault_types", i.fault_type)}
                       for i in impacts]}


def aspects_by_sentiment(store: Store, settings: Settings, query: Query, *, model: str | None = None,
                         active: str | None = None, taxonomy_of: TaxonomyOf | None = None) -> dict[str, Any]:
    """The aspect × sentiment matrix of the window, with the sentiments' totals and Chinese names."""
    source = prediction_source(store, settings, model, active, taxonomy_of=taxonomy_of)
    totals, aspects = aspect_sentiment(store, query, model=source.model)
    taxonomy = source.taxonomy
    sentiments = [c for c in taxonomy.sentiment.codes if c in totals] + sorted(
        c for c in totals if c not in taxonomy.sentiment.codes)
    return {"query": query.to_dict(), "model": source.model,
            "sentiments": [{"sentiment": c, "name_zh": _named(taxonomy, "sentiment", c), "count": totals[c]}
                           for c in sentiments],
            "aspects": [{**a.to_dict(), "name_zh": _named(taxonomy, "aspects", a.aspect)} for a in aspects]}


# -- models -------------------------------------------------------------------------------
def model_entry(info: ModelInfo, *, active: str | None, default: str | None = None) -> dict[str, Any]:
    """One model as a row: its fields (``path`` a :class:`~pathlib.Path`), ``active`` and ``default`` flags.

    ``active``: it is the caller's active model. ``default``: it is the one that classifies
    when no model is named (the active one, else :func:`default_model`'s choice).
    """
    return {"ref": info.ref, "name": info.name, "version": info.version, "kind": info.kind, "path": info.path,
            "created_at": info.created_at, "taxonomy": info.taxonomy, "metrics": info.metrics,
            "active": info.ref == active, "default": info.ref == default}


def model_listing(model_dir: str | Path, active: str | None) -> list[dict[str, Any]]:
    """The models in ``model_dir``, newest first, as :func:`model_entry` rows for ``active``."""
    infos = list_models(model_dir)
    fallback = default_model(infos)
    default = active or (fallback.ref if fallback else None)
    return [model_entry(info, active=active, default=default) for info in infos]
