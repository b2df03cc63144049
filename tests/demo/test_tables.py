"""The demo tables: determinism, integrity, schema rules, planted structure, written files."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_nlp.demo.tables import DemoData, generate_demo_data
from feedback_nlp.demo.text import FAULT_NAMES_ZH
from feedback_nlp.demo.writer import write_demo_files
from feedback_nlp.errors import ConfigError
from feedback_nlp.schema import FEEDBACK, FOLLOWUPS, ORDERS, TABLES, TICKETS
from feedback_nlp.store import FOLLOWUP_FEEDBACK_PREFIX

N = 2_000
SEED = 7


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate_demo_data(N, seed=SEED)


@pytest.fixture(scope="module")
def files(data: DemoData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_demo_files(data, tmp_path_factory.mktemp("demo"))


def _frames(d: DemoData) -> dict[str, pd.DataFrame]:
    return {"tickets": d.tickets, "feedback": d.feedback, "followups": d.followups, "orders": d.orders}


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600


# --------------------------------------------------------------------------- generation


def test_same_seed_same_data_other_seed_other_data(data: DemoData) -> None:
    again = generate_demo_data(N, seed=SEED)
    for name, frame in _frames(data).items():
        pd.testing.assert_frame_equal(frame, _frames(again)[name], obj=name)
    pd.testing.assert_frame_equal(data.labels, again.labels)
    assert again.emerging == data.emerging
    other = generate_demo_data(N, seed=SEED + 1)
    assert not other.tickets["created_at"].equals(data.tickets["created_at"])
    assert not other.feedback["text"].equals(data.feedback["text"])


def test_sizes_and_canonical_columns(data: DemoData) -> None:
    assert len(data.tickets) == N
    for name, frame in _frames(data).items():
        assert list(frame.columns) == list(TABLES[name].column_names), name
        assert len(frame) > 0, name
    assert list(data.labels.columns) == ["feedback_id", "fault_types", "primary_fault", "sentiment", "aspects"]
    # Several product lines, regions, channels, teams and engineers.
    assert data.tickets["product_line"].nunique() >= 8
    assert data.tickets["region"].nunique() == 7
    assert data.tickets["channel"].nunique() >= 5
    assert data.tickets["engineer_id"].nunique() >= 50


def test_too_few_tickets_is_refused() -> None:
    with pytest.raises(ConfigError, match="n_tickets"):
        generate_demo_data(50)


def test_references_between_tables_are_valid(data: DemoData) -> None:
    tickets, feedback, followups, orders = data.tickets, data.feedback, data.followups, data.orders
    ticket_ids = set(tickets["ticket_id"])
    customers = set(orders["customer_id"])
    assert set(followups["ticket_id"]) <= ticket_ids
    assert set(feedback["ticket_id"].dropna()) <= ticket_ids
    assert set(tickets["customer_id"]) <= customers
    assert set(feedback["customer_id"].dropna()) <= customers
    # A linked complaint is about the ticket's customer and product.
    linked = feedback.dropna(subset=["ticket_id"]).merge(tickets, on="ticket_id", suffixes=("", "_t"))
    assert len(linked) > 0
    for col in ("customer_id", "product_line", "product_model"):
        assert (linked[col] == linked[f"{col}_t"]).all(), col
    # One serial number is one unit: one customer, one model, one purchase date.
    per_unit = tickets.groupby("serial_no")[["customer_id", "product_model", "purchase_date"]].nunique()
    assert (per_unit == 1).all().all()
    assert (tickets["serial_no"].value_counts() >= 2).any()  # repeat repairs exist
    # Every text has gold labels, and only texts do.
    notes = followups.loc[followups["note"].notna(), "followup_id"]
    expected = set(feedback["feedback_id"]) | {FOLLOWUP_FEEDBACK_PREFIX + f for f in notes}
    assert set(data.labels["feedback_id"]) == expected
    assert data.labels["feedback_id"].is_unique


@pytest.mark.parametrize("table", ["tickets", "feedback", "followups", "orders"])
def test_every_row_obeys_the_data_model(data: DemoData, table: str) -> None:
    spec = TABLES[table]
    frame = _frames(data)[table]
    assert frame[spec.key].is_unique
    for col in spec.columns:
        s = frame[col.name]
        if col.required:
            assert s.notna().all(), col.name
        present = s.dropna()
        if col.enum:
            assert set(present) <= set(col.enum), col.name
        if col.min_value is not None:
            assert (present >= col.min_value).all(), col.name
        if col.max_value is not None:
            assert (present <= col.max_value).all(), col.name
        if col.type == "timestamp":
            assert str(s.dt.tz) == "Asia/Shanghai", col.name
            assert present.dt.year.between(2015, data.end.year).all(), col.name
    for earlier, later in spec.time_order:
        both = frame[[earlier, later]].dropna()
        assert (both[later] >= both[earlier]).all(), (earlier, later)
    if spec.text_column:
        text = frame[spec.text_column].dropna()
        assert (text.str.strip().str.len() > 0).all()
    last = pd.Timestamp(data.end + timedelta(days=1), tz="Asia/Shanghai")
    for col in spec.columns:
        if col.type == "timestamp":
            assert (frame[col.name].dropna() < last).all(), col.name


def test_ticket_states_are_consistent(data: DemoData) -> None:
    t = data.tickets
    done = t["status"].isin(["resolved", "closed"])
    assert t.loc[done, "resolved_at"].notna().all()
    assert t.loc[~done, "resolved_at"].isna().all()
    assert t.loc[t["status"] == "closed", "closed_at"].notna().all()
    assert t.loc[t["status"].isin(["open", "in_progress"]), "closed_at"].isna().all()
    assert t.loc[t["status"] == "open", "first_response_at"].isna().all()
    assert t.loc[done, "first_time_fix"].notna().all()
    share = t["status"].value_counts(normalize=True)
    assert share["closed"] > 0.8
    assert share.get("open", 0) + share.get("in_progress", 0) > 0
    # What is still open is recent (apart from a few stuck tickets).
    unfinished = t.loc[t["status"].isin(["open", "in_progress"]), "created_at"]
    assert (unfinished > unfinished.max() - pd.Timedelta(days=60)).mean() > 0.7
    purchase = t["purchase_date"].dt.tz_localize("Asia/Shanghai")
    assert (purchase <= t["created_at"]).all()
    cost_cols = ["labor_cost", "material_cost", "logistics_cost", "other_cost"]
    assert t.loc[done, cost_cols].notna().all().all()
    assert t.loc[done, cost_cols].sum(axis=1).gt(0).all()
    # Service revenue only from out-of-warranty repairs: some but not all.
    assert 0.05 < (t.loc[done, "revenue"] > 0).mean() < 0.95
    coded = t["fault_type"].notna().mean()
    assert 0.6 < coded < 0.8
    assert set(t["fault_type"].dropna()) <= set(FAULT_NAMES_ZH.values())


def test_followups_follow_resolution_and_unreached_have_no_scores(data: DemoData) -> None:
    f = data.followups.merge(data.tickets[["ticket_id", "resolved_at", "status"]], on="ticket_id")
    assert f["status"].isin(["resolved", "closed"]).all()
    assert (f["contacted_at"] >= f["resolved_at"]).all()
    scores = ["satisfaction", "nps", "attitude_score", "professionalism_score", "effectiveness_score"]
    assert f.loc[~f["reached"], scores].isna().all().all()
    assert f.loc[f["reached"], "satisfaction"].notna().all()
    assert 0.4 < f["reached"].mean() < 0.9
    resolved = data.tickets["status"].isin(["resolved", "closed"]).sum()
    assert 0.5 < f["ticket_id"].nunique() / resolved < 0.95  # not every ticket is followed up


# --------------------------------------------------------------------------- planted structure


def test_sla_breaches_in_a_plausible_band(data: DemoData) -> None:
    t = data.tickets
    response = _hours(t["first_response_at"], t["created_at"]).dropna()
    resolution = _hours(t["resolved_at"], t["created_at"]).dropna()
    assert 0.08 < (response > 2).mean() < 0.30
    assert 0.08 < (resolution > 48).mean() < 0.30
    # Right skew: the mean is well above the median.
    assert resolution.mean() > 1.3 * resolution.median()
    # Weekends and holidays are slower to answer.
    weekend = t["created_at"].dt.day_of_week >= 5
    hours = _hours(t["first_response_at"], t["created_at"])
    assert hours[weekend].median() > hours[~weekend].median()


def test_satisfaction_falls_with_resolution_time_and_failed_fixes(data: DemoData) -> None:
    f = data.followups.merge(data.tickets, on="ticket_id").dropna(subset=["satisfaction"])
    hours = _hours(f["resolved_at"], f["created_at"])
    rho = pd.Series(f["satisfaction"].astype(float)).corr(hours, method="spearman")
    assert rho < -0.1
    by_fix = f.groupby("first_time_fix")["satisfaction"].mean()
    assert by_fix[True] > by_fix[False] + 0.5
    by_reopen = f.groupby(f["reopened"] > 0)["satisfaction"].mean()
    assert by_reopen[False] > by_reopen[True]
    both = f.dropna(subset=["nps"])
    assert both["nps"].astype(float).corr(both["satisfaction"].astype(float), method="spearman") > 0.5
    csat = (f["satisfaction"] >= 4).mean()
    assert 0.6 < csat < 0.95


def test_engineer_skill_shows_in_first_time_fix_and_satisfaction(data: DemoData) -> None:
    t = data.tickets.dropna(subset=["first_time_fix", "engineer_id"])
    f = data.followups.merge(t, on="ticket_id").dropna(subset=["satisfaction"])
    per_eng = pd.DataFrame({
        "ftf": t.groupby("engineer_id")["first_time_fix"].mean().astype(float),
        "sat": f.groupby("engineer_id")["satisfaction"].mean().astype(float),
        "n": f.groupby("engineer_id").size(),
    }).dropna()
    per_eng = per_eng[per_eng["n"] >= 5]
    assert per_eng["ftf"].std() > 0.05
    assert per_eng["ftf"].corr(per_eng["sat"], method="spearman") > 0.2


def test_emerging_issue_rises_only_in_its_model_and_fault(data: DemoData) -> None:
    e = data.emerging
    assert e.factor >= 4
    assert e.start == data.end - timedelta(days=20)
    zh_to_code = {v: k for k, v in FAULT_NAMES_ZH.items()}
    t = data.tickets.dropna(subset=["fault_type"])
    t = t.assign(fault=t["fault_type"].map(zh_to_code))
    start = pd.Timestamp(e.start, tz="Asia/Shanghai")
    recent = t["created_at"] >= start
    weeks_before = (start - t["created_at"].min()).days / 7
    counts = pd.DataFrame({
        "recent": t[recent].groupby(["product_model", "fault"]).size(),
        "before": t[~recent].groupby(["product_model", "fault"]).size(),
    }).fillna(0)
    counts["recent_weekly"] = counts["recent"] / 3
    counts["before_weekly"] = counts["before"] / weeks_before
    planted = counts.loc[(e.product_model, e.fault_type)]
    assert planted["recent_weekly"] >= 3 * planted["before_weekly"]
    assert planted["recent"] >= 8
    others = counts.drop(index=(e.product_model, e.fault_type))
    rising = others[(others["recent_weekly"] >= 3 * others["before_weekly"]) & (others["recent"] >= 8)]
    assert rising.empty, rising


def test_failures_peak_early_and_have_a_wear_out_tail(data: DemoData) -> None:
    t = data.tickets
    age = (t["created_at"].dt.tz_localize(None).dt.normalize() - t["purchase_date"]).dt.days
    assert (age >= 0).all()
    early = (age <= 90).mean()
    assert early > 2 * ((age > 90) & (age <= 180)).mean()
    assert early > 90 / age.quantile(0.95)  # far above a uniform spread over the observed ages
    assert (age > 730).mean() > 0.05


def test_bad_experiences_churn_more(data: DemoData) -> None:
    t, o = data.tickets, data.orders
    window_start = pd.Timestamp(data.end - timedelta(days=180), tz="Asia/Shanghai")
    year_before = window_start - pd.Timedelta(days=365)
    active = set(o.loc[o["purchased_at"].between(year_before, window_start, inclusive="left"), "customer_id"])
    seen = set(o.loc[o["purchased_at"] >= window_start, "customer_id"]) | set(
        t.loc[t["created_at"] >= window_start, "customer_id"])
    churned = active - seen
    assert 0 < len(churned) < len(active)
    orders_per_customer = o.groupby("customer_id").size()
    bad = set(t.loc[t["is_complaint"] | (t["reopened"] > 0) | t["returned"], "customer_id"])
    is_bad = orders_per_customer.index.isin(list(bad))
    repurchase_bad = (orders_per_customer[is_bad] >= 2).mean()
    repurchase_rest = (orders_per_customer[~is_bad] >= 2).mean()
    assert repurchase_bad < repurchase_rest
    assert 0.1 < (orders_per_customer >= 2).mean() < 0.7


def test_rates_are_plausible(data: DemoData) -> None:
    t = data.tickets
    done = t["status"].isin(["resolved", "closed"])
    assert 0.65 < t.loc[done, "first_time_fix"].mean() < 0.95
    assert 0.02 < (t.loc[done, "reopened"] > 0).mean() < 0.15
    assert 0.03 < t["is_complaint"].mean() < 0.2
    assert 0.005 < t["returned"].mean() < 0.08
    assert set(t["severity"]) == {"minor", "normal", "major", "critical"}
    # Complaints come with worse service.
    hours = _hours(t["resolved_at"], t["created_at"])
    assert hours[t["is_complaint"]].median() > hours[~t["is_complaint"]].median()


def test_texts_agree_with_their_tickets_and_scores(data: DemoData) -> None:
    labels = data.labels.set_index("feedback_id")
    zh_to_code = {v: k for k, v in FAULT_NAMES_ZH.items()}
    fb = data.feedback.join(labels, on="feedback_id")
    complaints = fb[fb["source"] == "complaint"].merge(data.tickets[["ticket_id", "fault_type"]], on="ticket_id")
    coded = complaints.dropna(subset=["fault_type"])
    agree = (coded["fault_type"].map(zh_to_code) == coded["primary_fault"]).mean()
    assert agree > 0.85  # agents code ~4% of tickets wrongly
    reviews = fb[fb["source"] == "review"]
    assert reviews["rating"].notna().all()
    assert (reviews.loc[reviews["sentiment"] == "positive", "rating"] >= 4).all()
    assert (reviews.loc[reviews["sentiment"] == "negative", "rating"] <= 3).all()
    notes = data.followups.dropna(subset=["note"])
    note_labels = labels.loc[FOLLOWUP_FEEDBACK_PREFIX + notes["followup_id"]].reset_index()
    notes = notes.reset_index(drop=True)
    assert (note_labels.loc[~notes["reached"], "sentiment"] == "neutral").all()
    happy = notes["satisfaction"].fillna(0) >= 4
    assert (note_labels.loc[happy, "sentiment"] == "positive").all()
    assert (note_labels.loc[notes["satisfaction"].fillna(5) <= 2, "sentiment"] == "negative").all()


# --------------------------------------------------------------------------- files


def test_written_files_round_trip_with_chinese_headers(data: DemoData, files: dict[str, Path]) -> None:
    tickets = pd.read_csv(files["tickets"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(tickets.columns) == [c.label for c in TICKETS.columns]
    assert tickets["工单号"].tolist() == data.tickets["ticket_id"].tolist()
    created = tickets["报修时间"]
    assert created.str.contains("年").any() and created.str.contains("/").any() and created.str.contains("T").any()
    assert tickets["人工成本"].str.startswith("¥").any() and tickets["人工成本"].str.contains(",").any()
    assert set(tickets["是否投诉"]) == {"是", "否"}
    assert set(tickets["严重程度"]) <= {"轻微", "一般", "严重", "致命"}
    assert set(tickets["工单状态"]) <= {"待处理", "处理中", "已解决", "已关闭", "已取消"}

    followups = pd.read_csv(files["followups"], encoding="gb18030", dtype=str, keep_default_na=False)
    assert list(followups.columns) == [c.label for c in FOLLOWUPS.columns]
    assert len(followups) == len(data.followups)
    assert set(followups["回访方式"]) <= {"电话", "短信", "邮件", "微信", "上门"}
    assert followups["回访记录"].tolist() == data.followups["note"].fillna("").tolist()
    with pytest.raises(UnicodeDecodeError):
        files["followups"].read_bytes().decode("utf-8")

    orders = pd.read_excel(files["orders"])
    assert list(orders.columns) == [c.label for c in ORDERS.columns]
    assert len(orders) == len(data.orders)
    assert np.allclose(orders["金额"].to_numpy(), data.orders["amount"].to_numpy(dtype=float))

    lines = files["feedback"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(data.feedback)
    assert set(records[0]) == set(FEEDBACK.column_names)
    assert [r["text"] for r in records] == data.feedback["text"].tolist()

    labels = pd.read_csv(files["labels"], encoding="utf-8", dtype=str, keep_default_na=False)
    assert len(labels) == len(data.labels)
    assert labels["text"].str.strip().str.len().gt(0).all()

    manifest = json.loads(files["manifest"].read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED
    assert manifest["counts"]["tickets"] == N
    assert manifest["emerging_issue"]["product_model"] == data.emerging.product_model
    for rel in manifest["files"].values():
        assert (files["manifest"].parent / rel).is_file()


def test_written_files_are_byte_identical_for_the_same_seed(files: dict[str, Path], tmp_path: Path) -> None:
    again = write_demo_files(generate_demo_data(N, seed=SEED), tmp_path)
    for name in ("tickets", "feedback", "followups", "labels", "manifest", "tickets_dirty", "followups_dirty",
                 "feedback_dirty", "dirty_readme"):
        assert again[name].read_bytes() == files[name].read_bytes(), name


def test_dirty_files_break_exactly_the_rows_their_readme_lists(files: dict[str, Path], tmp_path: Path) -> None:
    from feedback_nlp.ingest import ingest_file
    from feedback_nlp.store import Store

    manifest = json.loads(files["manifest"].read_text(encoding="utf-8"))
    listed: dict[str, set[int]] = {}
    for issue in manifest["dirty_issues"]:
        if issue["row"] > 1:  # row 1 entries are file-level (an unknown column)
            listed.setdefault(issue["file"].split("/")[-1], set()).add(issue["row"])
    readme = files["dirty_readme"].read_text(encoding="utf-8")
    assert "NPS 11" in readme and "重复" in readme
    with Store(tmp_path / "store.duckdb") as store:
        for table, name in (("tickets", "tickets"), ("followups", "followups"), ("feedback", "feedback")):
            clean = ingest_file(store, table, files[name])
            assert clean.rejected == 0, clean.rejections.head()
            dirty = ingest_file(store, table, files[f"{name}_dirty"])
            assert set(dirty.rejections["row"].astype(int)) == listed[files[f"{name}_dirty"].name]
            assert dirty.ignored_columns  # the unknown extra column is reported
            assert dirty.rejected == len(listed[files[f"{name}_dirty"].name])
            assert dirty.rows_read > dirty.rejected  # valid rows are kept
