"""From scores to labels: threshold tuning, the exclusive ``none``, at-least-one and the primary fault."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_nlp.classifiers.decision import (
    DEFAULT_THRESHOLD,
    THRESHOLD_GRID,
    choose_primary,
    decide_multilabel,
    tune_thresholds,
)

CODES = ["power", "noise", "leak", "none"]


# -- tune_thresholds ------------------------------------------------------------------------
def test_tune_separates_a_clearly_separable_label() -> None:
    # Positives score 0.15–0.30, negatives at most 0.05: only a low threshold gets F1 = 1.
    rng = np.random.default_rng(0)
    positives = rng.uniform(0.15, 0.30, size=20)
    negatives = rng.uniform(0.0, 0.05, size=80)
    proba = np.concatenate([positives, negatives])[:, None]
    y_true = np.concatenate([np.ones(20), np.zeros(80)])[:, None]
    (threshold,) = tune_thresholds(y_true, proba)
    assert negatives.max() < threshold <= positives.min()
    assert threshold != DEFAULT_THRESHOLD
    assert threshold in THRESHOLD_GRID


def test_tune_prefers_the_threshold_nearest_one_half_on_ties() -> None:
    # Every threshold in (0.1, 0.9] separates perfectly, so 0.5 is chosen.
    proba = np.array([0.95, 0.92, 0.91, 0.1, 0.05, 0.0])[:, None]
    y_true = np.array([1, 1, 1, 0, 0, 0])[:, None]
    assert tune_thresholds(y_true, proba).tolist() == [0.5]


def test_tune_per_label() -> None:
    proba = np.array(
        [
            [0.20, 0.90],
            [0.25, 0.85],
            [0.30, 0.80],
            [0.02, 0.70],
            [0.01, 0.60],
            [0.03, 0.50],
        ]
    )
    y_true = np.array([[1, 1], [1, 1], [1, 1], [0, 0], [0, 0], [0, 0]])
    low, high = tune_thresholds(y_true, proba)
    assert 0.03 < low <= 0.20
    assert 0.70 < high <= 0.80


def test_tune_keeps_default_below_min_support() -> None:
    proba = np.array([[0.2, 0.2], [0.25, 0.25], [0.01, 0.01], [0.02, 0.02], [0.21, 0.21]])
    # Label 0 has two positives (< min_support=3), label 1 has three.
    y_true = np.array([[1, 1], [1, 1], [0, 0], [0, 0], [0, 1]])
    thresholds = tune_thresholds(y_true, proba, min_support=3, default=0.42)
    assert thresholds[0] == 0.42
    assert thresholds[1] != 0.42
    assert 0.02 < thresholds[1] <= 0.2
    assert tune_thresholds(y_true, proba, min_support=2)[0] != DEFAULT_THRESHOLD


def test_tune_with_no_positives_keeps_default() -> None:
    proba = np.linspace(0, 1, 10)[:, None]
    assert tune_thresholds(np.zeros((10, 1)), proba).tolist() == [DEFAULT_THRESHOLD]


# -- decide_multilabel ----------------------------------------------------------------------
def test_decide_orders_by_probability() -> None:
    proba = np.array([[0.6, 0.9, 0.7, 0.1]])
    assert decide_multilabel(proba, np.full(4, 0.5), CODES, none_code="none") == [["noise", "leak", "power"]]


def test_decide_drops_none_when_another_label_passes() -> None:
    proba = np.array([[0.1, 0.6, 0.0, 0.95], [0.1, 0.2, 0.0, 0.95]])
    out = decide_multilabel(proba, np.full(4, 0.5), CODES, none_code="none")
    assert out == [["noise"], ["none"]]


def test_decide_none_is_an_ordinary_label_without_none_code() -> None:
    proba = np.array([[0.1, 0.6, 0.0, 0.95]])
    assert decide_multilabel(proba, np.full(4, 0.5), CODES) == [["none", "noise"]]


def test_decide_at_least_one_picks_the_argmax() -> None:
    proba = np.array([[0.1, 0.3, 0.2, 0.25], [0.1, 0.1, 0.1, 0.4]])
    out = decide_multilabel(proba, np.full(4, 0.5), CODES, none_code="none", at_least_one=True)
    assert out == [["noise"], ["none"]]


def test_decide_aspects_may_be_empty() -> None:
    proba = np.array([[0.1, 0.3, 0.2], [0.1, 0.8, 0.6]])
    out = decide_multilabel(proba, np.full(3, 0.5), ["cost", "attitude", "logistics"], at_least_one=False)
    assert out == [[], ["attitude", "logistics"]]


def test_decide_uses_per_label_thresholds() -> None:
    proba = np.array([[0.2, 0.4, 0.45, 0.0]])
    thresholds = np.array([0.15, 0.5, 0.45, 0.5])
    assert decide_multilabel(proba, thresholds, CODES, none_code="none") == [["leak", "power"]]


def test_decide_no_rows() -> None:
    assert decide_multilabel(np.zeros((0, 4)), np.full(4, 0.5), CODES, none_code="none") == []


# -- choose_primary -------------------------------------------------------------------------
def test_primary_uses_primary_head_restricted_to_chosen() -> None:
    fault_proba = np.array([[0.2, 0.9, 0.8, 0.0]])
    # The primary head rates power highest, but power was not chosen: of noise and leak, leak wins.
    primary_proba = np.array([[0.6, 0.1, 0.3, 0.0]])
    assert choose_primary([["noise", "leak"]], primary_proba, fault_proba, CODES) == ["leak"]


def test_primary_without_primary_head_is_most_probable_chosen() -> None:
    fault_proba = np.array([[0.2, 0.7, 0.8, 0.0], [0.9, 0.6, 0.1, 0.0]])
    assert choose_primary([["noise", "leak"], ["noise"]], None, fault_proba, CODES) == ["leak", "noise"]


def test_primary_ties_broken_by_fault_score() -> None:
    fault_proba = np.array([[0.0, 0.6, 0.9, 0.0]])
    primary_proba = np.array([[0.0, 0.5, 0.5, 0.0]])
    assert choose_primary([["noise", "leak"]], primary_proba, fault_proba, CODES) == ["leak"]


def test_primary_of_an_empty_choice_is_the_fault_argmax() -> None:
    fault_proba = np.array([[0.1, 0.2, 0.3, 0.25]])
    assert choose_primary([[]], np.array([[0.9, 0.0, 0.0, 0.0]]), fault_proba, CODES) == ["leak"]


@pytest.mark.parametrize("seed", range(5))
def test_decisions_are_consistent_on_random_scores(seed: int) -> None:
    """Whatever the scores: a non-empty list, none alone, primary among the chosen."""
    rng = np.random.default_rng(seed)
    fault_proba = rng.random((50, 4))
    primary_proba = rng.dirichlet(np.ones(4), size=50)
    chosen = decide_multilabel(fault_proba, rng.uniform(0.2, 0.8, 4), CODES, none_code="none")
    primaries = choose_primary(chosen, primary_proba, fault_proba, CODES)
    for labels, primary in zip(chosen, primaries, strict=True):
        assert labels
        assert len(set(labels)) == len(labels)
        assert "none" not in labels or labels == ["none"]
        assert primary in labels
