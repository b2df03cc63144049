"""classify's fast path (jieba-rs, batch feature counting, one product for all heads, one
normalisation) gives exactly the reference path's tokens, scores and labels: jieba alone,
scikit-learn's ``transform``, a product per head, texts normalised twice as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from feedback_nlp.classification import Classification, classify_file
from feedback_nlp.classifiers.base import decide
from feedback_nlp.classifiers.baseline import TfidfClassifier, word_ngrams
from feedback_nlp.classifiers.fast_features import CharNgramCounter, transform_texts, transform_tokens
from feedback_nlp.datasets import public
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter, normalise

PUBLIC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "public"
#: Odd texts: full-width, upper case (the character vectoriser lower-cases), runs of
#: whitespace, codes with connectors (FastCut hands them to jieba), a repeated character.
ODD = [
    "ＫＦＲ-35GW 空调  不制冷\n\n外机E5",
    "İSTANBUL 买的 type-c 充电器坏了",
    "赞赞赞赞赞 师傅 很好",
    "a",
    "1.5匹 2.5G",
]


@pytest.fixture(scope="module")
def segmenters() -> tuple[Segmenter, Segmenter]:
    return Segmenter(), Segmenter(fast=False)


@pytest.fixture(scope="module")
def model(segmenters: tuple[Segmenter, Segmenter]) -> TfidfClassifier:
    corpus = demo_corpus(1200)
    model = TfidfClassifier(Taxonomy.default(), max_char_features=4000, max_word_features=3000,
                            segmenter=segmenters[1])  # fmt: skip
    return model.fit(corpus["text"].tolist(), corpus)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """A few hundred texts: generated ones, the odd ones, and real reviews when the public data is here."""
    found = demo_corpus(300, seed=7)["text"].tolist() + ODD
    if PUBLIC_DIR.is_dir():
        found += public.read_raw(PUBLIC_DIR, "online_shopping_10_cats")["text"].iloc[::200].head(300).tolist()
    return found


def reference_proba(model: TfidfClassifier, reference: Segmenter, texts: list[str]) -> dict[str, pd.DataFrame]:
    """The path as it was: jieba, normalised twice, scikit-learn's transform, one product per head."""
    normalised = [normalise(text) for text in texts]
    content = [reference.content_tokens(reference.cut(text)) for text in normalised]
    again = [normalise(text) for text in normalised]
    features = sp.hstack(
        [model.char_vectorizer_.transform(again), model.word_vectorizer_.transform(content)], format="csr"
    )
    return {head: pd.DataFrame(weights.proba(features), columns=model._codes(head))
            for head, weights in model.heads_.items()}  # fmt: skip


def test_fast_features_equal_scikit_learn(model: TfidfClassifier, texts: list[str]) -> None:
    normalised = [normalise(text) for text in texts]
    assert CharNgramCounter.supports(model.char_vectorizer_)
    fast = transform_texts(model.char_vectorizer_, CharNgramCounter(model.char_vectorizer_), normalised)
    slow = model.char_vectorizer_.transform(normalised)
    assert (fast != slow).nnz == 0 and fast.dtype == slow.dtype == np.float32
    assert np.array_equal(fast.indices, slow.indices) and np.array_equal(fast.indptr, slow.indptr)
    tokens = [model._segmenter().tokens(text) for text in normalised]
    fast_words = transform_tokens(model.word_vectorizer_, word_ngrams, tokens)
    assert (fast_words != model.word_vectorizer_.transform(tokens)).nnz == 0
    assert fast.nnz > 0 and fast_words.nnz > 0  # features were found, not two empty matrices


def test_fast_path_scores_and_labels_are_identical(
    model: TfidfClassifier, segmenters: tuple[Segmenter, Segmenter], texts: list[str]
) -> None:
    fast, reference = segmenters  # without rjieba, fast is jieba too: the rest still differs from the reference
    expected = reference_proba(model, reference, texts)
    normalised = [normalise(text) for text in texts]
    got = model.predict_proba_normalised(normalised, [fast.tokens(text) for text in normalised])
    assert set(got) == set(expected)
    for head in expected:
        assert list(got[head].columns) == list(expected[head].columns)
        assert np.array_equal(got[head].to_numpy(), expected[head].to_numpy()), head  # bit for bit

    records = Classification(model, fast).classify(texts)
    labels = decide(expected, model.thresholds_, model.taxonomy_)
    assert [r["fault_types"] for r in records] == labels["fault_types"].tolist()
    assert [r["primary_fault"] for r in records] == labels["primary_fault"].tolist()
    assert [r["sentiment"] for r in records] == labels["sentiment"].tolist()
    assert [r["aspects"] for r in records] == labels["aspects"].tolist()
    assert [r["tokens"] for r in records] == [reference.cut(text) for text in normalised]
    reference_records = Classification(model, reference).classify(texts)
    assert records == reference_records  # scores, keywords and all


def test_workers_write_the_same_file(
    model: TfidfClassifier, segmenters: tuple[Segmenter, Segmenter], texts: list[str], tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(source, index=False)
    job = Classification(model, segmenters[0])
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    counts = classify_file(job, source, one, batch_size=50, progress=False, workers=1)
    assert classify_file(job, source, two, batch_size=50, progress=False, workers=2) == counts
    assert counts["rows"] == len(texts) and counts["classified"] == len(texts)
    assert one.read_bytes() == two.read_bytes()
    first = json.loads(one.read_text(encoding="utf-8").splitlines()[0])
    assert str(first["id"]) == "0" and first["tokens"] == segmenters[1].cut(normalise(texts[0]))
