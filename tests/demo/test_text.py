"""Tests for the labelled text generator: determinism, label invariants, coverage,
diversity, boundary cases (negation, unreachable customers, satisfaction) and speed floor."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from feedback_nlp.demo.catalog import PRODUCT_LINES
from feedback_nlp.demo.text import (
    ASPECTS,
    FAULT_CODES,
    FAULT_NAMES_ZH,
    SENTIMENTS,
    LabelledText,
    TextGenerator,
)
from feedback_nlp.errors import ConfigError

N = 5000


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return TextGenerator(random_state=20240601).sample(N)


def test_constants_follow_taxonomy() -> None:
    assert len(FAULT_CODES) == 13 and FAULT_CODES[-1] == "none" and len(set(FAULT_CODES)) == 13
    assert set(FAULT_NAMES_ZH) == set(FAULT_CODES)
    assert FAULT_NAMES_ZH["power"] == "电源/无法开机"
    assert SENTIMENTS == ("negative", "neutral", "positive")
    assert len(ASPECTS) == 7


def test_same_seed_same_corpus_and_different_seed_differs() -> None:
    a = TextGenerator(7).sample(300)
    b = TextGenerator(7).sample(300)
    c = TextGenerator(8).sample(300)
    pd.testing.assert_frame_equal(a, b)
    assert (a.text != c.text).mean() > 0.5
    g1, g2 = TextGenerator(np.random.default_rng(3)), TextGenerator(np.random.default_rng(3))
    assert g1.complaint("空调", "leak") == g2.complaint("空调", "leak")


def test_columns(corpus: pd.DataFrame) -> None:
    assert list(corpus.columns) == [
        "text", "fault_types", "primary_fault", "sentiment", "aspects", "source", "product_line",
    ]
    assert len(corpus) == N


def test_label_invariants(corpus: pd.DataFrame) -> None:
    order = {c: i for i, c in enumerate(FAULT_CODES)}
    aorder = {c: i for i, c in enumerate(ASPECTS)}
    for row in corpus.itertuples(index=False):
        faults, aspects = tuple(row.fault_types), tuple(row.aspects)
        assert row.text.strip(), row
        assert faults and all(f in order for f in faults), row
        assert row.primary_fault in faults, row
        assert "none" not in faults or faults == ("none",), row
        assert list(faults) == sorted(set(faults), key=order.__getitem__), row
        assert list(aspects) == sorted(set(aspects), key=aorder.__getitem__), row
        assert row.sentiment in SENTIMENTS, row
        assert row.source in ("complaint", "review", "followup"), row


def test_every_label_product_line_and_source_appears(corpus: pd.DataFrame) -> None:
    assert {f for t in corpus.fault_types for f in t} == set(FAULT_CODES)
    assert set(corpus.primary_fault) == set(FAULT_CODES)
    assert {a for t in corpus.aspects for a in t} == set(ASPECTS)
    assert set(corpus.product_line) == {p.name for p in PRODUCT_LINES}
    assert set(corpus.source) == {"complaint", "review", "followup"}
    assert set(corpus.sentiment) == set(SENTIMENTS)
    assert (corpus.fault_types.apply(len) >= 2).mean() > 0.05  # mixed faults exist


def test_primary_faults_plausible_for_line(corpus: pd.DataFrame) -> None:
    weights = {p.name: set(p.fault_weights) | {"none"} for p in PRODUCT_LINES}
    ok = corpus.apply(lambda r: r.primary_fault in weights[r.product_line], axis=1)
    assert ok.all(), corpus[~ok].head()


def test_diversity(corpus: pd.DataFrame) -> None:
    assert corpus.text.nunique() / len(corpus) >= 0.90
    for code in FAULT_CODES:
        texts = corpus.text[corpus.fault_types.apply(lambda t, c=code: c in t)]
        assert texts.str[:8].nunique() >= 30, code


def test_length_distribution(corpus: pd.DataFrame) -> None:
    lengths = corpus.text.str.len()
    assert (lengths < 10).sum() > 20
    assert (lengths > 150).sum() > 20
    assert lengths.median() > 15


def test_negation_rules_out_a_fault_without_labelling_it(corpus: pd.DataFrame) -> None:
    negations = {
        r"不是屏幕的问题": "display", r"屏幕倒是没问题": "display",
        r"不是电池的问题": "battery", r"电池倒是没问题": "battery",
        r"没有漏水": "leak", r"没有漏油": "leak", r"没有异响": "noise", r"不是系统的问题": "software",
    }
    big = pd.concat([corpus, TextGenerator(5).sample(15000, sources=("complaint",))], ignore_index=True)
    n_hits = 0
    for pattern, fault in negations.items():
        hits = big[big.text.str.contains(pattern, regex=False)]
        n_hits += len(hits)
        assert not hits.fault_types.apply(lambda t, f=fault: f in t).any(), (pattern, hits.head())
    assert n_hits >= 20
    ruled_out = big[big.text.str.contains("不是", regex=False)]
    assert len(ruled_out) > 50
    assert (ruled_out.fault_types.apply(lambda t: t != ("none",))).mean() > 0.5


def test_boundary_fragments_carry_both_labels() -> None:
    gen = TextGenerator(11)
    both = [gen.complaint("空调", "installation") for _ in range(400)]
    leaky = [t for t in both if "滴水" in t.text or "往屋里流" in t.text]
    assert leaky and all("leak" in t.fault_types for t in leaky)
    cooker = [gen.complaint("燃气灶", "safety") for _ in range(300)]
    assert any("煤气味" in t.text for t in cooker)


def test_complaint_api() -> None:
    gen = TextGenerator(1)
    for _ in range(50):
        t = gen.complaint("手机", "battery", product_model="X7 Pro", aspect_hints=("parts", "cost"))
        assert isinstance(t, LabelledText)
        assert t.primary_fault == "battery" and "battery" in t.fault_types
        assert {"parts", "cost"} <= set(t.aspects)
        assert "X7 Pro" in t.text
        assert t.sentiment == "negative" and t.source == "complaint" and t.product_line == "手机"
    service = [gen.complaint("汽车", "none") for _ in range(100)]
    assert all(t.fault_types == ("none",) and t.sentiment == "negative" for t in service)
    assert sum(bool(t.aspects) for t in service) > 80


def test_review_api() -> None:
    gen = TextGenerator(2)
    plain = [gen.review("冰箱") for _ in range(300)]
    assert all(t.fault_types == ("none",) for t in plain)
    assert sum(t.sentiment == "positive" for t in plain) > 120
    assert {t.sentiment for t in plain} == set(SENTIMENTS)
    faulty = [gen.review("冰箱", primary_fault="noise") for _ in range(200)]
    assert all(t.primary_fault == "noise" and "noise" in t.fault_types for t in faulty)
    assert sum(t.sentiment == "negative" for t in faulty) > 100


def test_followup_unreachable_is_none_and_neutral() -> None:
    gen = TextGenerator(3)
    for _ in range(100):
        t = gen.followup_note("洗衣机", "leak", reached=False)
        assert t.fault_types == ("none",) and t.primary_fault == "none"
        assert t.sentiment == "neutral" and t.source == "followup"


@pytest.mark.parametrize(("score", "sentiment"), [(1, "negative"), (2, "negative"), (3, "neutral"), (5, "positive")])
def test_followup_sentiment_follows_satisfaction(score: int, sentiment: str) -> None:
    gen = TextGenerator(4)
    for resolved in (True, False):
        for _ in range(40):
            t = gen.followup_note("空调", "temperature", resolved=resolved, satisfaction=score)
            assert t.sentiment == sentiment
            # A resolved note may say only "维修后使用正常": it names no fault, so it gets none.
            assert t.primary_fault == "temperature" or (resolved and t.fault_types == ("none",))
            assert (t.primary_fault == "temperature") == ("的问题" in t.text or not resolved)


def test_followup_without_score_follows_resolution() -> None:
    gen = TextGenerator(5)
    ok = [gen.followup_note("电视", "display", resolved=True) for _ in range(200)]
    bad = [gen.followup_note("电视", "display", resolved=False) for _ in range(200)]
    assert all(t.sentiment != "negative" for t in ok)
    assert all(t.sentiment != "positive" for t in bad)
    assert all(re.search("回访|客户", t.text) for t in ok + bad)


def test_sample_filters() -> None:
    df = TextGenerator(6).sample(500, sources=("review",), product_lines=("耳机", "汽车"))
    assert set(df.source) == {"review"}
    assert set(df.product_line) == {"耳机", "汽车"}
    assert TextGenerator(6).sample(0).empty


def test_bad_arguments_raise_config_error() -> None:
    gen = TextGenerator(0)
    with pytest.raises(ConfigError, match="冰柜"):
        gen.complaint("冰柜", "power")
    with pytest.raises(ConfigError, match="broken"):
        gen.complaint("冰箱", "broken")
    with pytest.raises(ConfigError, match="speed"):
        gen.complaint("冰箱", "power", aspect_hints=("speed",))
    with pytest.raises(ConfigError, match="satisfaction"):
        gen.followup_note("冰箱", "power", satisfaction=6)
    with pytest.raises(ConfigError, match="letter"):
        gen.sample(10, sources=("letter",))
