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
    passed = proba >= thresholds[None, :]
    if none_code is not None:
        none_j = codes.index(none_code)
        others = passed.copy()
        others[:, none_j] = False
        passed[others.any(axis=1), none_j] = False
    order = np.argsort(-proba, axis=1, kind="stable")
    if at_least_one:
        empty = ~passed.any(axis=1)
        passed[empty, order[empty, 0]] = True
    passed_in_order = np.take_along_axis(passed, order, axis=1)
    # Vectorised above, plain lists below: per-row numpy calls would cost more than the model.
    return [
        [codes[j] for j, keep in zip(row_order, row_passed, strict=True) if keep]
        for row_order, row_passed in zip(order.tolist(), passed_in_order.tolist(), strict=True)
    ]


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
    scores = (primary_proba if primary_proba is not None else fault_proba).tolist()
    fallback = fault_proba.tolist()
    out = []
    for i, chosen in enumerate(fault_types):
        row, tie = scores[i], fallback[i]
        if not chosen:
            out.append(codes[max(range(len(codes)), key=tie.__getitem__)])
            continue
        out.append(max(chosen, key=lambda c: (row[index[c]], tie[index[c]])))
    return out
