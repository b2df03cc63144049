"""Every KPI of the catalogue on the hand-built fixture (tests/kpis/fixture.py), March 2024.

Expected values are worked out by hand from the fixture's table in the comments.
Non-cancelled tickets created in March: T1, T2, T3, T5, T7, T10 (6); T4 is cancelled;
T6, T8 (February) and T9 (April) are outside the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feedback_nlp.kpis import KPI_IDS, KpiReport, KpiResult, Query, compute_kpis
from feedback_nlp.store import Store
from tests.kpis.fixture import build

MARCH = Query(start="2024-03-01", end="2024-03-31")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("kpis") / "store.duckdb"
    with build(Store(path)) as s:
        yield s


@pytest.fixture(scope="module")
def march(store: Store) -> KpiReport:
    # Themes are a colleague's module (tested there); everything else is computed here.
    ids = [i for i in KPI_IDS if i not in ("top_fault_themes", "emerging_themes")]
    return compute_kpis(store, MARCH, ids=ids)


def one(report: KpiReport, kpi_id: str) -> KpiResult:
    results = report.by_id(kpi_id)
    assert len(results) == 1, results
    return results[0]


# -- efficiency -------------------------------------------------------------------------


def test_first_response_time(march: KpiReport) -> None:
    # responses: T1 1h, T2 4h, T3 0.5h, T5 1.5h; T7 and T10 none.
    r = one(march, "first_response_time")
    assert r.value == pytest.approx(7 / 4)  # mean 1.75
    assert r.details["median"] == pytest.approx(1.25)  # (1 + 1.5) / 2
    assert r.details["p90"] == pytest.approx(3.25)  # sorted .5 1 1.5 4: 1.5 + 0.7 × 2.5
    assert r.sample_size == 4 and r.details["n_without_response"] == 2
    assert r.target == 2.0 and r.met is True and r.unit == "hours"


def test_response_sla_rate(march: KpiReport) -> None:
    r = one(march, "response_sla_rate")  # ≤ 2h: T1, T3, T5 of 4
    assert (r.numerator, r.denominator, r.value) == (3, 4, 0.75)
    assert r.target is None and r.met is None


def test_resolution_time(march: KpiReport) -> None:
    r = one(march, "resolution_time")  # T1 24h, T2 72h, T5 24h
    assert r.value == pytest.approx(40.0)
    assert r.details["median"] == pytest.approx(24.0)
    assert r.details["p90"] == pytest.approx(62.4)  # 24 + 0.8 × 48
    assert r.met is True  # 40 ≤ 48


def test_resolution_sla_rate(march: KpiReport) -> None:
    r = one(march, "resolution_sla_rate")  # ≤ 48h: T1, T5 of 3
    assert (r.numerator, r.denominator) == (2, 3) and r.value == pytest.approx(2 / 3)


def test_resolution_rate_excludes_cancelled(march: KpiReport) -> None:
    r = one(march, "resolution_rate")  # resolved/closed: T1, T2, T5 of 6 non-cancelled
    assert (r.numerator, r.denominator, r.value) == (3, 6, 0.5)
    assert r.details["n_cancelled"] == 1 and r.target == 0.9 and r.met is False


def test_first_time_fix_rate_leaves_unknown_out(march: KpiReport) -> None:
    r = one(march, "first_time_fix_rate")  # resolved: T1 yes, T2 no, T5 unknown
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)
    assert r.details["n_unknown"] == 1 and r.met is False


def test_backlog_at_end_of_window(march: KpiReport) -> None:
    # Open at 2024-04-01 00:00: T3, T10, T7 (open), T6 (in_progress, from February),
    # T8 (closed only on 04-05); T4 is cancelled, T1/T2/T5 were resolved in March.
    r = one(march, "backlog")
    assert r.value == 5
    assert r.details["at"].startswith("2024-04-01T00:00:00+08:00")


def test_backlog_overdue_rate(march: KpiReport) -> None:
    # Older than 48h at 04-01 00:00: T3, T10, T6, T8; T7 (03-31 20:00) is 4h old.
    r = one(march, "backlog_overdue_rate")
    assert (r.numerator, r.denominator, r.value) == (4, 5, 0.8)


def test_reopen_rate_counts_reopened_open_tickets(march: KpiReport) -> None:
    # Resolved at least once with reopened known: T1 (0), T2 (1), T5 (0), T7 (open again, 1).
    r = one(march, "reopen_rate")
    assert (r.numerator, r.denominator, r.value) == (2, 4, 0.5)


def test_repeat_problem_rate(march: KpiReport) -> None:
    # Resolved: T1 (leak), T2 (leak), T5 (fault unknown: left out). T2 came 8 days after T1's
    # resolution, same customer, serial and fault; T9 (leak, 28 days after T2) has another serial.
    r = one(march, "repeat_problem_rate")
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)
    assert r.details["n_excluded"] == 1 and r.target == 0.05 and r.met is False


def test_repeat_repair_rate(march: KpiReport) -> None:
    # Units with a March ticket: S1 (T1, T2), S2 (T3), S7 (T7); T4's S3 is cancelled. S1 returned in 9 days.
    r = one(march, "repeat_repair_rate")
    assert (r.numerator, r.denominator) == (1, 3) and r.value == pytest.approx(1 / 3)


def test_visits_per_ticket(march: KpiReport) -> None:
    r = one(march, "visits_per_ticket")  # T1 1, T2 2, T5 0; T4's 5 visits are cancelled
    assert (r.numerator, r.denominator, r.value) == (3, 3, 1.0)


def test_tickets_per_engineer(march: KpiReport) -> None:
    r = one(march, "tickets_per_engineer")  # E1: T1, T2; E2: T3, T7; T5 and T10 unassigned
    assert r.value == 2.0 and r.details["per_engineer"] == {"E1": 2, "E2": 2}
    assert r.details["n_unassigned"] == 2


def test_workload_growth_against_previous_window(march: KpiReport) -> None:
    # Previous window 2024-01-30 … 2024-02-29: T6, T8 → 6 / 2 − 1.
    r = one(march, "workload_growth")
    assert (r.numerator, r.denominator, r.value) == (6, 2, 2.0)
    assert str(r.details["previous_from"]) == "2024-01-30" and str(r.details["previous_to"]) == "2024-02-29"


# -- satisfaction -------------------------------------------------------------------------


def test_csat_score(march: KpiReport) -> None:
    # Follow-ups of March tickets: U1 5, U3 2 (U4's ticket is cancelled, U5 unrated, U6's ticket is
    # from February); feedback ratings in March: F1 4, F2 1 (F4 is February) → 12 / 4.
    r = one(march, "csat_score")
    assert r.value == pytest.approx(3.0) and r.sample_size == 4
    assert r.details == {"n_followup": 2, "n_feedback": 2}


def test_csat_rate(march: KpiReport) -> None:
    r = one(march, "csat_rate")  # ≥ 4: U1 5, F1 4
    assert (r.numerator, r.denominator, r.value) == (2, 4, 0.5)
    assert r.target == 0.95 and r.met is False


def test_satisfaction_distribution(march: KpiReport) -> None:
    r = one(march, "satisfaction_distribution")
    counts = {k: v["count"] for k, v in r.details["counts"].items()}
    assert counts == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1} and r.value == 4
    assert r.details["counts"]["4"]["share"] == 0.25


def test_nps(march: KpiReport) -> None:
    # NPS answers: U1 10 (promoter), U3 7 (passive); U4's 0 belongs to a cancelled ticket.
    r = one(march, "nps")
    assert r.value == pytest.approx(50.0) and r.denominator == 2
    assert r.details == {"promoters": 1, "detractors": 0, "passives": 1}


def test_recommendation_rate(march: KpiReport) -> None:
    r = one(march, "recommendation_rate")
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)


def test_service_quality_scores(march: KpiReport) -> None:
    # attitude: 5, 3 → 4; professionalism: 4 → 4; effectiveness: 5, 2 → 3.5; mean of means 11.5 / 3.
    r = one(march, "service_quality_scores")
    assert r.value == pytest.approx(11.5 / 3)
    assert r.details["effectiveness_score"] == {"mean": 3.5, "n": 2}
    assert r.sample_size == 2


def test_complaint_rate_and_per_1000_units(march: KpiReport) -> None:
    # Complaints: T2, T3, T10 of 6 (T4 cancelled). Units sold in March: O5 3 + O6 1 + O7 2 = 6.
    r = one(march, "complaint_rate")
    assert (r.numerator, r.denominator, r.value) == (3, 6, 0.5)
    assert r.details["per_1000_units"] == pytest.approx(500.0) and r.details["units_sold"] == 6


def test_repeat_complaint_rate(march: KpiReport) -> None:
    # Complaining customers: C1 (T2 leak), C2 (T3 predicted temperature, T10 coded 制冷/制热/温控).
    r = one(march, "repeat_complaint_rate")
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)


def test_followup_rate(march: KpiReport) -> None:
    r = one(march, "followup_rate")  # resolved T1 (none), T2 (U1–U3), T5 (U5)
    assert (r.numerator, r.denominator) == (2, 3)


def test_followup_reach_rate_per_method(march: KpiReport) -> None:
    # Attempts: U1 phone ✓, U2 phone ✗, U3 sms ✓, U5 no method ✓.
    r = one(march, "followup_reach_rate")
    assert (r.numerator, r.denominator, r.value) == (3, 4, 0.75)
    per = r.details["per_method"]
    assert per["phone"] == {"attempts": 2, "reached": 1, "rate": 0.5}
    assert per["sms"]["rate"] == 1.0 and per["(missing)"]["attempts"] == 1


def test_feedback_rate(march: KpiReport) -> None:
    # T1: F1 is not linked, no follow-up → no; T2: U1 rated → yes (its note row followup:U2 alone
    # would not count); T5: F6 (complaint) linked → yes.
    r = one(march, "feedback_rate")
    assert (r.numerator, r.denominator) == (2, 3)


# -- quality -----------------------------------------------------------------------------


def test_fault_type_distribution_mixes_coded_and_predicted(march: KpiReport) -> None:
    # T1 漏水/渗漏 → leak, T2 leak, T3 predicted temperature (F3), T7 none, T10 制冷/制热/温控 → temperature;
    # T5 has neither (F6 unclassified).
    r = one(march, "fault_type_distribution")
    counts = {k: v["count"] for k, v in r.details["counts"].items()}
    assert counts == {"leak": 2, "temperature": 2, "none": 1}
    assert r.value == 5 and r.details["n_unknown"] == 1
    assert r.details["counts"]["leak"]["share"] == pytest.approx(0.4)
    assert r.details["counts"]["temperature"]["name_zh"] == "制冷/制热/温控"
    assert list(r.details["counts"])[-1] == "none"  # ranked by count


def test_fault_rate(march: KpiReport) -> None:
    # Fault tickets: T1, T2, T3, T5 (unknown fault presumed a fault), T10; T7 is 'none'. Units: 6.
    r = one(march, "fault_rate")
    assert (r.numerator, r.denominator) == (5, 6) and r.value == pytest.approx(5 / 6)


def test_early_failure_rate(march: KpiReport) -> None:
    # Ages: T1 10 days (local date 03-01, not the UTC 02-29), T2 19, T5 449; T3, T10 no purchase date.
    r = one(march, "early_failure_rate")
    assert (r.numerator, r.denominator) == (2, 3)
    assert r.details["n_without_purchase_date"] == 2 and r.details["n_fault_tickets"] == 5


def test_failure_age_distribution(march: KpiReport) -> None:
    r = one(march, "failure_age_distribution")
    counts = {k: v["count"] for k, v in r.details["buckets"].items()}
    assert counts == {"0-7": 0, "8-30": 2, "31-90": 0, "91-365": 0, "366-730": 1, ">730": 0}
    assert r.value == 3


def test_severity_distribution(march: KpiReport) -> None:
    r = one(march, "severity_distribution")  # T1 major, T2 normal, T3 minor, T5 critical; T7, T10 empty
    assert r.value == 4 and r.details["n_unknown"] == 2
    assert {k: v["count"] for k, v in r.details["counts"].items()} == {"critical": 1, "major": 1, "minor": 1,
                                                                        "normal": 1}


def test_return_rate_on_units(march: KpiReport) -> None:
    r = one(march, "return_rate")  # T5 returned (T4 cancelled) ÷ 6 units
    assert (r.numerator, r.denominator) == (1, 6) and r.details["basis"] == "units_sold"


# -- cost ---------------------------------------------------------------------------------


def test_total_cost(march: KpiReport) -> None:
    r = one(march, "total_cost")  # T1 160, T2 200, T5 40; T3/T7/T10 uncosted
    assert r.value == pytest.approx(400.0) and r.sample_size == 3


def test_cost_breakdown(march: KpiReport) -> None:
    r = one(march, "cost_breakdown")  # labor 100 + 200 + 40, material 50, logistics 10, other 0
    assert r.details["labor_cost"] == {"amount": 340.0, "share": pytest.approx(0.85)}
    assert r.details["material_cost"]["share"] == pytest.approx(0.125)
    assert r.details["other_cost"]["amount"] == 0.0


def test_cost_per_ticket(march: KpiReport) -> None:
    r = one(march, "cost_per_ticket")
    assert (r.numerator, r.denominator) == (400, 3) and r.value == pytest.approx(133.3333, rel=1e-5)


def test_cost_revenue_ratio(march: KpiReport) -> None:
    r = one(march, "cost_revenue_ratio")  # revenue 200 + 100 + 0
    assert r.denominator == 300 and r.value == pytest.approx(4 / 3)


def test_cost_satisfaction_correlation_needs_three_tickets(march: KpiReport) -> None:
    # Only T2 has both a cost and a follow-up satisfaction (U5 of T5 is unrated).
    r = one(march, "cost_satisfaction_correlation")
    assert r.value is None and r.sample_size == 1 and "need 3" in (r.reason or "")


# -- retention ----------------------------------------------------------------------------


def test_churn_rate(march: KpiReport) -> None:
    # Base (orders 2023-03-01 … 2024-02-29): C1, C2, C3, C6 (C4's order is older). Active in March:
    # C1 (O5), C2 (T3), C3 (T4 counts as contact even though cancelled, T5). C6 churned.
    r = one(march, "churn_rate")
    assert (r.numerator, r.denominator, r.value) == (1, 4, 0.25)


def test_repurchase_rate(march: KpiReport) -> None:
    r = one(march, "repurchase_rate")  # March buyers: C1 (1 order), C5 (2 orders)
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)


# -- text -----------------------------------------------------------------------------------


def test_model_defaults_to_most_recent_predictions(march: KpiReport) -> None:
    assert march.model == "demo@v1"


def test_sentiment_distribution(march: KpiReport) -> None:
    # March feedback with a demo@v1 prediction: F1 positive, F2 negative, F3 negative, followup:U2
    # neutral (F4 is February, F6 unclassified).
    r = one(march, "sentiment_distribution")
    assert r.value == 4
    assert {k: v["count"] for k, v in r.details["counts"].items()} == {"negative": 2, "neutral": 1, "positive": 1}


def test_negative_rate(march: KpiReport) -> None:
    r = one(march, "negative_rate")
    assert (r.numerator, r.denominator, r.value) == (2, 4, 0.5)


def test_aspect_mentions(march: KpiReport) -> None:
    # attitude: F1 (positive), F2 (negative); response: F2; communication: followup:U2.
    r = one(march, "aspect_mentions")
    assert r.value == 4
    aspects = r.details["aspects"]
    assert aspects["attitude"] == {"count": 2, "share_of_feedback": 0.5, "negative_share": 0.5}
    assert aspects["response"]["negative_share"] == 1.0 and aspects["communication"]["negative_share"] == 0.0


def test_text_kpis_of_another_model(store: Store) -> None:
    report = compute_kpis(store, MARCH, ids=["negative_rate"], model="old@v0")
    r = one(report, "negative_rate")  # old@v0 classified only F1, as negative
    assert (r.numerator, r.denominator) == (1, 1) and report.model == "old@v0"
