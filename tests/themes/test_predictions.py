"""Writing predictions: store_predictions, classify_store, ensure_predictions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from feedback_nlp.classification import Classification
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.errors import ConflictError, PredictionsWriteError
from feedback_nlp.ingest import ingest_records
from feedback_nlp.predictions import (
    PredictionsError,
    classify_store,
    ensure_predictions,
    prediction_models,
    store_predictions,
)
from feedback_nlp.store import Store
from feedback_nlp.text import Segmenter
from tests.themes.conftest import build_hand_store

RECORD = {"fault_types": ["noise", "leak"], "primary_fault": "noise", "sentiment": "negative",
          "aspects": ["response"], "scores": {"sentiment": {"negative": 0.9}}, "tokens": ["噪音"],
          "keywords": ["噪音大"], "model": "m@v1"}


def predictions(store: Store) -> list[tuple[Any, ...]]:
    return store.cursor().execute(
        "SELECT feedback_id, model_name, model_version, fault_types, primary_fault, sentiment, aspects, scores "
        "FROM predictions ORDER BY ALL"
    ).fetchall()


def feedback_rows(store: Store, *ids: str) -> None:
    """Feedback rows for ``ids``: predictions are stored for feedback rows only."""
    rows = [{"feedback_id": fid, "text": "噪音大", "source": "review", "created_at": "2024-03-05"} for fid in ids]
    assert ingest_records(store, "feedback", rows).inserted == len(ids)


def test_store_predictions_upserts_and_reports_errors(store: Store) -> None:
    feedback_rows(store, "a", "b")
    out = store_predictions(store, ["a", "b"], [RECORD, {"error": "text is empty", "model": "m@v1"}], "m", "v1")
    assert out.n_stored == 1 and out.errors == [("b", "text is empty")]
    rows = predictions(store)
    assert len(rows) == 1 and rows[0][:7] == ("a", "m", "v1", ["noise", "leak"], "noise", "negative", ["response"])
    scores = json.loads(rows[0][7])
    assert scores["keywords"] == ["噪音大"] and scores["sentiment"] == {"negative": 0.9}
    again = store_predictions(store, ["a"], [{**RECORD, "sentiment": "neutral"}], "m", "v1")
    assert again.n_stored == 1 and len(predictions(store)) == 1 and predictions(store)[0][5] == "neutral"


def test_store_predictions_refuses_inconsistent_input(store: Store) -> None:
    feedback_rows(store, "a", "b")
    with pytest.raises(PredictionsWriteError, match="records"):
        store_predictions(store, ["a", "b"], [RECORD], "m", "v1")
    with pytest.raises(PredictionsWriteError, match="other@v1"):
        store_predictions(store, ["a"], [{**RECORD, "model": "other@v1"}], "m", "v1")
    with pytest.raises(PredictionsWriteError, match="sentiment"):
        store_predictions(store, ["a"], [{k: v for k, v in RECORD.items() if k != "sentiment"}], "m", "v1")
    assert predictions(store) == []
    assert issubclass(PredictionsWriteError, ConflictError)  # the API answers 409


def test_store_predictions_refuses_ids_that_are_no_feedback_rows(store: Store) -> None:
    feedback_rows(store, "a")
    with pytest.raises(PredictionsWriteError, match=r"1 of 2 feedback id\(s\).*'NOPE'.*nothing was stored"):
        store_predictions(store, ["a", "NOPE"], [RECORD, RECORD], "m", "v1")
    with pytest.raises(PredictionsWriteError, match="are no feedback row"):
        store_predictions(store, ["\udc80"], [RECORD], "m", "v1")  # not even a possible key
    assert predictions(store) == []
    assert store.missing_keys("feedback", ["NOPE", "a", "NOPE", "B"]) == ["NOPE", "B"]


@dataclass
class FakeJob(Classification):
    """Labels every text as noise; texts containing 坏 cannot be classified."""

    def classify(self, texts: Any) -> list[dict[str, Any]]:
        self.calls = getattr(self, "calls", 0) + 1
        ref = self.model_ref
        return [{"error": "unreadable", "model": ref} if "坏" in t else {**RECORD, "model": ref} for t in texts]


def fake_job(version: str) -> FakeJob:
    return FakeJob(SimpleNamespace(name="fake", version=version), segmenter=None)  # type: ignore[arg-type]


def add_feedback(store: Store, rows: list[tuple[str, str]]) -> None:
    con = store.cursor()
    for fid, text in rows:
        con.execute("INSERT INTO feedback (feedback_id, text, source, created_at) VALUES (?, ?, 'review', now())",
                    [fid, text])
    con.close()


def test_classify_store_is_idempotent_batched_and_per_version(store: Store) -> None:
    add_feedback(store, [(f"R{i:02d}", "好用" if i != 3 else "坏文本") for i in range(7)])
    seen: list[tuple[int, int]] = []
    first = classify_store(store, fake_job("v1"), batch_size=3, progress=lambda d, t: seen.append((d, t)))
    assert (first.n_feedback, first.n_selected, first.n_stored, first.n_errors, first.n_skipped) == (7, 7, 6, 1, 0)
    assert first.errors == [{"feedback_id": "R03", "error": "unreadable"}]
    assert seen == [(3, 7), (6, 7), (7, 7)]
    second = classify_store(store, fake_job("v1"))
    assert second.n_stored == 0 and second.n_skipped == 6 and second.n_errors == 1  # only the bad row again
    other = classify_store(store, fake_job("v2"))
    assert other.n_stored == 6 and other.n_skipped == 0
    assert dict(zip(prediction_models(store)["model"], prediction_models(store)["n"], strict=True)) == \
        {"fake@v1": 6, "fake@v2": 6}
    everything = classify_store(store, fake_job("v1"), only_missing=False)
    assert everything.n_selected == 7 and everything.n_stored == 6
    assert len(predictions(store)) == 12
    with pytest.raises(PredictionsError):
        classify_store(store, fake_job("v1"), batch_size=0)


def test_ensure_predictions_only_when_rows_lack_them(store: Store) -> None:
    add_feedback(store, [("A", "好用"), ("B", "不错")])
    report = ensure_predictions(store, fake_job("v1"))
    assert report is not None and report.n_stored == 2
    assert ensure_predictions(store, fake_job("v1")) is None
    add_feedback(store, [("C", "还行")])
    report = ensure_predictions(store, fake_job("v1"))
    assert report is not None and report.n_stored == 1 and report.to_dict()["model"] == "fake@v1"


def test_classify_store_with_a_trained_model(store: Store, model_path: Path, segmenter: Segmenter) -> None:
    build_hand_store(store, model="hand@v1")
    job = Classification(load_classifier(model_path, segmenter=segmenter), segmenter, max_text_length=20)
    report = classify_store(store, job)
    # The noise text is 29 characters, over this job's limit of 20: those rows are reported, not stored.
    n_noise = sum(1 for row in store.read_table("feedback")["text"] if len(row) > 20)
    assert report.n_errors == n_noise > 0 and report.n_stored == 14 - n_noise
    assert "characters" in report.errors[0]["error"]
    rows = store.cursor().execute(
        "SELECT f.text, p.fault_types, p.scores FROM predictions p JOIN feedback f USING (feedback_id) "
        "WHERE p.model_name = 'tiny'"
    ).fetchall()
    for text, faults, scores in rows:
        stored = json.loads(scores)
        assert set(stored) >= {"fault_types", "sentiment", "aspects", "keywords"}
        assert 0 < len(stored["keywords"]) <= 10 and all(k in text for k in stored["keywords"])
        assert faults
    assert classify_store(store, job).n_stored == 0
