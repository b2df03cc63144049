"""From scores to labels: per-label thresholds, the exclusive ``none`` and the primary fault.

Every classifier produces probabilities; this module is the one place that turns
them into label sets, so the baseline and the transformer decide the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Thresholds tried when tuning; a fine grid matters little once probabilities are calibrated.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
DEFAULT_THRESHOLD = 0.5


def tune_thresholds(
    y_true: np.ndarray, proba: np.ndarray, *, min_support: int = 3, default: float = DEFAULT_THRESHOLD
) -> np.ndarray:
    """Per-label thresholds that maximise F1 on validation data.

    ``y_true`` and ``proba`` are ``(n_texts, n_labels)``. A label with fewer than
    ``min_support`` positives in the validation data keeps ``default``: tuning on two
    examples would fit noise. Ties go to the threshold nearest 0.5.
    """
    y_true = np.asarray(y_true, dtype=bool)
    proba = np.asarray(proba, dtype=float)
    thresholds = np.full(proba.shape[1], default, dtype=float)
    for j in range(proba.shape[1]):
        positives = y_true[:, j]
        if positives.sum() < min_support:
            continue
        predicted = proba[:, j][:, None] >= THRESHOLD_GRID[None, :]
        tp = (predicted & positives[:, None]).sum(axis=0)
        fp = (predicted & ~positives[:, None]).sum(axis=0)
        fn = (~predicted & positives[:, None]).sum(axis=0)
        f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        best = np.flatnonzero(f1 == f1.max())
        thresholds[j] = float(THRESHOLD_GRID[best[np.argmin(np.abs(THRESHOLD_GRID[best] - 0.5))]])
    return thresholds


def decide_multilabel(
    proba: np.ndarray,
    thresholds: np.ndarray,
    codes: Sequence[str],
    *,
    none_code: str | None = None,
    at_least_one: bool = True,
) -> list[list[str]]:
    """Label sets from probabilities, ordered by descending probability.

    ``none_code`` is exclusive: it is dropped when any other label passes its
    threshold. With ``at_least_one`` (fault types: every text has one, ``none``
    included) a text where nothing passes gets its most probable label.
    """
    codes = list(codes)
    none_j = codes.index(none_code) if none_code is not None else -1
    passed = proba >= thresholds[None, :]
    out: list[list[str]] = []
    for i in range(proba.shape[0]):
        row = proba[i]
        chosen = np.flatnonzero(passed[i])
        if none_j >= 0 and len(chosen) > 1:
            chosen = chosen[chosen != none_j]
        if len(chosen) == 0 and at_least_one:
            chosen = np.array([int(np.argmax(row))])
        order = chosen[np.argsort(-row[chosen], kind="stable")]
        out.append([codes[j] for j in order])
    return out


def choose_primary(
    fault_types: Sequence[Sequence[str]],
    primary_proba: np.ndarray | None,
    fault_proba: np.ndarray,
    codes: Sequence[str],
) -> list[str]:
    """The primary fault: of the chosen fault types, the one the primary head rates highest.

    Without a primary head (no primary labels in training) the most probable chosen
    fault type is primary.
    """
    index = {code: j for j, code in enumerate(codes)}
    scores = primary_proba if primary_proba is not None else fault_proba
    out = []
    for i, chosen in enumerate(fault_types):
        if not chosen:
            out.append(codes[int(np.argmax(fault_proba[i]))])
            continue
        out.append(max(chosen, key=lambda c: (scores[i, index[c]], fault_proba[i, index[c]])))
    return out
