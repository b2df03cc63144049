"""Blending the transformer's scores with a companion model's (the TF-IDF baseline).

The encoder and a bag-of-n-grams model make different mistakes: the n-gram model never
misses a keyword it has seen, the encoder generalises over wording. Per head, the
encoder's share ``w`` of ``w * encoder + (1 - w) * companion`` is chosen on validation
data by log loss over :data:`BLEND_GRID` (:func:`choose_weights`); :func:`blend` mixes
the scores at prediction time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.base import PRIMARY
from feedback_nlp.labels import multi_hot
from feedback_nlp.taxonomy import MULTI_LABEL_HEADS, Taxonomy

#: Blend weights tried for each head (the transformer's share).
BLEND_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)


def choose_weights(
    own: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame], y_valid: pd.DataFrame, taxonomy: Taxonomy
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Per head, the encoder's share with the lowest validation log loss, and the losses behind it.

    ``own`` and ``other`` are the encoder's and the companion's scores of the validation
    texts, ``y_valid`` their labels. A head the companion lacks, or no validation row
    labels, keeps the encoder alone (``w = 1``); ties go to the larger share. The losses
    (``encoder``, ``companion``, ``blend``) are given for the heads that were weighed.
    """
    weights: dict[str, float] = {}
    losses_by_head: dict[str, dict[str, float]] = {}
    for head, scores in own.items():
        if head not in other:
            weights[head] = 1.0
            continue
        known, truth = head_truth(y_valid, taxonomy, head)
        if known.sum() == 0:
            weights[head] = 1.0
            continue
        p, q = scores.to_numpy()[known], other[head][scores.columns].to_numpy()[known]
        losses = {float(w): log_loss(w * p + (1 - w) * q, truth[known], head) for w in BLEND_GRID}
        weights[head] = min(losses, key=lambda w: (losses[w], -w))
        losses_by_head[head] = {"encoder": losses[1.0], "companion": losses[0.0], "blend": losses[weights[head]]}
    return weights, losses_by_head


def blend(own: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame],
          weights: dict[str, float]) -> dict[str, pd.DataFrame]:  # fmt: skip
    """``w * own + (1 - w) * other`` per head (float32); a head with ``w = 1`` or no companion scores is ``own``'s."""
    out = {}
    for head, scores in own.items():
        w = weights.get(head, 1.0)
        if head not in other or w >= 1.0:
            out[head] = scores
            continue
        mixed = w * scores.to_numpy() + (1 - w) * other[head][scores.columns].to_numpy()
        out[head] = pd.DataFrame(mixed.astype(np.float32), columns=scores.columns)
    return out


def head_truth(y: pd.DataFrame, taxonomy: Taxonomy, head: str) -> tuple[np.ndarray, np.ndarray]:
    """(known rows, truth): a multi-hot matrix, or class indices for single-label heads."""
    if head in MULTI_LABEL_HEADS:
        return multi_hot(y[head].tolist(), taxonomy.head(head).codes)
    column = "primary_fault" if head == PRIMARY else head
    codes = taxonomy.fault_types.codes if head == PRIMARY else taxonomy.head(head).codes
    index = {code: j for j, code in enumerate(codes)}
    truth = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in y[column]], dtype=np.int64)
    return truth >= 0, truth


def log_loss(proba: np.ndarray, truth: np.ndarray, head: str) -> float:
    """Mean binary cross-entropy (multi-label heads) or negative log-likelihood."""
    proba = np.clip(proba, 1e-7, 1 - 1e-7)
    if head in MULTI_LABEL_HEADS:
        return float(-np.mean(truth * np.log(proba) + (1 - truth) * np.log(1 - proba)))
    return float(-np.mean(np.log(proba[np.arange(len(truth)), truth])))
