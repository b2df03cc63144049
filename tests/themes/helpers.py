"""Test helpers: demo frames straight into a store, predictions written directly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from feedback_nlp.demo.tables import DemoData
from feedback_nlp.store import FOLLOWUP_FEEDBACK_PREFIX, Store


def load_demo_frames(store: Store, data: DemoData) -> None:
    """The demo's tickets, followups and feedback (follow-up notes included) without the ingest pipeline."""
    con = store.cursor()
    try:
        tickets = data.tickets
        followups = data.followups
        notes = followups.dropna(subset=["note"]).merge(
            tickets[["ticket_id", "customer_id", "channel", "product_line", "product_model"]], on="ticket_id"
        )
        note_rows = pd.DataFrame({
            "feedback_id": FOLLOWUP_FEEDBACK_PREFIX + notes["followup_id"], "text": notes["note"],
            "source": "followup", "created_at": notes["contacted_at"], "ticket_id": notes["ticket_id"],
            "customer_id": notes["customer_id"], "channel": notes["channel"],
            "product_line": notes["product_line"], "product_model": notes["product_model"], "rating": None,
        })  # fmt: skip
        feedback = pd.concat([data.feedback, note_rows], ignore_index=True)
        for name, frame in (("tickets", tickets), ("followups", followups), ("feedback", feedback)):
            con.register("_frame", frame)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _frame")
            con.unregister("_frame")
    finally:
        con.close()


def insert_predictions(store: Store, rows: Sequence[dict], model: str = "gold@v1") -> None:
    """Rows with feedback_id, fault_types (list), sentiment and optional primary_fault, aspects, keywords."""
    name, _, version = model.partition("@")
    frame = pd.DataFrame({
        "feedback_id": [r["feedback_id"] for r in rows],
        "model_name": name,
        "model_version": version,
        "fault_types": [list(r["fault_types"]) for r in rows],
        "primary_fault": [r.get("primary_fault", r["fault_types"][0]) for r in rows],
        "sentiment": [r["sentiment"] for r in rows],
        "aspects": [list(r.get("aspects", [])) for r in rows],
        "scores": [json.dumps({"keywords": list(r["keywords"])}, ensure_ascii=False) if "keywords" in r else None
                   for r in rows],
        "predicted_at": datetime(2026, 11, 1, tzinfo=UTC),
    })  # fmt: skip
    con = store.cursor()
    try:
        con.register("_preds", frame)
        con.execute("INSERT INTO predictions BY NAME SELECT * REPLACE (CAST(scores AS JSON) AS scores) FROM _preds")
        con.unregister("_preds")
    finally:
        con.close()


def gold_rows(labels: pd.DataFrame, keywords: dict[str, list[str]] | None = None) -> list[dict]:
    """The demo's gold labels as prediction rows (``;``-separated label strings)."""
    out = []
    for rec in labels.itertuples(index=False):
        row = {"feedback_id": rec.feedback_id, "fault_types": str(rec.fault_types).split(";"),
               "primary_fault": rec.primary_fault, "sentiment": rec.sentiment,
               "aspects": [a for a in str(rec.aspects or "").split(";") if a and a != "nan"]}
        if keywords is not None:
            row["keywords"] = keywords.get(rec.feedback_id, [])
        out.append(row)
    return out
