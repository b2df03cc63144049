"""Grouping, periods, filters that do not apply, missing inputs and errors (fixture: tests/kpis/fixture.py)."""

from __future__ import annotations

import json
import sys
import types
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from feedback_nlp.config import KpiTargets
from feedback_nlp.kpis import KPI_IDS, MISSING_GROUP, Query, QueryError, UnknownKpiError, compute_kpi, compute_kpis
from feedback_nlp.predictions import PredictionsError
from feedback_nlp.store import Store
from tests.kpis.fixture import TICKETS, build, insert

MARCH = Query(start="2024-03-01", end="2024-03-31")
NO_THEMES = [i for i in KPI_IDS if i not in ("top_fault_themes", "emerging_themes")]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with build(Store(tmp_path_factory.mktemp("edges") / "store.duckdb")) as s:
        yield s


def by_group(store: Store, kpi_id: str, query: Query, **kw: Any) -> dict[Any, Any]:
    return {(r.group, r.period): r for r in compute_kpi(store, kpi_id, query, **kw)}


def test_group_by_region(store: Store) -> None:
    # 华东: T1, T2 both resolved; 华南: T3, T5, T7, T10 → only T5.
    got = by_group(store, "resolution_rate", MARCH.replace(group_by="region"))
    assert set(got) == {("华东", None), ("华南", None)}
    assert got[("华东", None)].value == 1.0 and got[("华南", None)].value == 0.25


def test_group_with_missing_dimension_value(store: Store) -> None:
    # E1: T1, T2 (resolved); E2: T3, T7 (open); no engineer: T5 (resolved), T10 (open).
    got = by_group(store, "resolution_rate", MARCH.replace(group_by="engineer_id"))
    assert got[("E1", None)].value == 1.0 and got[("E2", None)].value == 0.0
    assert got[(MISSING_GROUP, None)].value == 0.5


def test_period_month(store: Store) -> None:
    q = Query(start="2024-02-01", end="2024-03-31", period="month")
    rates = by_group(store, "resolution_rate", q)
    assert rates[(None, date(2024, 2, 1))].value == 0.5  # T6 in progress, T8 closed
    assert rates[(None, date(2024, 3, 1))].value == 0.5  # 3 of 6
    backlog = by_group(store, "backlog", q)
    assert backlog[(None, date(2024, 2, 1))].value == 2  # at 03-01 00:00: T6, T8
    assert backlog[(None, date(2024, 3, 1))].value == 5


def test_workload_growth_by_period_compares_with_period_before(store: Store) -> None:
    got = by_group(store, "workload_growth", MARCH.replace(period="month"))
    r = got[(None, date(2024, 3, 1))]
    assert (r.numerator, r.denominator, r.value) == (6, 2, 2.0)  # March 6, February T6 + T8


def test_churn_by_month(store: Store) -> None:
    # February base (orders 2023-02-01 … 2024-01-31): C1, C2, C3, C6; in February only C4 (T6) and
    # C5 (T8) were active → all 4 churned. March: see test_values (1 of 4).
    got = by_group(store, "churn_rate", Query(start="2024-02-01", end="2024-03-31", period="month"))
    assert got[(None, date(2024, 2, 1))].value == 1.0 and got[(None, date(2024, 3, 1))].value == 0.25


def test_open_ended_window(store: Store) -> None:
    report = compute_kpis(store, Query(), ids=["backlog", "workload_growth", "churn_rate"])
    # T = just after the latest created_at (T9, 04-10 10:00): open then T3, T6, T7, T10 and T9 itself
    # (resolved 04-11); T8 was resolved 04-05.
    assert report.get("backlog").value == 5
    assert report.window["backlog_at"].startswith("2024-04-10T10:00:00")
    for kpi_id in ("workload_growth", "churn_rate"):
        r = report.get(kpi_id)
        assert r.value is None and "--from" in (r.reason or "")


def test_empty_window_is_null_not_zero(store: Store) -> None:
    report = compute_kpis(store, Query(start="2030-01-01", end="2030-01-31"), ids=NO_THEMES)
    for r in report.results:
        if r.id in ("backlog", "backlog_overdue_rate"):
            # Still open at 2030-02-01: T3, T6, T7, T10, all older than 48h.
            assert (r.value, r.sample_size) == ((4 if r.id == "backlog" else 1.0), 4)
            continue
        assert r.value is None and r.reason, r


def test_timezone_moves_the_window(store: Store) -> None:
    # T1 (03-01 07:00 Shanghai) is 02-29 23:00 UTC: in UTC March has 5 non-cancelled tickets.
    r = compute_kpi(store, "resolution_rate", MARCH, timezone="UTC")[0]
    assert r.denominator == 5


def test_source_filter_does_not_apply_to_tickets(store: Store) -> None:
    report = compute_kpis(store, MARCH.replace(filters={"source": ["review"]}),
                          ids=["resolution_rate", "fault_rate", "csat_score", "nps", "negative_rate"])
    for kpi_id in ("resolution_rate", "fault_rate"):
        r = report.get(kpi_id)
        assert r.value is None and "'source'" in (r.reason or "")
    assert report.get("csat_score").value == pytest.approx(2.5)  # reviews only: F1 4, F2 1
    assert report.get("nps").value is None  # follow-ups are source 'followup'
    assert report.get("negative_rate").value == pytest.approx(0.5)  # F1 positive, F2 negative


def test_followup_source_for_csat(store: Store) -> None:
    r = compute_kpi(store, "csat_score", MARCH.replace(filters={"source": ["followup"]}))[0]
    assert r.value == pytest.approx(3.5)  # U1 5, U3 2


def test_region_filter_reaches_feedback_through_ticket(store: Store) -> None:
    # 华东 feedback = feedback linked to a 华东 ticket: followup:U2 (T2), neutral.
    r = compute_kpi(store, "negative_rate", MARCH.replace(filters={"region": ["华东"]}))[0]
    assert (r.numerator, r.denominator) == (0, 1)


def test_region_filter_nulls_order_based_kpis(store: Store) -> None:
    report = compute_kpis(store, MARCH.replace(filters={"region": ["华东"]}),
                          ids=["fault_rate", "repurchase_rate", "return_rate"])
    assert "'region'" in (report.get("fault_rate").reason or "")
    assert report.get("repurchase_rate").value is None
    ret = report.get("return_rate")  # 华东 T1, T2 not returned: basis falls back to tickets
    assert ret.details["basis"] == "tickets" and ret.value == 0.0


def test_no_orders(tmp_path: Path) -> None:
    with build(Store(tmp_path / "s.duckdb"), orders=False) as store:
        report = compute_kpis(store, MARCH, ids=["fault_rate", "return_rate", "churn_rate", "complaint_rate"])
    assert report.get("fault_rate").value is None and "units sold" in (report.get("fault_rate").reason or "")
    ret = report.get("return_rate")  # T5 returned of T1, T2, T5, T7 with returned recorded
    assert ret.details["basis"] == "tickets" and (ret.numerator, ret.denominator) == (1, 4)
    assert report.get("churn_rate").value is None
    assert report.get("complaint_rate").details["per_1000_units"] is None


def test_no_predictions(tmp_path: Path) -> None:
    with build(Store(tmp_path / "s.duckdb"), predictions=False) as store:
        report = compute_kpis(store, MARCH, ids=["sentiment_distribution", "negative_rate", "aspect_mentions",
                                                 "top_fault_themes", "emerging_themes", "fault_type_distribution"])
    for kpi_id in ("sentiment_distribution", "negative_rate", "aspect_mentions", "top_fault_themes",
                   "emerging_themes"):
        r = report.get(kpi_id)
        assert r.value is None and "feedback-nlp classify-store" in (r.reason or "")
    assert report.model is None
    # Agent-coded faults only: leak (T1, T2), temperature (T10), none (T7); T3 and T5 unknown.
    dist = report.get("fault_type_distribution")
    assert {k: v["count"] for k, v in dist.details["counts"].items()} == {"leak": 2, "temperature": 1, "none": 1}
    assert dist.details["n_unknown"] == 2


def test_all_tickets_open(tmp_path: Path) -> None:
    rows = [{**t, "status": "open", "resolved_at": None, "closed_at": None, "first_time_fix": None}
            for t in TICKETS if t["ticket_id"] in ("T3", "T10")]
    with Store(tmp_path / "s.duckdb") as store:
        insert(store, "tickets", rows)
        report = compute_kpis(store, MARCH, ids=["resolution_rate", "first_time_fix_rate", "resolution_time",
                                                 "reopen_rate", "followup_rate", "repeat_problem_rate", "backlog"])
    assert report.get("resolution_rate").value == 0.0
    for kpi_id in ("first_time_fix_rate", "resolution_time", "reopen_rate", "followup_rate", "repeat_problem_rate"):
        r = report.get(kpi_id)
        assert r.value is None and r.reason, kpi_id
    assert report.get("backlog").value == 2


def test_spearman_with_ties(tmp_path: Path) -> None:
    # Costs 10, 20, 30, 40 → ranks 1..4; satisfaction 1, 3, 3, 5 → ranks 1, 2.5, 2.5, 4.
    # Pearson on ranks: Σdx·dy = 2.25 + 0 + 0 + 2.25 = 4.5; Σdx² = 5; Σdy² = 4.5 → 4.5 / √22.5 = 3/√10.
    tickets = [{"ticket_id": f"X{i}", "customer_id": "C", "created_at": "2024-03-05 10:00:00+08:00",
                "status": "closed", "labor_cost": 10 * i} for i in range(1, 5)]
    followups = [{"followup_id": f"U{i}", "ticket_id": f"X{i}", "contacted_at": "2024-03-06 10:00:00+08:00",
                  "reached": True, "satisfaction": s} for i, s in zip(range(1, 5), (1, 3, 3, 5), strict=True)]
    with Store(tmp_path / "s.duckdb") as store:
        insert(store, "tickets", tickets)
        insert(store, "followups", followups)
        r = compute_kpi(store, "cost_satisfaction_correlation", MARCH)[0]
    assert r.value == pytest.approx(3 / 10**0.5) and r.sample_size == 4


def test_unknown_kpi_lists_valid_ids(store: Store) -> None:
    with pytest.raises(UnknownKpiError, match="valid ids: first_response_time") as info:
        compute_kpis(store, MARCH, ids=["csat", "nps"])
    assert "'csat'" in str(info.value)
    assert isinstance(info.value, QueryError)


def test_unknown_model_is_an_error(store: Store) -> None:
    with pytest.raises(PredictionsError, match="classify-store"):
        compute_kpis(store, MARCH, ids=["negative_rate"], model="nope@v9")


def test_target_overrides(store: Store) -> None:
    report = compute_kpis(store, MARCH, ids=["csat_rate", "first_response_time", "response_sla_rate", "nps"],
                          targets={"csat_rate": 0.4, "first_response_hours": 1.0, "nps": 60})
    assert report.get("csat_rate").met is True  # 0.5 ≥ 0.4
    assert report.get("first_response_time").met is False  # 1.75 > 1
    sla = report.get("response_sla_rate")  # ≤ 1h now: T1 (1h), T3 (0.5h)
    assert (sla.numerator, sla.denominator) == (2, 4)
    assert report.get("nps").target == 60 and report.get("nps").met is False
    with pytest.raises(QueryError, match="not a KPI with a target"):
        compute_kpis(store, MARCH, ids=["nps"], targets={"satisfaction_distribution": 1})


def test_targets_from_settings_object(store: Store) -> None:
    r = compute_kpi(store, "resolution_rate", MARCH, targets=KpiTargets(resolution_rate=0.5))[0]
    assert r.target == 0.5 and r.met is True


def test_themes_module_unavailable(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "feedback_nlp.themes", None)  # import raises ImportError
    report = compute_kpis(store, MARCH, ids=["top_fault_themes", "emerging_themes"])
    assert [r.reason for r in report.results] == ["themes module unavailable"] * 2


def test_themes_are_wrapped(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    class Item:
        def __init__(self, n: int) -> None:
            self.n = n

        def to_dict(self) -> dict[str, int]:
            return {"n": self.n}

    def top_themes(store: Store, query: Query, *, model: str | None = None, top: int = 10) -> list[Item]:
        calls.append((query, model))
        return [Item(1), Item(2)]

    def emerging_issues(store: Store, query: Query, *, model: str | None = None) -> list[Item]:
        return []

    fake = types.ModuleType("feedback_nlp.themes")
    fake.top_themes = top_themes  # type: ignore[attr-defined]
    fake.emerging_issues = emerging_issues  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "feedback_nlp.themes", fake)
    report = compute_kpis(store, MARCH, ids=["top_fault_themes", "emerging_themes"])
    top = report.get("top_fault_themes")
    assert top.value == 2 and top.details["themes"] == [{"n": 1}, {"n": 2}]
    assert report.get("emerging_themes").value == 0 and calls == [(MARCH, "demo@v1")]


def test_report_serialises(store: Store) -> None:
    report = compute_kpis(store, MARCH.replace(period="month", group_by="region"), ids=NO_THEMES)
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert '"period": "2024-03-01"' in text
    frame = report.to_frame()
    assert len(frame) == len(report.results) and {"id", "value", "met", "reason", "details"} <= set(frame.columns)
    assert frame["details"].dropna().map(json.loads).map(type).eq(dict).all()


def test_read_only_store(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    build(Store(path)).close()
    with Store(path, read_only=True) as store:
        r = compute_kpi(store, "fault_type_distribution", MARCH)[0]  # builds a temp table
    assert r.value == 5


def test_fixed_offset_zones_skip_the_zone_lookup() -> None:
    from feedback_nlp.kpis.context import fixed_offset_us

    assert fixed_offset_us("Asia/Shanghai") == 8 * 3600 * 10**6 and fixed_offset_us("UTC") == 0
    assert fixed_offset_us("Europe/Berlin") is None  # daylight saving: per-row conversion


@pytest.mark.parametrize(("zone", "march"), [("Asia/Shanghai", 6), ("Europe/Berlin", 6), ("UTC", 5)])
def test_period_in_zones_with_and_without_daylight_saving(store: Store, zone: str, march: int) -> None:
    # T1 is 2024-02-29 23:00 UTC: 03-01 in Shanghai and Berlin, still February in UTC.
    q = Query(start="2024-02-01", end="2024-03-31", period="month")
    got = by_group(store, "resolution_rate", q, timezone=zone)
    assert got[(None, date(2024, 3, 1))].denominator == march
