"""Does a freshly trained model beat the one serving now? Decided on held-out data only.

The comparison uses the first held-out set both models were scored on, in the order
of :data:`COMPARISON_SETS`: the hand-labelled real-text ``gold`` set when there is
one (it is the set that says how a model does on real customer text), else the
real-text test split, else the user's own ``test`` split. Never ``valid``: the
candidate's thresholds and blend weights were tuned on it.

Rule: the candidate wins when the mean of the headline metrics both models have is
higher *and* its fault-type micro-F1 (when both have it) is not lower. A model that
trades the product's main output for gains elsewhere is not promoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMPARISON_SETS: tuple[str, ...] = ("gold", "test_real", "test")
HEADLINE_METRICS: tuple[str, ...] = (
    "fault_micro_f1", "primary_accuracy", "sentiment_accuracy", "aspects_micro_f1",
)


@dataclass(frozen=True)
class Comparison:
    """The verdict with the numbers it rests on."""

    candidate: str
    incumbent: str
    set_name: str | None
    candidate_scores: dict[str, float] = field(default_factory=dict)
    incumbent_scores: dict[str, float] = field(default_factory=dict)
    wins: bool = False
    reason: str = ""

    def format_text(self) -> str:
        """A small table of both models' scores and the verdict."""
        if self.set_name is None:
            return f"{self.candidate} vs {self.incumbent}: {self.reason}"
        width = max(len(m) for m in self.candidate_scores) + 2
        lines = [f"held-out set: {self.set_name}",
                 f"{'metric':<{width}}{self.incumbent:>22}{self.candidate:>22}"]  # fmt: skip
        for metric, value in self.candidate_scores.items():
            lines.append(f"{metric:<{width}}{self.incumbent_scores[metric]:>22.4f}{value:>22.4f}")
        lines.append(f"{'mean':<{width}}{_mean(self.incumbent_scores):>22.4f}{_mean(self.candidate_scores):>22.4f}")
        lines.append(("→ " if self.wins else "✗ ") + self.reason)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "incumbent": self.incumbent, "set": self.set_name,
                "candidate_scores": self.candidate_scores, "incumbent_scores": self.incumbent_scores,
                "wins": self.wins, "reason": self.reason}  # fmt: skip


def _mean(scores: dict[str, float]) -> float:
    return sum(scores.values()) / len(scores) if scores else float("nan")


#: A second hand-labelled set: when both models were scored on it, the candidate must win there too.
CONFIRMATION_SET = "holdout"


def compare_models(
    candidate: str, candidate_metrics: dict[str, dict[str, float]],
    incumbent: str, incumbent_metrics: dict[str, dict[str, float]],
) -> Comparison:  # fmt: skip
    """Compare two models' ``metrics`` (``{set: {metric: value}}``, as in ``metadata.json``).

    Decided on the first of :data:`COMPARISON_SETS` both have; when that is ``gold`` and
    both were also scored on the second hand-labelled set (``holdout``), the candidate
    must win on both — two small sets halve the luck of one.
    """
    verdict = _compare(candidate, candidate_metrics, incumbent, incumbent_metrics, COMPARISON_SETS)
    if verdict.set_name != "gold":
        return verdict
    confirm = _compare(candidate, candidate_metrics, incumbent, incumbent_metrics, (CONFIRMATION_SET,))
    if confirm.set_name is None:
        return verdict
    if verdict.wins and not confirm.wins:
        return Comparison(candidate, incumbent, verdict.set_name, verdict.candidate_scores, verdict.incumbent_scores,
                          False, f"{verdict.reason}, but not on {CONFIRMATION_SET}: {confirm.reason}")  # fmt: skip
    margin = _mean(confirm.candidate_scores) - _mean(confirm.incumbent_scores)
    return Comparison(candidate, incumbent, verdict.set_name, verdict.candidate_scores, verdict.incumbent_scores,
                      verdict.wins, f"{verdict.reason}; on {CONFIRMATION_SET} the mean differs by {margin:+.4f}")


def _compare(
    candidate: str, candidate_metrics: dict[str, dict[str, float]],
    incumbent: str, incumbent_metrics: dict[str, dict[str, float]], sets: tuple[str, ...],
) -> Comparison:  # fmt: skip
    for set_name in sets:
        mine, theirs = candidate_metrics.get(set_name), incumbent_metrics.get(set_name)
        if not mine or not theirs:
            continue
        keys = [m for m in HEADLINE_METRICS if mine.get(m) is not None and theirs.get(m) is not None]
        if not keys:
            continue
        cand = {m: float(mine[m]) for m in keys}
        inc = {m: float(theirs[m]) for m in keys}
        better_mean = _mean(cand) > _mean(inc)
        faults_ok = "fault_micro_f1" not in cand or cand["fault_micro_f1"] >= inc["fault_micro_f1"]
        if better_mean and faults_ok:
            reason = (f"{candidate} beats {incumbent} on {set_name} (mean {_mean(cand):.4f} > {_mean(inc):.4f}, "
                      f"{_mean(cand) - _mean(inc):+.4f})")  # fmt: skip
        elif not better_mean:
            reason = (f"{candidate} does not beat {incumbent} on {set_name} (mean {_mean(cand):.4f} ≤ "
                      f"{_mean(inc):.4f}, {_mean(cand) - _mean(inc):+.4f})")  # fmt: skip
        else:
            reason = (f"{candidate} has a higher mean on {set_name} but a lower fault micro-F1 "
                      f"({cand['fault_micro_f1']:.4f} < {inc['fault_micro_f1']:.4f})")  # fmt: skip
        return Comparison(candidate, incumbent, set_name, cand, inc, better_mean and faults_ok, reason)
    return Comparison(candidate, incumbent, None, reason="no held-out set was scored for both models")
