"""`feedback-nlp spark kpis` gives the DuckDB values on the demo store: every KPI, to 1e-9.

The demo store (generated tickets, feedback, follow-ups and orders, classified by a tiny
baseline) is exported with ``db export --parquet``; its predictions are written beside the
tables (the store's shape). Both paths then compute the whole catalogue.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.kpis import KPI_IDS, KpiReport, Query, compute_kpis
from feedback_nlp.spark.kpis import compute_kpis_spark
from feedback_nlp.store import Store
from tests.spark.conftest import TZ

#: Theme evidence drawn from a hash sample: Spark's hash is not DuckDB's (see feedback_nlp.spark.dialect).
SAMPLED = {"keywords", "examples", "sub_themes"}


def same(a: Any, b: Any, where: str) -> None:
    """Equal, floats to 1e-9 (relative or absolute), recursively; theme text evidence skipped."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (where, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, sorted(a), sorted(b))
        for key in a:
            if key not in SAMPLED:
                same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def assert_same_reports(duck: KpiReport, spark: KpiReport) -> None:
    assert spark.model == duck.model and spark.window == duck.window
    assert [(r.id, r.group, r.period) for r in spark.results] == [(r.id, r.group, r.period) for r in duck.results]
    for d, s in zip(duck.results, spark.results, strict=True):
        same(d.to_dict(), s.to_dict(), f"{d.id}/{d.group}/{d.period}")


def test_every_kpi_equals_duckdb(spark: Any, lake: tuple[Store, Path]) -> None:
    store, tables = lake
    duck = compute_kpis(store, Query())
    result = compute_kpis_spark(spark, tables, Query(), timezone=TZ)
    assert {r.id for r in duck.results} == set(KPI_IDS)
    assert sum(r.value is not None for r in duck.results) >= 35  # the demo data answers nearly every KPI
    assert_same_reports(duck, result)


def test_grouped_by_period_and_filtered_equals_duckdb(spark: Any, lake: tuple[Store, Path]) -> None:
    store, tables = lake
    first = store.reader(TZ).first_ticket_at()
    assert first is not None
    query = Query(
        start=f"{first.year}-01-01",
        end=f"{first.year + 1}-06-30",
        group_by="channel",
        period="quarter",
        filters={"product_line": ("空调", "冰箱", "手机")},
    )
    ids = [i for i in KPI_IDS if i not in ("top_fault_themes", "emerging_themes")]
    duck = compute_kpis(store, query, ids=ids)
    assert len({r.group for r in duck.results}) > 2 and len({r.period for r in duck.results}) > 2
    assert_same_reports(duck, compute_kpis_spark(spark, tables, query, ids=ids, timezone=TZ))


def test_cli_spark_kpis_json(spark: Any, lake: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    store, tables = lake
    monkeypatch.setenv("FEEDBACK_NLP_TIMEZONE", TZ)
    from feedback_nlp.config import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(
        app,
        [
            "spark",
            "kpis",
            "--tables",
            str(tables),
            "--id",
            "resolution_rate",
            "--id",
            "negative_rate",
            "--group-by",
            "region",
            "--format",
            "json",
        ],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    duck = compute_kpis(store, Query(group_by="region"), ids=["resolution_rate", "negative_rate"])
    assert [(r["id"], r["group"], r["value"]) for r in data["results"]] == [
        (r.id, r.group, r.value) for r in duck.results
    ]


def test_missing_tables_folder_is_one_line(spark: Any, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["spark", "kpis", "--tables", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output and "Traceback" not in result.output
