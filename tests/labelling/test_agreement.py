"""Agreement between two labellers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from feedback_nlp.labelling import agreement, cohen_kappa


def test_kappa_of_a_worked_example() -> None:
    # 50 items: both yes 20, both no 15, A yes/B no 5, A no/B yes 10 → p_o 0.7, p_e 0.5, κ 0.4
    a = ["yes"] * 20 + ["no"] * 15 + ["yes"] * 5 + ["no"] * 10
    b = ["yes"] * 20 + ["no"] * 15 + ["no"] * 5 + ["yes"] * 10
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa(["x", "y"], ["y", "x"]) == pytest.approx(-1.0)
    assert math.isnan(cohen_kappa([], []))


def test_agreement_report_per_head_and_label() -> None:
    a = pd.DataFrame({"fault_types": [["noise"], ["leak", "installation"], ["none"], ["display"]],
                      "primary_fault": ["noise", "leak", "none", "display"],
                      "sentiment": ["negative", "negative", "positive", "neutral"],
                      "aspects": [[], ["professionalism"], ["attitude"], []]})
    b = pd.DataFrame({"fault_types": [["noise"], ["leak"], ["none"], ["software"]],
                      "primary_fault": ["noise", "leak", "none", "software"],
                      "sentiment": ["negative", "negative", "positive", "negative"],
                      "aspects": [[], ["professionalism"], ["attitude", "response"], []]})
    report = agreement(a, b)
    assert report.n == 4
    assert report.accuracy == {"sentiment": 0.75, "primary_fault": 0.75}
    assert report.kappa["sentiment"] == pytest.approx(cohen_kappa(list(a["sentiment"]), list(b["sentiment"])), abs=1e-4)
    assert report.per_label_f1["fault_types"]["leak"] == 1.0
    assert report.per_label_f1["fault_types"]["installation"] == 0.0
    assert report.per_label_f1["fault_types"]["display"] == 0.0
    assert report.support["fault_types"]["installation"] == (1, 0)
    assert report.micro_f1["fault_types"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1), abs=1e-4)
    assert report.exact_set["aspects"] == 0.75
