"""The classifier contract every model satisfies, and the shared decision step.

Nothing downstream branches on the model type: the classify CLI, the API, evaluation
and the KPIs call ``predict``/``predict_proba`` of whatever :func:`load_classifier`
returns. ``predict_proba`` gives one frame of scores per head (columns are the
taxonomy's codes, in order); ``predict`` turns them into labels with the per-label
thresholds tuned on validation data when the model was trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.decision import choose_primary, decide_multilabel
from feedback_nlp.taxonomy import Taxonomy

#: ``predict_proba`` key for the primary-fault head (columns: fault codes).
PRIMARY = "primary_fault"
PREDICTION_COLUMNS = ("fault_types", "primary_fault", "sentiment", "aspects")


@runtime_checkable
class Classifier(Protocol):
    """What every model offers (scikit-learn style)."""

    taxonomy_: Taxonomy
    name: str
    version: str

    def fit(self, X: Sequence[str], y: pd.DataFrame) -> Self: ...

    def predict_proba(
        self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> dict[str, pd.DataFrame]: ...

    def predict(self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None) -> pd.DataFrame: ...

    def save(self, path: str | Path) -> Path: ...

    @classmethod
    def load(cls, path: str | Path) -> Self: ...


def base_metadata(model: Any) -> dict[str, Any]:
    """The metadata keys every fitted model writes (``artifacts.REQUIRED_KEYS`` and versions)."""
    from feedback_nlp.classifiers.artifacts import library_versions, now_iso

    taxonomy = model.taxonomy_
    return {
        "name": model.name,
        "version": model.version,
        "kind": model.kind,
        "taxonomy": taxonomy.to_dict(),
        "labels": {head: taxonomy.head(head).codes for head in taxonomy.active_heads},
        "thresholds": {head: [round(float(t), 4) for t in values] for head, values in model.thresholds_.items()},
        "library_versions": library_versions(),
        "created_at": now_iso(),
    }


def decide(proba: dict[str, pd.DataFrame], thresholds: dict[str, np.ndarray], taxonomy: Taxonomy) -> pd.DataFrame:
    """Labels from scores: one row per text with the four prediction columns.

    Heads the taxonomy does not have come out as ``None`` (primary fault, sentiment) or ``[]``.
    """
    index = next(iter(proba.values())).index
    n = len(index)
    fault_types: list[list[str]] = [[] for _ in range(n)]
    primary: list[str | None] = [None] * n
    if "fault_types" in proba and len(taxonomy.fault_types):
        faults = proba["fault_types"].to_numpy()
        fault_codes = taxonomy.fault_types.codes
        fault_types = decide_multilabel(
            faults, thresholds["fault_types"], fault_codes, none_code=taxonomy.fault_types.none_code, at_least_one=True
        )
        primary_scores = proba.get(PRIMARY)
        primary = list(
            choose_primary(
                fault_types, None if primary_scores is None else primary_scores.to_numpy(), faults, fault_codes
            )
        )
    if "sentiment" in proba and len(taxonomy.sentiment):
        sentiment_scores = proba["sentiment"].to_numpy()
        codes = taxonomy.sentiment.codes
        sentiment: list[str | None] = [codes[j] for j in sentiment_scores.argmax(axis=1)]
    else:
        sentiment = [None] * n
    if "aspects" in proba and len(taxonomy.aspects):
        aspects = decide_multilabel(
            proba["aspects"].to_numpy(), thresholds["aspects"], taxonomy.aspects.codes, at_least_one=False
        )
    else:
        aspects = [[] for _ in range(n)]
    return pd.DataFrame(
        {"fault_types": fault_types, "primary_fault": primary, "sentiment": sentiment, "aspects": aspects},
        index=index,
    )
