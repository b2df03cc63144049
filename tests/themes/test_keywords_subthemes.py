"""Theme keywords and sub-themes on demo texts: words, not particles; deterministic clusters."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedback_nlp.demo.tables import generate_demo_data
from feedback_nlp.query import Query
from feedback_nlp.store import Store
from feedback_nlp.text import NEGATION_WORDS, Segmenter, load_stopwords
from feedback_nlp.themes import top_themes
from feedback_nlp.themes.keywords import rank_keywords
from feedback_nlp.themes.subthemes import find_sub_themes
from tests.themes.helpers import gold_rows, insert_predictions, load_demo_frames

PARTICLES = {"的", "了", "吗", "呢", "吧", "啊", "就", "也", "都", "还", "很", "又", "在", "是"}


@pytest.fixture(scope="module")
def demo_store(segmenter: Segmenter) -> Iterator[Store]:
    """2,000 demo tickets' texts with their gold labels and stored keywords."""
    from feedback_nlp.themes.keywords import text_keywords

    data = generate_demo_data(2000, seed=3)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "demo.duckdb") as store:
        load_demo_frames(store, data)
        texts = dict(store.cursor().execute("SELECT feedback_id, text FROM feedback").fetchall())
        keywords = {fid: text_keywords(segmenter, text) for fid, text in texts.items()}
        insert_predictions(store, gold_rows(data.labels, keywords), model="gold@v1")
        yield store


def is_word(word: str, stopwords: frozenset[str]) -> bool:
    return len(word) >= 2 and word not in stopwords and word not in PARTICLES and word not in NEGATION_WORDS


def test_keywords_are_distinctive_words(demo_store: Store) -> None:
    stopwords = load_stopwords()
    themes = {t.fault_type: t for t in top_themes(demo_store, Query(), top=12, sub_themes=False)}
    for theme in themes.values():
        assert theme.keywords, theme.fault_type
        assert all(is_word(k.word, stopwords) for k in theme.keywords), [k.word for k in theme.keywords]
    # The fault's own vocabulary ranks high (from the dictionary: whole phrases, not characters).
    assert {"漏水", "滴水", "渗水"} & {k.word for k in themes["leak"].keywords[:5]}
    assert {"嗡嗡响", "异响", "噪音大", "噪音"} & {k.word for k in themes["noise"].keywords[:5]}


def test_sub_themes_are_deterministic_and_named_by_words(demo_store: Store) -> None:
    stopwords = load_stopwords()
    first = top_themes(demo_store, Query(), top=5)
    second = top_themes(demo_store, Query(), top=5)
    assert [t.to_dict() for t in first] == [t.to_dict() for t in second]
    subs = [s for t in first for s in t.sub_themes]
    assert subs, "no theme of 2,000 demo tickets had sub-themes"
    for theme in first:
        names = [s.name for s in theme.sub_themes]
        assert len(names) == len(set(names))
        for sub in theme.sub_themes:
            assert sub.keywords and sub.name == "、".join(k.word for k in sub.keywords)
            assert all(is_word(k.word, stopwords) for k in sub.keywords)
            assert 0 < sub.share <= 1 and sub.count <= theme.count and sub.examples
        assert sum(s.n_sampled for s in theme.sub_themes) <= 400


def test_clusters_follow_the_words() -> None:
    bags = [["不排水", "排水管"]] * 20 + [["按键失灵", "按键"]] * 20 + [["门打不开", "门锁"]] * 20
    texts = [f"text {i} 电话13812345678" for i in range(60)]
    subs = find_sub_themes(bags, texts, theme_count=600, seed=1)
    assert sorted(s.n_sampled for s in subs) == [20, 20, 20]
    assert {frozenset(k.word for k in s.keywords) for s in subs} == {
        frozenset({"不排水", "排水管"}), frozenset({"按键失灵", "按键"}), frozenset({"门打不开", "门锁"})}
    assert all(s.count == 200 and "13812345678" not in s.examples[0] for s in subs)
    assert find_sub_themes(bags[:10], texts[:10], theme_count=10) == []  # too few texts
    same = [["漏水"]] * 60
    assert find_sub_themes(same, texts, theme_count=60) == []  # nothing to split


def test_rank_keywords_prefers_distinctive_words() -> None:
    bags = {"noise": [["嗡嗡响", "师傅"]] * 10 + [["异响", "师傅"]] * 5,
            "leak": [["漏水", "师傅"]] * 15}
    ranked = rank_keywords(bags, top_k=5)
    assert [k.word for k in ranked["noise"]] == ["嗡嗡响", "异响"]  # 师傅 is in every text of both
    assert ranked["noise"][0].count == 10 and ranked["noise"][0].share == pytest.approx(10 / 15, abs=1e-4)
    assert [k.word for k in ranked["leak"]] == ["漏水"]
