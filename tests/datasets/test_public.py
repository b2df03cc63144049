"""Readers of the public data sets and the gold set (skipped where the data is absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.datasets import public
from feedback_nlp.errors import InputFileError
from feedback_nlp.labels import validate_labelled
from feedback_nlp.taxonomy import Taxonomy

REPO = Path(__file__).resolve().parents[2]
PUBLIC_DIR = REPO.parent / "shared" / "data" / "public"
GOLD = REPO / "training" / "gold" / "real_gold.csv"
pytestmark = pytest.mark.skipif(not PUBLIC_DIR.exists(), reason="public data not at ../shared/data/public")


def test_gold_set_joins_to_its_texts_and_fits_the_default_taxonomy() -> None:
    gold = public.load_gold(GOLD, PUBLIC_DIR)
    assert len(gold) >= 300 and gold["text"].str.len().gt(0).all()
    validate_labelled(gold, Taxonomy.default(), source="gold")
    assert set(gold["dataset"]) == {
        "online_shopping_10_cats", "car_complaints_12365auto", "waimai_10k", "ChnSentiCorp_htl_all",
    }  # fmt: skip


def test_gold_row_pointing_at_another_text_is_refused(tmp_path: Path) -> None:
    gold = pd.read_csv(GOLD, dtype=str)
    gold.loc[0, "row_id"] = str(int(gold.loc[0, "row_id"]) + 1)
    tampered = tmp_path / "gold.csv"
    gold.to_csv(tampered, index=False)
    with pytest.raises(InputFileError, match="no longer match"):
        public.load_gold(tampered, PUBLIC_DIR)


def test_missing_public_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="--public-dir"):
        public.read_raw(tmp_path, "waimai_10k")


def test_car_letters_split_by_date() -> None:
    corpus = public.car_letters_corpus(PUBLIC_DIR)
    dates = {split: corpus.loc[corpus["split"] == split, "date"] for split in ("train", "valid", "test")}
    assert dates["train"].max() <= dates["valid"].min() and dates["valid"].max() <= dates["test"].min()
    assert abs(corpus["split"].eq("test").mean() - 0.2) < 0.01
    assert corpus["fault_types"].map(lambda v: set(v) <= set(public.CAR_LETTER_NAMES)).all()


def test_reviews_get_sentiment_and_rule_labels() -> None:
    reviews = public.labelled_reviews(PUBLIC_DIR, "waimai_10k")
    assert set(reviews["sentiment"]) == {"positive", "negative"}
    assert reviews["aspects"].map(lambda v: "logistics" in v).mean() > 0.2  # delivery reviews talk delivery
    assert reviews["fault_types"].notna().all()  # no product category: unmatched texts are "none"
