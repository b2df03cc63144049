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
from feedback_nlp.query import Query
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter
from feedback_nlp.themes import emerging_issues, mask_examples, top_themes

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
