"""Fixtures for the themes tests: a segmenter, a tiny trained model, a hand-built store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from feedback_nlp.store import Store
from feedback_nlp.text import Segmenter
from tests.themes.helpers import insert_predictions

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory, segmenter: Segmenter) -> Path:
    """A small baseline trained on generated text (as tests/test_classify.py builds it)."""
    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.datasets.corpus import demo_corpus
    from feedback_nlp.taxonomy import Taxonomy

    corpus = demo_corpus(1500)
    model = TfidfClassifier(Taxonomy.default(), name="tiny", version="v1", max_char_features=3000,
                            max_word_features=3000, segmenter=segmenter)
    model.fit(corpus["text"].tolist(), corpus)
    return model.save(tmp_path_factory.mktemp("models") / "tiny" / "v1")


def at(day: str, hour: int = 12) -> datetime:
    """A Shanghai-local timestamp on ``day`` (YYYY-MM-DD)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=SH)


# The hand-built data: October 2026 is the window, September the previous one.
#   id     day         line  model  region  faults             sentiment  rating  followup (sat, nps)
HAND_ROWS = [
    ("F01", "2026-10-02", "空调", "K1", "华东", ["noise"], "negative", 1, None),
    ("F02", "2026-10-03", "空调", "K1", "华东", ["noise", "leak"], "negative", None, (2, 3)),
    ("F03", "2026-10-05", "空调", "K2", "华南", ["noise"], "neutral", 4, None),
    ("F04", "2026-10-07", "冰箱", "B1", "华南", ["leak"], "negative", 2, None),
    ("F05", "2026-10-09", "冰箱", "B1", "华东", ["none"], "positive", 5, (5, 10)),
    ("F06", "2026-10-20", "冰箱", "B1", "华东", ["none"], "positive", None, (4, 9)),
    ("F07", "2026-10-31", "空调", "K1", "华东", ["power"], "negative", None, (3, 6)),
    ("F08", "2026-09-10", "空调", "K1", "华东", ["noise"], "negative", 2, None),
    ("F09", "2026-09-12", "冰箱", "B1", "华南", ["leak"], "negative", 2, None),
    ("F10", "2026-09-15", "冰箱", "B1", "华南", ["leak"], "neutral", 3, None),
    ("F11", "2026-09-20", "冰箱", "B1", "华东", ["power"], "negative", 1, None),
    ("F12", "2026-09-30", "冰箱", "B1", "华东", ["power"], "negative", 1, None),
    ("F13", "2026-08-20", "空调", "K1", "华东", ["noise"], "negative", 1, None),  # before both windows
    ("F14", "2026-11-01", "空调", "K1", "华东", ["noise"], "negative", 1, None),  # after the window
]
TEXTS = {
    "noise": "空调外机噪音大，晚上嗡嗡响睡不着，联系电话13812345678",
    "leak": "冰箱漏水，地上一滩水，师傅上门也没修好",
    "power": "开不了机，一开就跳闸",
    "none": "师傅很专业，服务满意，好评",
}
KEYWORDS = {"noise": ["外机", "噪音大", "嗡嗡响"], "leak": ["漏水", "上门"], "power": ["开不了机", "跳闸"],
            "none": ["专业", "好评"]}


def build_hand_store(store: Store, model: str = "hand@v1") -> None:
    """Tickets, follow-ups, feedback and predictions of :data:`HAND_ROWS`."""
    tickets, followups, feedback = [], [], []
    for fid, day, line, product, region, faults, _, rating, follow in HAND_ROWS:
        tid = "T" + fid
        tickets.append({"ticket_id": tid, "customer_id": "C" + fid, "created_at": at(day, 9), "status": "closed",
                        "product_line": line, "product_model": product, "region": region})
        if follow is not None:
            followups.append({"followup_id": "U" + fid, "ticket_id": tid, "contacted_at": at(day, 18),
                              "reached": True, "satisfaction": follow[0], "nps": follow[1]})
        feedback.append({"feedback_id": fid, "text": TEXTS[faults[0]], "source": "complaint",
                         "created_at": at(day), "ticket_id": tid, "product_line": line, "product_model": product,
                         "rating": rating})
    con = store.cursor()
    try:
        for name, rows in (("tickets", tickets), ("followups", followups), ("feedback", feedback)):
            con.register("_rows", pd.DataFrame(rows))
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _rows")
            con.unregister("_rows")
    finally:
        con.close()
    insert_predictions(store, [
        {"feedback_id": fid, "fault_types": faults, "sentiment": sentiment,
         "keywords": [w for f in faults for w in KEYWORDS[f]]}
        for fid, _, _, _, _, faults, sentiment, _, _ in HAND_ROWS
    ], model=model)  # fmt: skip


@pytest.fixture
def hand_store(store: Store) -> Iterator[Store]:
    build_hand_store(store)
    yield store
