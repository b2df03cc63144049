"""Query dates stay within 1970-01-01 … 2100-12-31 (issue 16, row 1): refused in the library, so in the CLI and
the API alike, and windows at the edges of that range (and the windows derived from them) never overflow."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.kpis import KPI_IDS, compute_kpis
from feedback_nlp.query import MAX_DATE, MIN_DATE, Query, QueryError
from feedback_nlp.store import Store
from feedback_nlp.themes import emerging_issues, top_themes
from tests.kpis.fixture import build
from tests.themes.conftest import build_hand_store

NO_THEMES = [i for i in KPI_IDS if i not in ("top_fault_themes", "emerging_themes")]


@pytest.mark.parametrize(("field", "value"), [
    ("start", "0001-01-01"), ("end", "9999-12-31"), ("start", date(1969, 12, 31)), ("end", date(2101, 1, 1)),
    ("end", datetime(9999, 12, 31, 23, 59)), ("start", date.min), ("end", date.max),
])  # fmt: skip
def test_dates_outside_the_range_are_query_errors(field: str, value: Any) -> None:
    with pytest.raises(QueryError, match=r"outside the supported dates 1970-01-01 to 2100-12-31"):
        Query(**{field: value})


def test_the_range_itself_is_accepted_and_its_windows_do_not_overflow() -> None:
    query = Query(start=MIN_DATE, end=MAX_DATE)
    lo, hi = query.bounds("Asia/Shanghai")
    assert lo is not None and hi is not None and lo.year == 1970 and (hi.year, hi.month, hi.day) == (2101, 1, 1)
    before = Query(start=MIN_DATE, end=date(1970, 1, 7)).previous()  # derived: may start before 1970
    assert (before.start, before.end) == (date(1969, 12, 25), date(1969, 12, 31))
    assert before.bounds("Asia/Shanghai")[0] is not None
    assert query.previous().start.year == 1839  # the window of equal length before the whole range


@pytest.fixture(scope="module")
def kpi_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with build(Store(tmp_path_factory.mktemp("dates") / "store.duckdb")) as s:
        yield s


@pytest.mark.parametrize("query", [
    Query(start=MIN_DATE, end=date(1970, 1, 2)), Query(end=MAX_DATE), Query(start=date(2100, 12, 1), end=MAX_DATE),
    Query(start=MIN_DATE, end=date(1970, 3, 31), period="month"), Query(start=date(2100, 10, 1), period="week"),
    Query(start=MIN_DATE, end=date(1970, 1, 1), period="day", group_by="region"),
])  # fmt: skip
def test_every_kpi_answers_at_the_edges(kpi_store: Store, query: Query) -> None:
    report = compute_kpis(kpi_store, query, ids=NO_THEMES)
    assert report.results


@pytest.fixture(scope="module")
def theme_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with Store(tmp_path_factory.mktemp("theme-dates") / "store.duckdb") as s:
        build_hand_store(s)
        yield s


@pytest.mark.parametrize("query", [
    Query(start=MIN_DATE, end=date(1970, 1, 31)), Query(end=MAX_DATE), Query(end=date(1970, 1, 3), period="quarter"),
    Query(start=MIN_DATE, end=MIN_DATE, period="day"), Query(start=date(2100, 12, 25), end=MAX_DATE, period="week"),
])  # fmt: skip
def test_themes_answer_at_the_edges(theme_store: Store, query: Query) -> None:
    assert isinstance(top_themes(theme_store, query, model="hand@v1", sub_themes=False), list)
    assert isinstance(emerging_issues(theme_store, query, model="hand@v1"), list)


def test_the_cli_refuses_them_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "400")
    get_settings.cache_clear()
    try:
        build(Store(tmp_path / "data" / "feedback.duckdb")).close()
        for args in (["kpis", "--to", "9999-12-31"], ["kpis", "--from", "0001-01-01", "--to", "0001-01-02"],
                     ["themes", "--emerging", "--to", "9999-12-31"], ["themes", "--from", "1969-12-31"]):
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 2, result.output
            assert "1970-01-01 to 2100-12-31" in result.output and "Traceback" not in result.output
            assert len(result.output.strip().splitlines()) == 1, result.output
    finally:
        get_settings.cache_clear()
