"""Stored predictions: which model's predictions an analysis reads.

Predictions live in the store's ``predictions`` table, keyed by ``feedback_id`` and
model name and version, so the predictions of a retrained model sit beside the last
one's. Every text-derived KPI and theme reads the predictions of *one* model version,
named ``name@version``; :func:`resolve_prediction_model` picks it.

:func:`classify_store` fills the table (``feedback-nlp classify-store``): it classifies the
stored feedback rows that lack predictions of a model version, in batches, and
:func:`store_predictions` upserts them. Besides the per-head scores, the ``scores``
JSON holds the text's keywords (``scores->'keywords'``, a list), which the themes read.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from feedback_nlp.errors import PredictionsError, PredictionsWriteError
from feedback_nlp.store import Store

if TYPE_CHECKING:
    from feedback_nlp.classification import Classification

logger = logging.getLogger(__name__)


def split_model_key(key: str) -> tuple[str, str]:
    """``"baseline@v1"`` → ``("baseline", "v1")``."""
    name, sep, version = key.partition("@")
    if not sep or not name or not version:
        raise PredictionsError(f"model {key!r}: expected NAME@VERSION")
    return name, version


def prediction_models(store: Store) -> pd.DataFrame:
    """One row per model version with stored predictions: model, n, last_predicted_at (newest first)."""
    return store.prediction_models()


NO_PREDICTIONS_HINT = (
    "no stored predictions: classify the stored feedback first with `feedback-nlp classify-store` "
    "(predictions are stored per model version)"
)


def require_prediction_model(store: Store, requested: str | None = None, active: str | None = None) -> str:
    """:func:`resolve_prediction_model`, raising :class:`PredictionsError` when nothing is stored."""
    ref = resolve_prediction_model(store, requested, active)
    if ref is None:
        raise PredictionsError(NO_PREDICTIONS_HINT)
    return ref


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


# -- writing predictions -------------------------------------------------------------------
#: Keywords kept per text in ``scores["keywords"]`` by :func:`classify_store` (themes read them).
STORED_KEYWORDS = 10
#: Classification errors listed in a report (all are counted).
MAX_LISTED_ERRORS = 100

_LABEL_KEYS = ("fault_types", "primary_fault", "sentiment", "aspects")
_LISTED_IDS = 5  # unknown ids named in an error message


@dataclass
class StoredBatch:
    """What :func:`store_predictions` did with one batch of records."""

    n_stored: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (feedback_id, why it was not classified)


@dataclass
class ClassifyStoreReport:
    """Outcome of :func:`classify_store` (JSON-ready through :meth:`to_dict`).

    ``n_selected`` rows were classified in this run; ``n_stored`` of them got
    predictions, ``n_errors`` could not be classified (their reasons, up to
    :data:`MAX_LISTED_ERRORS`, are in ``errors``; such rows stay without predictions
    and are selected again by the next run). ``n_skipped`` rows already had
    predictions of this model version and were left alone.
    """

    model: str
    n_feedback: int = 0
    n_selected: int = 0
    n_stored: int = 0
    n_errors: int = 0
    n_skipped: int = 0
    duration_s: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scores_json(record: Mapping[str, Any]) -> str:
    """The JSON kept in ``predictions.scores``: per-head scores plus the text's keywords.

    The keywords ride along in the scores document because the table has no column for
    them; themes read ``scores->'keywords'`` instead of segmenting texts at query time.
    """
    doc: dict[str, Any] = dict(record.get("scores") or {})
    doc["keywords"] = [str(k) for k in record.get("keywords") or []]
    return json.dumps(doc, ensure_ascii=False)


def store_predictions(store: Store, feedback_ids: Sequence[str], records: Sequence[Mapping[str, Any]],
                      model_name: str, model_version: str) -> StoredBatch:
    """Upsert one prediction per feedback row for ``model_name@model_version``.

    ``records`` are what :meth:`feedback_nlp.classification.Classification.classify` returns,
    aligned with ``feedback_ids``. A record with an ``error`` key is not stored: it is
    returned in :attr:`StoredBatch.errors`. Storing the same batch again overwrites the
    rows (same key), so the call is idempotent.

    Raises:
        PredictionsWriteError: the lists differ in length, an id is no row of the
            feedback table, a record names another model, or a record lacks a label (a
            conflict: HTTP 409). Nothing of the batch is stored then.
    """
    if len(feedback_ids) != len(records):
        raise PredictionsWriteError(f"{len(feedback_ids)} feedback ids but {len(records)} records")
    unknown = store.missing_keys("feedback", [str(fid) for fid in feedback_ids])
    if unknown:
        listed = ", ".join(repr(fid) for fid in unknown[:_LISTED_IDS]) + (" …" if len(unknown) > _LISTED_IDS else "")
        raise PredictionsWriteError(
            f"{len(unknown)} of {len(feedback_ids)} feedback id(s) are no feedback row in the store ({listed}); "
            "ingest those rows first (POST /v1/ingest/feedback or `feedback-nlp ingest feedback`); nothing was stored"
        )
    ref = f"{model_name}@{model_version}"
    out = StoredBatch()
    rows: dict[str, list[Any]] = {k: [] for k in ("feedback_id", *_LABEL_KEYS, "scores")}
    for fid, record in zip(feedback_ids, records, strict=True):
        if "error" in record:
            out.errors.append((str(fid), str(record["error"])))
            continue
        if record.get("model", ref) != ref:
            raise PredictionsWriteError(f"record for {fid!r} comes from model {record['model']!r}, not {ref!r}")
        missing = [k for k in _LABEL_KEYS if record.get(k) is None]
        if missing:
            raise PredictionsWriteError(f"record for {fid!r} lacks {', '.join(missing)}")
        rows["feedback_id"].append(str(fid))
        rows["fault_types"].append([str(v) for v in record["fault_types"]])
        rows["primary_fault"].append(str(record["primary_fault"]))
        rows["sentiment"].append(str(record["sentiment"]))
        rows["aspects"].append([str(v) for v in record["aspects"]])
        rows["scores"].append(_scores_json(record))
    if not rows["feedback_id"]:
        return out
    store.upsert_predictions(model_name, model_version, rows)  # also marks the store changed (API caches)
    out.n_stored = len(rows["feedback_id"])
    return out


def _feedback_batches(store: Store, model_name: str, model_version: str, *, only_missing: bool,
                      batch_size: int) -> Iterator[list[tuple[str, str]]]:
    """``(feedback_id, text)`` batches in id order, read by keyset pagination.

    Each batch is a fresh query after the last id seen, so memory holds one batch and
    rows stored meanwhile (by this run) are never read twice.
    """
    last: str | None = None
    while True:
        rows = store.feedback_texts(model_name, model_version, only_missing=only_missing, after=last,
                                    limit=batch_size)
        if not rows:
            return
        yield [(str(r[0]), r[1]) for r in rows]
        last = str(rows[-1][0])


def missing_predictions(store: Store, model: str) -> int:
    """Feedback rows without a prediction of ``model`` (``name@version``): one count query."""
    n, done = _count_feedback(store, *split_model_key(model))
    return n - done


def _count_feedback(store: Store, model_name: str, model_version: str) -> tuple[int, int]:
    """(feedback rows, of which already predicted by this model version)."""
    return store.count_predicted(model_name, model_version)


def classify_store(store: Store, classification: Classification, *, only_missing: bool = True,
                   batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> ClassifyStoreReport:
    """Classify the stored feedback texts and store the predictions of ``classification``'s model.

    With ``only_missing`` (the default) only rows without predictions of that model
    version are classified, so a second run classifies nothing; ``only_missing=False``
    reclassifies every row (overwriting its prediction). Rows are read and written
    ``batch_size`` at a time, so memory does not grow with the table, and each batch
    is committed on its own: an interrupted run keeps what it stored and the next run
    continues. Up to :data:`STORED_KEYWORDS` keywords per text are kept for themes.

    ``progress(done, total)`` is called after each batch.

    Raises:
        PredictionsError: ``batch_size`` is not positive.
    """
    if batch_size < 1:
        raise PredictionsError(f"batch_size {batch_size}: must be at least 1")
    started = time.perf_counter()
    name, version = str(classification.classifier.name), str(classification.classifier.version)
    job = classification
    if classification.n_keywords < STORED_KEYWORDS:
        job = replace(classification, n_keywords=STORED_KEYWORDS)
    n_feedback, n_done = _count_feedback(store, name, version)
    total = n_feedback - n_done if only_missing else n_feedback
    report = ClassifyStoreReport(model=f"{name}@{version}", n_feedback=n_feedback,
                                 n_skipped=n_done if only_missing else 0)
    for batch in _feedback_batches(store, name, version, only_missing=only_missing, batch_size=batch_size):
        ids = [fid for fid, _ in batch]
        records = job.classify([text for _, text in batch])
        stored = store_predictions(store, ids, records, name, version)
        report.n_selected += len(batch)
        report.n_stored += stored.n_stored
        report.n_errors += len(stored.errors)
        room = MAX_LISTED_ERRORS - len(report.errors)
        report.errors.extend({"feedback_id": fid, "error": why} for fid, why in stored.errors[:max(room, 0)])
        if progress is not None:
            progress(report.n_selected, max(total, report.n_selected))
    report.duration_s = round(time.perf_counter() - started, 3)
    logger.info("classify-store %s: %d stored, %d errors, %d already predicted, %.1f s", report.model,
                report.n_stored, report.n_errors, report.n_skipped, report.duration_s)
    return report


def ensure_predictions(store: Store, classification: Classification, *,
                       batch_size: int = 1000) -> ClassifyStoreReport | None:
    """Classify the feedback rows still lacking predictions of ``classification``'s model.

    For start-up (``serve --demo``): a no-op returning ``None`` when every row already
    has a prediction of that model version (one count query), else the run's report.
    """
    name, version = str(classification.classifier.name), str(classification.classifier.version)
    n_feedback, n_done = _count_feedback(store, name, version)
    if n_feedback == n_done:
        return None
    logger.info("classifying %d stored feedback texts with %s@%s", n_feedback - n_done, name, version)
    return classify_store(store, classification, only_missing=True, batch_size=batch_size)
