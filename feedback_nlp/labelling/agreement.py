"""Agreement between two labellers on the texts both labelled.

Cohen's κ for the single-choice heads (sentiment, primary fault), and for each label
of the multi-label heads the F1 of one labeller's set against the other's (symmetric:
F1 does not care which one is called the reference), plus the micro-F1 of each head
and the share of texts whose whole set agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's κ of two equally long label lists: (p_o − p_e) / (1 − p_e).

    1.0 when both lists are one and the same constant (no chance to disagree).
    """
    if len(a) != len(b):
        raise ValueError(f"label lists differ in length: {len(a)} and {len(b)}")
    if not len(a):
        return float("nan")
    categories = sorted(set(a) | set(b), key=str)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    n = table.sum()
    observed = np.trace(table) / n
    expected = float((table.sum(axis=0) * table.sum(axis=1)).sum() / n**2)
    if expected >= 1.0:
        return 1.0
    return float((observed - expected) / (1 - expected))


def _f1(tp: int, fp: int, fn: int) -> float | None:
    return None if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


@dataclass
class AgreementReport:
    n: int
    kappa: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)
    micro_f1: dict[str, float | None] = field(default_factory=dict)
    exact_set: dict[str, float] = field(default_factory=dict)
    per_label_f1: dict[str, dict[str, float | None]] = field(default_factory=dict)
    support: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "kappa": self.kappa, "accuracy": self.accuracy, "micro_f1": self.micro_f1,
                "exact_set": self.exact_set, "per_label_f1": self.per_label_f1,
                "support": {h: {c: list(v) for c, v in s.items()} for h, s in self.support.items()}}  # fmt: skip


def agreement(a: pd.DataFrame, b: pd.DataFrame) -> AgreementReport:
    """Agreement of two label frames aligned row by row (the same texts, in order)."""
    if len(a) != len(b):
        raise ValueError(f"frames differ in length: {len(a)} and {len(b)}")
    report = AgreementReport(n=len(a))
    for head in ("sentiment", "primary_fault"):
        if head in a.columns and head in b.columns:
            x, y = a[head].astype(str).tolist(), b[head].astype(str).tolist()
            report.kappa[head] = round(cohen_kappa(x, y), 4)
            report.accuracy[head] = round(float(np.mean([p == q for p, q in zip(x, y, strict=True)])), 4) if x else 0.0
    for head in ("fault_types", "aspects"):
        if head not in a.columns or head not in b.columns:
            continue
        sets_a = [set(v or ()) for v in a[head]]
        sets_b = [set(v or ()) for v in b[head]]
        codes = sorted(set().union(*sets_a, *sets_b)) if sets_a else []
        per_label: dict[str, float | None] = {}
        support: dict[str, tuple[int, int]] = {}
        total_tp = total_fp = total_fn = 0
        for code in codes:
            tp = sum(code in p and code in q for p, q in zip(sets_a, sets_b, strict=True))
            fp = sum(code in p and code not in q for p, q in zip(sets_a, sets_b, strict=True))
            fn = sum(code not in p and code in q for p, q in zip(sets_a, sets_b, strict=True))
            total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
            f1 = _f1(tp, fp, fn)
            per_label[code] = None if f1 is None else round(f1, 4)
            support[code] = (tp + fp, tp + fn)
        micro = _f1(total_tp, total_fp, total_fn)
        report.micro_f1[head] = None if micro is None else round(micro, 4)
        report.exact_set[head] = round(float(np.mean([p == q for p, q in zip(sets_a, sets_b, strict=True)])), 4) \
            if sets_a else 0.0  # fmt: skip
        report.per_label_f1[head] = per_label
        report.support[head] = support
    return report
