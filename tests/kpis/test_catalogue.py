"""The catalogue: one entry per KPI of shared/spec/kpis.md, targets from the settings."""

from __future__ import annotations

import pytest

import feedback_nlp.kpis as kpis
from feedback_nlp.config import KpiTargets
from feedback_nlp.kpis import CATALOGUE, KPI_IDS, UnknownKpiError, catalogue_frame, get_definition, resolve_targets
from feedback_nlp.kpis.compute import FAMILIES

SPEC_IDS = """first_response_time response_sla_rate resolution_time resolution_sla_rate resolution_rate
first_time_fix_rate backlog backlog_overdue_rate reopen_rate repeat_problem_rate repeat_repair_rate visits_per_ticket
tickets_per_engineer workload_growth csat_score csat_rate satisfaction_distribution nps recommendation_rate
service_quality_scores complaint_rate repeat_complaint_rate followup_rate followup_reach_rate feedback_rate
fault_type_distribution fault_rate early_failure_rate failure_age_distribution severity_distribution return_rate
total_cost cost_breakdown cost_per_ticket cost_revenue_ratio cost_satisfaction_correlation churn_rate repurchase_rate
sentiment_distribution negative_rate top_fault_themes aspect_mentions emerging_themes""".split()


def test_catalogue_matches_spec_in_order() -> None:
    assert list(KPI_IDS) == SPEC_IDS


def test_every_kpi_is_computed_by_exactly_one_family() -> None:
    computed = [i for ids, _ in FAMILIES for i in ids]
    assert sorted(computed) == sorted(KPI_IDS)


@pytest.mark.parametrize("kpi_id", SPEC_IDS)
def test_entries_are_complete(kpi_id: str) -> None:
    d = get_definition(kpi_id)
    assert d.name_zh and d.formula and d.unit and d.category in kpis.CATEGORIES
    assert d.direction in ("higher", "lower", "none")
    if d.target_key is not None:
        assert d.target_key in KpiTargets.model_fields and d.direction != "none"


def test_default_targets_from_spec() -> None:
    targets = resolve_targets()
    assert targets["first_response_time"] == 2.0 and targets["resolution_time"] == 48.0
    assert targets["resolution_rate"] == 0.90 and targets["first_time_fix_rate"] == 0.80
    assert targets["repeat_problem_rate"] == 0.05 and targets["csat_rate"] == 0.95
    assert targets["nps"] is None and targets["fault_type_distribution"] is None


def test_override_by_id_or_field() -> None:
    targets = resolve_targets({"resolution_time": 24, "first_response_hours": 1}, base=KpiTargets(nps=30))
    assert targets["resolution_time"] == 24.0 and targets["first_response_time"] == 1.0 and targets["nps"] == 30


def test_unknown_id() -> None:
    with pytest.raises(UnknownKpiError, match="valid ids: .*emerging_themes"):
        get_definition("mttr")


def test_catalogue_frame() -> None:
    frame = catalogue_frame(resolve_targets())
    assert len(frame) == len(CATALOGUE)
    row = frame.set_index("id").loc["csat_rate"]
    assert row["name_zh"] == "客户满意度 (满意率)" and row["target"] == 0.95
    assert row["category_zh"] == "客户满意度与服务质量"


def test_all_is_sorted_and_honest() -> None:
    assert kpis.__all__ == sorted(kpis.__all__)
    for name in kpis.__all__:
        assert hasattr(kpis, name)
