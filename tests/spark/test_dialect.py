"""The DuckDB → Spark SQL rewrites the KPI and theme statements need (no Spark needed)."""

from __future__ import annotations

from feedback_nlp.spark.dialect import count_markers, split_union_by_name, to_spark_sql


def test_rewrites_keep_nested_arguments_in_place() -> None:
    sql = (
        "SELECT date_diff('day', t.purchase_date, CAST(make_timestamp(epoch_us(t.created_at) + 8) AS DATE)), "
        "quantile_cont((epoch_us(a) - epoch_us(b)) / 3.6e9, [0.5, 0.9]) FILTER (WHERE x), "
        "arg_min(p.f, (p.f = 'none', f.created_at)), 'infinity'::TIMESTAMPTZ, NULL::VARCHAR[]"
    )
    out = to_spark_sql(sql).sql
    assert out == (
        "SELECT datediff(CAST(timestamp_micros(unix_micros(t.created_at) + 8) AS DATE), t.purchase_date), "
        "percentile((unix_micros(a) - unix_micros(b)) / 3.6e9, array(0.5, 0.9)) FILTER (WHERE x), "
        "min_by(p.f, (p.f = 'none', f.created_at)), TIMESTAMP'9999-12-31 23:59:59.999999', "
        "NULL::ARRAY<STRING>"
    )


def test_exclude_becomes_a_dropped_column_and_materialized_a_plain_cte() -> None:
    out = to_spark_sql("WITH base AS MATERIALIZED (SELECT 1) SELECT b.* EXCLUDE (fault_type), x FROM base b")
    assert out.sql == "WITH base AS (SELECT 1) SELECT b.*, x FROM base b" and out.drop_columns == ("fault_type",)


def test_timezone_swaps_its_arguments_and_a_quoted_question_mark_is_no_marker() -> None:
    assert to_spark_sql("SELECT timezone('Europe/Berlin', f.created_at)").sql == (
        "SELECT from_utc_timestamp(f.created_at, 'Europe/Berlin')"
    )
    assert count_markers("SELECT '?' , ? , \"a?\" WHERE x IN (?, ?)") == 3


def test_union_by_name_is_split_with_the_shared_with_and_its_parameters() -> None:
    sql = "WITH x AS (SELECT * FROM t WHERE a > ?) SELECT 'a' AS kind, ? FROM x UNION ALL BY NAME SELECT 'b', ? FROM x"
    parts = split_union_by_name(sql, [1, 2, 3])
    assert parts == [
        ("WITH x AS (SELECT * FROM t WHERE a > ?) SELECT 'a' AS kind, ? FROM x ", [1, 2]),
        ("WITH x AS (SELECT * FROM t WHERE a > ?)  SELECT 'b', ? FROM x", [1, 3]),
    ]
    assert split_union_by_name("SELECT ?", [5]) == [("SELECT ?", [5])]


def test_double_quoted_identifiers_become_backticks_but_strings_stay() -> None:
    assert to_spark_sql("""SELECT count(*) AS "age_0-7", 'say "hi"' FROM t""").sql == (
        """SELECT count(*) AS `age_0-7`, 'say "hi"' FROM t"""
    )
