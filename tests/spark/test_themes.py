"""Themes on Spark: counts aggregated by Spark, the statistics of feedback_nlp.themes on the driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.query import Query
from feedback_nlp.spark.tables import register_tables
from feedback_nlp.spark.themes import emerging_issues_spark, top_themes_spark
from feedback_nlp.store import Store
from feedback_nlp.themes import emerging_issues, top_themes
from tests.spark.conftest import TZ

COUNTED = (
    "fault_type",
    "rank",
    "count",
    "share",
    "negative_count",
    "negative_rate",
    "previous_count",
    "change",
    "change_rate",
    "impact",
)


def test_top_themes_and_emerging_issues_equal_duckdb(spark: Any, lake: tuple[Store, Path]) -> None:
    store, tables = lake
    register_tables(spark, tables)
    last = store.reader(TZ).last_ticket_at()
    assert last is not None
    query = Query(start=f"{last.year}-{last.month:02d}-01", end=last.date().isoformat(), period="month")
    duck = top_themes(store, query, model="demo@v1")
    ours = top_themes_spark(spark, query, model="demo@v1", timezone=TZ)
    assert duck and [[t.to_dict()[k] for k in COUNTED] for t in ours] == [
        [t.to_dict()[k] for k in COUNTED] for t in duck
    ]
    for period, min_count in (("week", 5), ("month", 3)):  # the small demo rises only by month, at 3 mentions
        q = Query(period=period)
        duck_issues = [i.to_dict() for i in emerging_issues(store, q, model="demo@v1", min_count=min_count)]
        spark_issues = emerging_issues_spark(spark, q, model="demo@v1", timezone=TZ, min_count=min_count)
        assert [i.to_dict() for i in spark_issues] == duck_issues
    assert duck_issues and duck_issues[0]["examples"]  # the month's alert, with its newest texts


def test_cli_spark_themes_reads_spark_classify_output(
    spark: Any, lake: tuple[Store, Path], tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, tables = lake
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBACK_NLP_TIMEZONE", TZ)
    from feedback_nlp.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    out = tmp_path / "classified.parquet"
    result = runner.invoke(
        app,
        [
            "spark",
            "classify",
            "--in",
            str(tables / "feedback.parquet"),
            "--out",
            str(out),
            "--model",
            str(tiny_model),
            "--id-column",
            "feedback_id",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["spark", "themes", "--in", str(out), "--top", "5"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    duck = top_themes(store, Query(), model="demo@v1", top=5)
    assert data["model"] == "demo@v1"
    assert [(t["fault_type"], t["count"], t["negative_count"]) for t in data["themes"]] == [
        (t.fault_type, t.count, t.negative_count) for t in duck
    ]
