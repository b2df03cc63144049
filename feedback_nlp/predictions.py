"""Stored predictions: which model's predictions an analysis reads.

Predictions live in the store's ``predictions`` table, keyed by ``feedback_id`` and
model name and version, so the predictions of a retrained model sit beside the last
one's. Every text-derived KPI and theme reads the predictions of *one* model version,
named ``name@version``; :func:`resolve_prediction_model` picks it.
"""

from __future__ import annotations

import pandas as pd

from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.store import Store


class PredictionsError(FeedbackNLPError, LookupError):
    """The requested model has no stored predictions (the message says how to make them)."""

    code = "FNLP410"


def split_model_key(key: str) -> tuple[str, str]:
    """``"baseline@v1"`` → ``("baseline", "v1")``."""
    name, sep, version = key.partition("@")
    if not sep or not name or not version:
        raise PredictionsError(f"model {key!r}: expected NAME@VERSION")
    return name, version


def prediction_models(store: Store) -> pd.DataFrame:
    """One row per model version with stored predictions: model, n, last_predicted_at (newest first)."""
    return store.cursor().execute(
        """
        SELECT model_name || '@' || model_version AS model, count(*) AS n, max(predicted_at) AS last_predicted_at
        FROM predictions GROUP BY model_name, model_version
        ORDER BY last_predicted_at DESC, model
        """
    ).df()


def resolve_prediction_model(store: Store, requested: str | None = None, active: str | None = None) -> str | None:
    """The ``name@version`` whose predictions an analysis should read.

    ``requested`` (an explicit choice) must have stored predictions, else
    :class:`PredictionsError`. Without one: the ``active`` model (the one serving
    classification) when it has predictions, else the model predicted most recently.
    None when nothing has been classified yet — text KPIs then report null.
    """
    models = prediction_models(store)
    known = set(models["model"])
    if requested is not None:
        split_model_key(requested)
        if requested not in known:
            have = ", ".join(sorted(known)) or "none"
            raise PredictionsError(
                f"no stored predictions for model {requested!r} (stored: {have}); "
                "run `feedback-nlp classify-store --model NAME@VERSION` first"
            )
        return requested
    if active is not None and active in known:
        return active
    return None if models.empty else str(models["model"].iloc[0])
