"""A theme's trend and products, and aspect × sentiment, on the hand-built store (counts checked by hand)."""

from __future__ import annotations

import pytest

from feedback_nlp.query import Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.themes import aspect_sentiment, theme_products, theme_trend, top_themes
from tests.themes.conftest import HAND_ROWS
from tests.themes.helpers import insert_predictions

OCTOBER = Query(start="2026-10-01", end="2026-10-31")


def test_weekly_trend_lists_every_week_of_the_window_and_adds_up_to_the_theme(hand_store: Store) -> None:
    points = theme_trend(hand_store, OCTOBER, "noise", period="week", model="hand@v1")
    # 2026-10-01 is a Thursday: its week starts Monday 09-28; 10-31 (Saturday) is in the week of 10-26.
    assert [p.period for p in points] == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    by_week = {p.period: p for p in points}
    # F01 (10-02), F02 (10-03) in the first week; F03 (10-05, neutral) in the second.
    assert (by_week["2026-09-28"].count, by_week["2026-09-28"].negative_count) == (2, 2)
    assert (by_week["2026-10-05"].count, by_week["2026-10-05"].negative_count, by_week["2026-10-05"].total) == (1, 0, 3)
    assert by_week["2026-10-12"].total == 0 and by_week["2026-10-12"].share is None  # no gap in the line
    assert by_week["2026-10-05"].share == pytest.approx(1 / 3, abs=1e-4)
    noise = next(
        t
        for t in top_themes(hand_store, OCTOBER, model="hand@v1", sub_themes=False, impact=False)
        if t.fault_type == "noise"
    )
    assert sum(p.count for p in points) == noise.count
    assert sum(p.total for p in points) == sum(1 for r in HAND_ROWS if r[1].startswith("2026-10"))


def test_monthly_trend_and_filters(hand_store: Store) -> None:
    autumn = Query(start="2026-08-01", end="2026-11-30")
    points = theme_trend(hand_store, autumn, "noise", period="month", model="hand@v1")
    assert [(p.period, p.count) for p in points] == [
        ("2026-08-01", 1),
        ("2026-09-01", 1),
        ("2026-10-01", 3),
        ("2026-11-01", 1),
    ]
    south = theme_trend(
        hand_store, autumn.replace(filters={"region": ["华南"]}), "leak", period="month", model="hand@v1"
    )
    assert [(p.period, p.count) for p in south] == [
        ("2026-08-01", 0),
        ("2026-09-01", 2),
        ("2026-10-01", 1),
        ("2026-11-01", 0),
    ]
    with pytest.raises(QueryError, match="period"):
        theme_trend(hand_store, autumn, "noise", period="fortnight", model="hand@v1")


def test_products_carrying_a_theme(hand_store: Store) -> None:
    mentions, products = theme_products(hand_store, OCTOBER, "noise", model="hand@v1")
    assert mentions == 3
    assert [(p.product_model, p.count, p.texts) for p in products] == [("K1", 2, 3), ("K2", 1, 1)]
    k1 = products[0]
    assert k1.product_line == "空调" and k1.share_of_theme == pytest.approx(2 / 3, abs=1e-4)
    assert k1.rate == pytest.approx(2 / 3, abs=1e-4) and k1.negative_count == 2
    assert theme_products(hand_store, OCTOBER, "noise", top=1, model="hand@v1") == (3, products[:1])
    assert theme_products(hand_store, OCTOBER, "overheat", model="hand@v1") == (0, [])


def test_aspects_by_sentiment(hand_store: Store) -> None:
    aspects = {"F01": ["attitude", "response"], "F02": ["response"], "F03": ["response"], "F05": ["attitude"]}
    insert_predictions(hand_store, [
        {"feedback_id": fid, "fault_types": faults, "sentiment": sentiment, "aspects": aspects.get(fid, [])}
        for fid, _, _, _, _, faults, sentiment, _, _ in HAND_ROWS
    ], model="aspects@v1")  # fmt: skip
    totals, rows = aspect_sentiment(hand_store, OCTOBER, model="aspects@v1")
    assert totals == {"negative": 4, "neutral": 1, "positive": 2}  # every classified text of October
    assert [(a.aspect, a.total, a.counts) for a in rows] == [
        ("response", 3, {"negative": 2, "neutral": 1}),
        ("attitude", 2, {"negative": 1, "positive": 1}),
    ]
    assert rows[0].negative_share == pytest.approx(2 / 3, abs=1e-4)
    assert aspect_sentiment(hand_store, OCTOBER.replace(filters={"product_line": ["冰箱"]}), model="aspects@v1")[1] == [
        rows[1].__class__("attitude", 1, {"positive": 1}, 0.0)
    ]
