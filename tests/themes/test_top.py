"""Top fault themes on a hand-built store whose numbers are worked out in conftest.HAND_ROWS."""

from __future__ import annotations

import json

import pytest

from feedback_nlp.predictions import PredictionsError
from feedback_nlp.query import Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.text import Segmenter
from feedback_nlp.themes import Theme, theme_impact, top_themes
from tests.themes.conftest import build_hand_store

OCTOBER = Query(start="2026-10-01", end="2026-10-31")


def by_code(themes: list[Theme]) -> dict[str, Theme]:
    return {t.fault_type: t for t in themes}


def test_counts_shares_negative_rates_and_change(hand_store: Store) -> None:
    themes = top_themes(hand_store, OCTOBER, sub_themes=False)
    # October: 7 classified texts (F01–F07); September (the 31 days before): F08–F12.
    assert [t.fault_type for t in themes] == ["noise", "leak", "power"]  # none is not a theme
    assert [t.rank for t in themes] == [1, 2, 3]
    noise, leak, power = themes
    assert (noise.count, noise.negative_count, noise.previous_count, noise.change) == (3, 2, 1, 2)
    assert noise.share == pytest.approx(3 / 7, abs=1e-4)
    assert noise.negative_rate == pytest.approx(2 / 3, abs=1e-4)
    assert noise.change_rate == pytest.approx(2.0)
    assert (leak.count, leak.negative_rate, leak.previous_count, leak.change, leak.change_rate) == (2, 1.0, 2, 0, 0.0)
    assert (power.count, power.previous_count, power.change, power.change_rate) == (1, 2, -1, -0.5)
    assert noise.name_zh == "噪音/异响/振动"


def test_none_can_be_ranked_and_top_limits(hand_store: Store) -> None:
    themes = top_themes(hand_store, OCTOBER, include_none=True, top=2, sub_themes=False)
    assert [(t.fault_type, t.count) for t in themes] == [("noise", 3), ("leak", 2)]
    with_none = by_code(top_themes(hand_store, OCTOBER, include_none=True, sub_themes=False))
    assert with_none["none"].count == 2 and with_none["none"].negative_rate == 0.0


def test_open_window_has_no_change(hand_store: Store) -> None:
    themes = by_code(top_themes(hand_store, Query(), sub_themes=False))
    assert themes["noise"].count == 6  # F01 F02 F03 F08 F13 F14
    assert themes["noise"].previous_count is None and themes["noise"].change is None
    assert themes["noise"].change_rate is None


def test_filters_on_feedback_and_ticket_columns(hand_store: Store) -> None:
    fridges = by_code(top_themes(hand_store, OCTOBER.replace(filters={"product_line": ["冰箱"]}), sub_themes=False))
    assert set(fridges) == {"leak"} and fridges["leak"].share == pytest.approx(1 / 3, abs=1e-4)
    south = by_code(top_themes(hand_store, OCTOBER.replace(filters={"region": ["华南"]}), sub_themes=False))
    assert {k: t.count for k, t in south.items()} == {"noise": 1, "leak": 1}
    assert south["leak"].previous_count == 2  # F09, F10 are 华南 too


def test_impact_on_satisfaction_and_nps(hand_store: Store) -> None:
    themes = by_code(top_themes(hand_store, OCTOBER, sub_themes=False))
    # Satisfaction per text: rating, else the ticket's follow-up: 1 2 4 2 5 4 3 → mean 3.0.
    noise = themes["noise"].impact
    assert noise is not None and noise.n_scored == 3
    assert noise.satisfaction == pytest.approx(7 / 3, abs=1e-4)
    assert noise.satisfaction_without == pytest.approx(3.5) and noise.satisfaction_impact == pytest.approx(-0.5)
    assert themes["leak"].impact.satisfaction_impact == pytest.approx(-0.4)
    assert themes["power"].impact.satisfaction_impact == pytest.approx(0.0)
    # NPS answers 3 10 9 6: NPS 0; without F02 (a detractor, noise and leak) 33.33.
    assert noise.n_nps == 1 and noise.nps == -100.0
    assert noise.nps_without == pytest.approx(33.33, abs=0.01) and noise.nps_impact == pytest.approx(-33.33, abs=0.01)
    ranked = top_themes(hand_store, OCTOBER, sort="impact", sub_themes=False)
    assert [t.fault_type for t in ranked] == ["noise", "leak", "power"]
    assert [i.fault_type for i in theme_impact(hand_store, OCTOBER)] == ["noise", "leak", "power"]


def test_sort_by_change_and_bad_sort(hand_store: Store) -> None:
    assert [t.fault_type for t in top_themes(hand_store, OCTOBER, sort="change", sub_themes=False)] == \
        ["noise", "leak", "power"]
    with pytest.raises(QueryError, match="sort"):
        top_themes(hand_store, OCTOBER, sort="volume")


def test_examples_are_masked_and_keywords_are_the_themes_words(hand_store: Store) -> None:
    noise = top_themes(hand_store, OCTOBER, sub_themes=False)[0]
    assert noise.examples and all("13812345678" not in e for e in noise.examples)
    assert "[手机号]" in noise.examples[0]
    words = [k.word for k in noise.keywords]
    assert words and set(words) <= {"外机", "噪音大", "嗡嗡响"}
    json.dumps([t.to_dict() for t in top_themes(hand_store, OCTOBER)], ensure_ascii=False)


def test_model_choice_and_missing_predictions(store: Store, segmenter: Segmenter) -> None:
    with pytest.raises(PredictionsError, match="classify-store"):
        top_themes(store, OCTOBER)
    build_hand_store(store, model="hand@v1")
    with pytest.raises(PredictionsError, match="other@v9"):
        top_themes(store, OCTOBER, model="other@v9")
    # A second model version that sees only power: the active one is read when it has predictions.
    from tests.themes.helpers import insert_predictions

    insert_predictions(store, [{"feedback_id": f"F0{i}", "fault_types": ["power"], "sentiment": "negative"}
                               for i in range(1, 8)], model="hand@v2")
    assert [t.fault_type for t in top_themes(store, OCTOBER, active="hand@v1", sub_themes=False)][0] == "noise"
    v2 = top_themes(store, OCTOBER, model="hand@v2", sub_themes=False, segmenter=segmenter)
    assert [(t.fault_type, t.count) for t in v2] == [("power", 7)]
    # Stored without keywords: the texts are segmented on the fly.
    assert {"外机", "嗡嗡响"} <= {k.word for k in v2[0].keywords}


def test_mask_examples_masks_every_example_field_and_nothing_else() -> None:
    from feedback_nlp.themes import mask_examples

    result = {"name": "13812345678", "examples": ["客户电话13812345678，屏幕坏了"],
              "sub_themes": [{"example": "邮箱 a@b.com", "label": "a@b.com"}]}  # fmt: skip
    masked = mask_examples(result)
    assert masked["name"] == "13812345678" and masked["sub_themes"][0]["label"] == "a@b.com"
    assert "13812345678" not in masked["examples"][0] and "a@b.com" not in masked["sub_themes"][0]["example"]
