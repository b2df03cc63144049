"""The data model in code, the store built from it, and its migrations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from feedback_nlp.errors import StoreError
from feedback_nlp.schema import TABLES, alias_index, normalise_header
from feedback_nlp.store import SCHEMA_VERSION, Store


@pytest.mark.parametrize("name", list(TABLES))
def test_no_spelling_means_two_columns(name: str) -> None:
    table = TABLES[name]
    seen: dict[str, str] = {}
    for col in table.columns:
        for spelling in {normalise_header(s) for s in (col.name, col.label, *col.aliases)}:
            assert seen.setdefault(spelling, col.name) == col.name, f"{spelling!r} maps to two columns"
    assert set(alias_index(table).values()) == set(table.column_names)


@pytest.mark.parametrize("name", list(TABLES))
def test_issue_aliases_are_known(name: str) -> None:
    index = alias_index(TABLES[name])
    wanted = {"tickets": {"工单号": "ticket_id", "报修时间": "created_at", "首次响应时间": "first_response_at",
                          "客户编号": "customer_id", "人工成本": "labor_cost", "ticket_no": "ticket_id",
                          "创建时间": "created_at"},
              "followups": {"满意度": "satisfaction", "推荐意愿": "nps", "回访方式": "method"},
              "feedback": {"反馈内容": "text"}, "orders": {"订单号": "order_id"}}[name]
    for header, column in wanted.items():
        assert index[normalise_header(header)] == column


def test_migrated_store_matches_schema(store: Store) -> None:
    for name, table in TABLES.items():
        assert store.table_columns(name) == list(table.column_names)
    assert store.schema_version == SCHEMA_VERSION
    assert "predictions" in store.info().tables


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.set_state("k", "v")
    with Store(db) as s:
        assert s.get_state("k") == "v"
        rows = s.connection().execute("SELECT count(*) FROM schema_version").fetchone()
        assert rows[0] == SCHEMA_VERSION


def test_newer_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    Store(db).close()
    with Store(db) as s:
        s.connection()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future', now())", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this release"):
        Store(db).connection()


def test_predictions_are_keyed_by_feedback_and_model_version(store: Store) -> None:
    con = store.connection()
    sql = ("INSERT INTO predictions VALUES (?, 'clf', ?, ['noise'], 'noise', 'negative', [], '{}', now())")
    con.execute(sql, ["R1", "1"])
    con.execute(sql, ["R1", "2"])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(sql, ["R1", "2"])
