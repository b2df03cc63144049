"""The baseline's TF-IDF features, computed faster with exactly the floats scikit-learn gives.

``TfidfVectorizer.transform`` counts terms in a Python loop per text (about 0.1 ms for a
40-character text with character 1–3-grams: more than the rest of the model). Here the
counting is done otherwise and scikit-learn's own fitted ``TfidfTransformer`` does the
rest, so the matrix equals ``vectorizer.transform(docs)`` entry for entry:

* character n-grams: each text is lower-cased and its whitespace runs collapsed as
  scikit-learn does; every n-gram (n ≤ 3) becomes one 63-bit integer (21 bits per code
  point), looked up in a hash index of the vocabulary's keys (``pandas.Index.get_indexer``),
  for the whole batch at once;
* word uni- and bigrams (:func:`~feedback_nlp.classifiers.baseline.word_ngrams`): one dict
  lookup per gram.

Both build the count matrix scikit-learn builds (float counts, column indices sorted).
Vectorisers configured otherwise (other analyzers, n > 3, a preprocessor, accent
stripping, binary counts) go through ``vectorizer.transform`` unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["CharNgramCounter", "transform_tokens", "transform_texts"]

_BITS = 21  # code points are below 2**21
_MAX_N = 3  # 3 * 21 bits fit an int64
_WHITE_SPACES = re.compile(r"\s\s+")  # TfidfVectorizer._white_spaces


def _key(gram: str) -> int:
    key = 0
    for position in range(_MAX_N):
        key <<= _BITS
        if position < len(gram):
            key |= ord(gram[position]) + 1
    return key


def _counts_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype: Any) -> sp.csr_matrix:
    """Counts as scikit-learn's ``_count_vocab`` makes them: CSR, summed duplicates, sorted columns."""
    matrix = sp.coo_matrix((np.ones(len(rows), dtype=dtype), (rows, cols)), shape=(n_rows, n_cols)).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


class CharNgramCounter:
    """Character n-gram counts of a fitted ``analyzer="char"`` vectoriser, for whole batches."""

    def __init__(self, vectorizer: Any) -> None:
        self.low, self.high = vectorizer.ngram_range
        self.lowercase = bool(vectorizer.lowercase)
        self.n_features = len(vectorizer.vocabulary_)
        self.dtype = vectorizer.dtype
        keys = np.fromiter((_key(gram) for gram in vectorizer.vocabulary_), dtype=np.int64,
                           count=self.n_features)  # fmt: skip
        self.columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.int64, count=self.n_features)
        self.index = pd.Index(keys)  # n-grams are distinct, so are their keys
        self.index.get_indexer(keys[:1])  # builds the hash table now, not in the first batch

    @staticmethod
    def supports(vectorizer: Any) -> bool:
        low, high = vectorizer.ngram_range
        return bool(
            vectorizer.analyzer == "char" and vectorizer.preprocessor is None and not vectorizer.strip_accents
            and not vectorizer.binary and vectorizer.input == "content" and 1 <= low <= high <= _MAX_N
            and len(getattr(vectorizer, "vocabulary_", ())) > 0
        )  # fmt: skip

    def counts(self, docs: Sequence[str]) -> sp.csr_matrix:
        prepared = [_WHITE_SPACES.sub(" ", doc.lower() if self.lowercase else doc) for doc in docs]
        lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=len(prepared))
        codes = np.frombuffer("".join(prepared).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
        n_chars = len(codes)
        row_of_char = np.repeat(np.arange(len(prepared)), lengths)
        end_of_row = np.repeat(np.cumsum(lengths), lengths)  # where each character's text ends
        padded = np.concatenate([codes, np.zeros(_MAX_N, dtype=np.int64)])
        all_rows, all_cols = [], []
        for n in range(self.low, self.high + 1):
            starts = np.flatnonzero(np.arange(n_chars) + n <= end_of_row)  # n-grams inside their text
            key = np.zeros(len(starts), dtype=np.int64)
            for position in range(_MAX_N):
                key <<= _BITS
                if position < n:
                    key |= padded[starts + position]
            found = self.index.get_indexer(key)
            hit = found >= 0
            all_rows.append(row_of_char[starts[hit]])
            all_cols.append(self.columns[found[hit]])
        rows, cols = np.concatenate(all_rows), np.concatenate(all_cols)
        return _counts_matrix(rows, cols, len(docs), self.n_features, self.dtype)


def transform_texts(vectorizer: Any, counter: CharNgramCounter | None, docs: Sequence[str]) -> sp.csr_matrix:
    """``vectorizer.transform(docs)`` for a character vectoriser; ``counter`` from :meth:`CharNgramCounter`."""
    if counter is None:
        return vectorizer.transform(docs)
    return vectorizer._tfidf.transform(counter.counts(docs), copy=False)


def transform_tokens(
    vectorizer: Any, analyzer: Callable[[Sequence[str]], list[str]], token_lists: Sequence[Sequence[str]]
) -> sp.csr_matrix:
    """``vectorizer.transform(token_lists)`` for a vectoriser whose analyzer is ``analyzer``."""
    if vectorizer.analyzer is not analyzer or vectorizer.binary:
        return vectorizer.transform(token_lists)
    lookup = vectorizer.vocabulary_.get
    rows: list[int] = []
    cols: list[int] = []
    for row, tokens in enumerate(token_lists):
        found = [column for column in map(lookup, analyzer(tokens)) if column is not None]
        cols.extend(found)
        rows.extend([row] * len(found))
    counts = _counts_matrix(np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), len(token_lists),
                           len(vectorizer.vocabulary_), vectorizer.dtype)  # fmt: skip
    return vectorizer._tfidf.transform(counts, copy=False)
