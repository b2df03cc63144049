"""Promotion rule: a new model replaces the serving one only on better held-out scores."""

from __future__ import annotations

from feedback_nlp.classifiers.selection import compare_models

BASE = {"valid": {"fault_micro_f1": 0.99}, "gold": {"fault_micro_f1": 0.78, "primary_accuracy": 0.76,
                                                   "sentiment_accuracy": 0.91, "aspects_micro_f1": 0.74}}


def test_better_on_gold_wins_and_valid_is_never_used() -> None:
    cand = {"valid": {"fault_micro_f1": 0.5}, "gold": {"fault_micro_f1": 0.80, "primary_accuracy": 0.77,
                                                      "sentiment_accuracy": 0.91, "aspects_micro_f1": 0.74}}
    verdict = compare_models("ft@v1", cand, "baseline@v1", BASE)
    assert verdict.wins and verdict.set_name == "gold"
    assert verdict.incumbent_scores["fault_micro_f1"] == 0.78
    assert "0.8000" in verdict.format_text() and "beats" in verdict.reason


def test_higher_mean_with_lower_fault_f1_does_not_win() -> None:
    cand = {"gold": {"fault_micro_f1": 0.77, "primary_accuracy": 0.80, "sentiment_accuracy": 0.95,
                     "aspects_micro_f1": 0.80}}
    verdict = compare_models("ft@v1", cand, "baseline@v1", BASE)
    assert not verdict.wins and "lower fault micro-F1" in verdict.reason


def test_worse_mean_loses_and_sets_fall_back_in_order() -> None:
    cand = {"test_real": {"fault_micro_f1": 0.5}, "test": {"fault_micro_f1": 0.9}}
    inc = {"test_real": {"fault_micro_f1": 0.6}, "test": {"fault_micro_f1": 0.1}}
    verdict = compare_models("a@v1", cand, "b@v1", inc)
    assert verdict.set_name == "test_real" and not verdict.wins


def test_no_common_set_is_no_verdict() -> None:
    verdict = compare_models("a@v1", {"test": {"fault_micro_f1": 0.9}}, "b@v1", {"gold": {"fault_micro_f1": 0.1}})
    assert verdict.set_name is None and not verdict.wins and "no held-out set" in verdict.format_text()


def test_a_gold_win_must_hold_on_the_holdout_set_too() -> None:
    better = {"fault_micro_f1": 0.80, "primary_accuracy": 0.77, "sentiment_accuracy": 0.91, "aspects_micro_f1": 0.74}
    worse = {"fault_micro_f1": 0.70, "primary_accuracy": 0.70, "sentiment_accuracy": 0.80, "aspects_micro_f1": 0.60}
    inc = {**BASE, "holdout": dict(BASE["gold"])}
    lost = compare_models("ft@v1", {"gold": better, "holdout": worse}, "baseline@v1", inc)
    assert not lost.wins and "but not on holdout" in lost.reason
    won = compare_models("ft@v1", {"gold": better, "holdout": better}, "baseline@v1", inc)
    assert won.wins and "on holdout the mean differs by +0.0075" in won.reason
