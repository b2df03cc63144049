"""Which texts are worth a human label: active-learning picks over a pool of texts.

Strategies (``suggest(..., strategy=...)``):

- ``uncertainty`` — the texts the model is least sure of: the smallest margin over
  all heads (top-two gap of sentiment and primary fault; distance of each multi-label
  score to its tuned threshold), as in margin sampling (Scheffer et al., 2001).
- ``disagreement`` — the texts two models label most differently (query by committee
  with a committee of two: baseline and transformer).
- ``diverse`` — one text per cluster of the TF-IDF space (the member closest to each
  k-means centroid), so a batch covers the pool's themes instead of its biggest one.

The first two also spread their pick over clusters of their best candidates (at most
a few texts of one cluster in a row), so one theme does not eat the batch. Texts
already labelled are never suggested (pass their :func:`text_key` as ``exclude``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.base import PRIMARY
from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling.records import text_key
from feedback_nlp.text import normalise

logger = logging.getLogger(__name__)

STRATEGIES = ("uncertainty", "disagreement", "diverse")
#: Candidates clustered for a spread pick, per text asked for.
_CANDIDATES_PER_PICK = 4


def margins(proba: dict[str, pd.DataFrame], thresholds: dict[str, Any] | None = None) -> np.ndarray:
    """The smallest decision margin of every text over all heads (0 = on the fence).

    Multi-class heads: top-1 minus top-2 probability. Multi-label heads: the smallest
    distance of a score to its threshold (0.5 when the model has none).
    """
    thresholds = thresholds or {}
    n = len(next(iter(proba.values())))
    out = np.full(n, np.inf)
    for head, frame in proba.items():
        scores = frame.to_numpy(dtype=float)
        if scores.shape[1] == 0:
            continue
        if head in ("sentiment", PRIMARY):
            if scores.shape[1] < 2:
                continue
            top = np.sort(scores, axis=1)
            margin = top[:, -1] - top[:, -2]
        else:
            t = np.asarray(thresholds.get(head, np.full(scores.shape[1], 0.5)), dtype=float)
            margin = np.abs(scores - t).min(axis=1)
        out = np.minimum(out, margin)
    return np.where(np.isfinite(out), out, 1.0)


def disagreement(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """How differently two models label each text, 0 (same) to 4 (every head differs).

    Sum over heads: 1 − Jaccard similarity of the two fault sets and of the two aspect
    sets, plus 1 for a different primary fault and 1 for a different sentiment.
    """

    def jaccard_distance(x: Iterable[str], y: Iterable[str]) -> float:
        sx, sy = set(x or ()), set(y or ())
        union = sx | sy
        return 0.0 if not union else 1.0 - len(sx & sy) / len(union)

    score = np.zeros(len(a))
    for i, (ra, rb) in enumerate(zip(a.itertuples(index=False), b.itertuples(index=False), strict=True)):
        score[i] = (
            jaccard_distance(ra.fault_types, rb.fault_types)
            + jaccard_distance(ra.aspects, rb.aspects)
            + float(ra.primary_fault != rb.primary_fault)
            + float(ra.sentiment != rb.sentiment)
        )
    return score


def embed(texts: list[str], *, n_components: int = 64, random_state: int = 0) -> np.ndarray:
    """Dense, L2-normalised vectors of character 1–2-gram TF-IDF reduced by SVD (LSA)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=50_000)
    try:
        matrix = tfidf.fit_transform(texts)
    except ValueError:  # every n-gram is rarer than min_df (a handful of texts)
        matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    k = max(1, min(n_components, matrix.shape[1] - 1, matrix.shape[0] - 1))
    if k < 2:
        return cast(np.ndarray, normalize(matrix.toarray()))
    dense = TruncatedSVD(n_components=k, random_state=random_state).fit_transform(matrix)
    return cast(np.ndarray, normalize(dense))


def clusters(vectors: np.ndarray, k: int, *, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means labels of every vector and the index of the member closest to each centroid."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    k = max(1, min(k, len(vectors)))
    if len(vectors) > 5_000:
        km: Any = MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=4096)
    else:
        km = KMeans(n_clusters=k, random_state=random_state, n_init=3)
    labels = km.fit_predict(vectors)
    distance = np.linalg.norm(vectors - km.cluster_centers_[labels], axis=1)
    closest = np.full(k, -1)
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members):
            closest[c] = members[np.argmin(distance[members])]
    return labels, closest[closest >= 0]


def spread(order: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Take ``n`` of ``order`` (best first), one per cluster per round, keeping the order."""
    by_cluster: dict[int, list[int]] = {}
    for i in order:
        by_cluster.setdefault(int(labels[i]), []).append(int(i))
    queues = list(by_cluster.values())  # dict order: clusters by their best member
    picked: list[int] = []
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return np.asarray(picked, dtype=int)


def suggest(
    pool: pd.DataFrame,
    *,
    n: int,
    strategy: str,
    model: Any = None,
    second_model: Any = None,
    exclude: Iterable[str] = (),
    random_state: int = 0,
    diversify: bool = True,
) -> pd.DataFrame:
    """Pick ``n`` texts of ``pool`` (a frame with a ``text`` column) to label next.

    ``model`` (``uncertainty``; also the source of ``disagreement``'s first opinion) and
    ``second_model`` (``disagreement``) are fitted classifiers. ``exclude``: keys
    (:func:`text_key`) of texts already labelled. Returns the chosen rows of ``pool``,
    best first, with ``key``, ``strategy``, ``score`` (margin, disagreement or distance
    rank: see the strategy), and ``cluster``.
    """
    if strategy not in STRATEGIES:
        raise InputFileError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if "text" not in pool.columns:
        raise InputFileError("the pool of texts needs a 'text' column")
    if n < 1:
        raise InputFileError(f"--n must be at least 1, got {n}")
    frame = pool.copy()
    frame["text"] = frame["text"].astype(str)
    frame["key"] = frame["text"].map(text_key)
    excluded = set(exclude)
    keep = frame["text"].map(normalise).str.len().gt(0) & ~frame["key"].isin(excluded) & ~frame["key"].duplicated()
    dropped = int((~keep).sum())
    frame = frame[keep].reset_index(drop=True)
    if dropped:
        logger.info("pool: %d texts left out (already labelled, duplicates or empty)", dropped)
    if frame.empty:
        return frame.assign(strategy=strategy, score=np.array([], dtype=float), cluster=np.array([], dtype=int))
    texts = frame["text"].tolist()
    vectors = embed(texts, random_state=random_state)

    if strategy == "diverse":
        labels, centres = clusters(vectors, n, random_state=random_state)
        chosen = centres[:n]
        score = np.zeros(len(frame))
    else:
        if model is None:
            raise InputFileError(f"strategy {strategy!r} needs a model")
        if strategy == "uncertainty":
            score = margins(model.predict_proba(texts), getattr(model, "thresholds_", None))
            order = np.argsort(score, kind="stable")  # smallest margin first
        else:
            if second_model is None:
                raise InputFileError("strategy 'disagreement' needs two models (a baseline and a transformer)")
            score = disagreement(model.predict(texts), second_model.predict(texts))
            order = np.argsort(-score, kind="stable")  # most disagreement first
        if diversify and n > 1:
            candidates = order[: min(len(order), n * _CANDIDATES_PER_PICK)]
            labels = np.full(len(frame), -1)
            cand_labels, _ = clusters(vectors[candidates], max(2, n // 3), random_state=random_state)
            labels[candidates] = cand_labels
            chosen = spread(candidates, labels, n)
        else:
            labels = np.zeros(len(frame), dtype=int)
            chosen = order[:n]
    out = frame.iloc[chosen].copy()
    out["strategy"] = strategy
    out["score"] = np.round(score[chosen], 6)
    out["cluster"] = labels[chosen]
    return out.reset_index(drop=True)
