"""Emerging issues: the test itself, the planted demo rise, and silence on flat data."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from feedback_nlp.demo.tables import generate_demo_data
from feedback_nlp.query import Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.themes import emerging_issues
from feedback_nlp.themes.emerging import benjamini_hochberg, rise_p_values
from tests.themes.conftest import at
from tests.themes.helpers import gold_rows, insert_predictions, load_demo_frames

FAULTS = ["noise", "leak", "power", "display", "function", "temperature"]
WORDS = {"noise": ["噪音大", "嗡嗡响"], "leak": ["漏水", "滴水"], "power": ["跳闸", "断电"],
         "display": ["黑屏", "花屏"], "function": ["不排水", "按键失灵"], "temperature": ["不制冷", "结冰"]}
END = date(2026, 10, 31)


def test_benjamini_hochberg_matches_the_definition() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted 0.01 0.03 0.04 0.20 → ×4/rank: 0.04 0.06 0.0533 0.20 → running min from the top.
    assert benjamini_hochberg(p) == pytest.approx([0.04, 0.0533333, 0.0533333, 0.20])
    assert benjamini_hochberg(np.array([])).size == 0


def test_rise_p_value_is_the_binomial_upper_tail() -> None:
    p = rise_p_values(np.array([6, 1]), np.array([2, 8]), 1 / 9)
    assert p[0] == pytest.approx(binom.sf(5, 8, 1 / 9)) and p[0] < 1e-3
    assert p[1] == pytest.approx(binom.sf(0, 9, 1 / 9)) and p[1] > 0.5


def simulate(store: Store, seed: int, *, rise: tuple[str, str, float] | None = None,
             keyword_rise: tuple[str, int] | None = None) -> None:
    """Ten weeks ending on END with constant Poisson rates per (fault, model), or a planted rise.

    ``rise`` = (fault, model, factor) multiplies that series' rate in the last 7 days;
    ``keyword_rise`` = (word, n) adds n texts with that keyword in the last 7 days.
    """
    rng = np.random.default_rng(seed)
    models = [f"M{i}" for i in range(8)]
    rates = rng.uniform(0.3, 6.0, (len(FAULTS), len(models)))  # texts per week
    if rise:
        rates[FAULTS.index(rise[0]), models.index(rise[1])] = 3.0
    rows, preds = [], []
    first = END - timedelta(days=7 * 10 - 1)
    for d in range(70):
        day = first + timedelta(days=d)
        current = day > END - timedelta(days=7)
        for fi, fault in enumerate(FAULTS):
            for mi, product in enumerate(models):
                lam = rates[fi, mi] / 7
                if rise and current and (fault, product) == rise[:2]:
                    lam *= rise[2]
                for _ in range(rng.poisson(lam)):
                    fid = f"S{len(rows):06d}"
                    rows.append({"feedback_id": fid, "text": "x", "source": "complaint",
                                 "created_at": at(day.isoformat(), int(rng.integers(0, 24))),
                                 "product_model": product})
                    preds.append({"feedback_id": fid, "fault_types": [fault], "sentiment": "negative",
                                  "keywords": [WORDS[fault][int(rng.integers(2))]]})
    if keyword_rise:
        for k in range(keyword_rise[1]):
            fid = f"K{k:04d}"
            rows.append({"feedback_id": fid, "text": f"门封条又裂了，第{k}次", "source": "complaint",
                         "created_at": at((END - timedelta(days=k % 7)).isoformat()), "product_model": "M0"})
            preds.append({"feedback_id": fid, "fault_types": ["function"], "sentiment": "negative",
                          "keywords": [keyword_rise[0]]})
    con = store.cursor()
    con.register("_rows", pd.DataFrame(rows))
    con.execute("INSERT INTO feedback BY NAME SELECT * FROM _rows")
    con.close()
    insert_predictions(store, preds, model="sim@v1")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_flat_data_flags_nothing(store: Store, seed: int) -> None:
    simulate(store, seed)
    assert emerging_issues(store, Query()) == []


def test_a_planted_rise_in_simulated_data_is_found(store: Store) -> None:
    simulate(store, 0, rise=("leak", "M3", 5.0), keyword_rise=("门封条", 12))
    issues = emerging_issues(store, Query())
    found = {(i.kind, i.key, i.product_model) for i in issues}
    assert ("fault_type", "leak", "M3") in found
    assert ("keyword", "门封条", None) in found
    leak = next(i for i in issues if (i.key, i.product_model) == ("leak", "M3"))
    assert leak.period_end == END and leak.period_start == END - timedelta(days=6)
    assert leak.q_value <= 0.05 and leak.count > 2 * leak.baseline_mean
    assert leak.product_models[0].product_model == "M3"
    keyword = next(i for i in issues if i.key == "门封条")
    assert keyword.baseline_count == 0 and keyword.product_models[0].product_model == "M0"
    # The texts behind the rise, newest first: days END, END-1, END-2 are k = 0, 1, 2 (and 7, 8, 9 …).
    assert len(keyword.examples) == 3 and all(e.startswith("门封条又裂了") for e in keyword.examples)
    assert keyword.examples[0] in {"门封条又裂了，第0次", "门封条又裂了，第7次"}
    assert len(leak.examples) == 3  # the leak texts of M3 in the window
    assert keyword.to_dict()["examples"] == keyword.examples
    assert emerging_issues(store, Query(), n_examples=0)[0].examples == []
    # The same series, read with another window length, is still there; nothing is flagged before the rise.
    assert emerging_issues(store, Query(end=END - timedelta(days=7))) == []


def test_planted_demo_issue_is_found() -> None:
    data = generate_demo_data(3000, seed=0)
    planted = data.emerging
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "demo.duckdb") as store:
        load_demo_frames(store, data)
        insert_predictions(store, gold_rows(data.labels), model="gold@v1")
        issues = emerging_issues(store, Query(start=planted.start, end=data.end))
        assert issues, "the planted rise was not found"
        top = issues[0]
        assert (top.kind, top.key, top.product_model) == ("fault_type", planted.fault_type, planted.product_model)
        assert top.count >= 5 and top.ratio is not None and top.ratio > 3
        stored = store.read_table("feedback", ["text", "product_model"])  # reviews and follow-up notes
        of_model = set(stored.loc[stored["product_model"] == planted.product_model, "text"])
        assert len(top.examples) == 3 and set(top.examples) <= of_model
        overall = [i for i in issues if i.key == planted.fault_type and i.product_model is None]
        assert all(i.product_models[0].product_model == planted.product_model for i in overall)
        # Filtered to another product line, nothing rises.
        other = Query(start=planted.start, end=data.end, filters={"product_line": ["电视"]})
        assert emerging_issues(store, other) == []
        json_ready = [i.to_dict() for i in issues]
        assert json_ready[0]["period_start"] == planted.start.isoformat()


def test_bad_arguments(store: Store) -> None:
    simulate(store, 0)
    with pytest.raises(QueryError):
        emerging_issues(store, Query(), kinds=("topic",))
    with pytest.raises(QueryError):
        emerging_issues(store, Query(), baseline_periods=0)
    assert emerging_issues(store, Query(start="2030-01-01", end="2030-01-31")) == []
