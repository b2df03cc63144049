"""``feedback-nlp spark classify|kpis|themes``: the large jobs on Apache Spark (the ``spark`` extra).

    feedback-nlp spark classify --in feedback.parquet --out classified.parquet --master 'local[*]'
    feedback-nlp spark kpis --tables lake/ --predictions classified.parquet --from 2026-01-01 --period month
    feedback-nlp spark themes --in classified.parquet --emerging --period week

Each command parses options, starts (or joins, under ``spark-submit``) a Spark session and
calls :mod:`feedback_nlp.spark`. Without pyspark or Java it ends with one line saying what
to install.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from feedback_nlp.cli.common import (
    FILTER_OPTION,
    FROM_OPTION,
    GROUP_BY_OPTION,
    KPI_ID_OPTION,
    KPI_MODEL_OPTION,
    PERIOD_OPTION,
    TO_OPTION,
    cli_query,
    console,
    err,
    fail,
    model_to_use,
    state,
)
from feedback_nlp.config import get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError

spark_app = typer.Typer(help="Run the large jobs on Apache Spark (pip install 'feedback-nlp\\[spark]').",
                        no_args_is_help=True)  # fmt: skip


def _fail(exc: FeedbackNLPError) -> typer.Exit:
    """:func:`~feedback_nlp.cli.common.fail`, keeping square brackets: Rich reads "[spark]" in
    "pip install 'feedback-nlp[spark]'" as markup and would drop it."""
    from rich.markup import escape

    if state["debug"]:
        raise exc
    try:
        escaped: Exception = type(exc)(escape(str(exc)))
    except TypeError:  # an error class with other constructor arguments: as it is
        escaped = exc
    return fail(escaped)


MASTER_OPTION = typer.Option(None, "--master", help="Spark master URL (default: spark-submit's, else local[*]).")
KPI_FORMATS = ("table", "json", "csv")


@spark_app.command("classify")
def classify_command(
    in_path: str = typer.Option(
        ..., "--in", help="Parquet file or folder, CSV/TSV or JSON lines (any path Spark reads)."
    ),
    out_path: str = typer.Option(..., "--out", help="Parquet folder to write (the local classify columns)."),
    model: str | None = typer.Option(None, "--model", help="Model directory, NAME or NAME@VERSION (default: active)."),
    master: str | None = MASTER_OPTION,
    text_column: str = typer.Option("text", "--text-column", help="Name of the text column."),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Column naming each row; a row without one is rejected."
    ),
    fmt: str | None = typer.Option(None, "--format", help="Input format parquet | csv | jsonl (default: by suffix)."),
    encoding: str = typer.Option("UTF-8", "--encoding", help="Text encoding of CSV / JSON lines input."),
    partitions: int | None = typer.Option(None, "--partitions", min=1, help="Tasks (default: Spark's parallelism)."),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, help="Rows per Arrow batch a worker classifies."),
    shared_model: bool = typer.Option(
        False,
        "--shared-model",
        help="Workers read the model path as given (a path "
        "every node sees) instead of a copy shipped with SparkContext.addFile.",
    ),
    rejects: str | None = typer.Option(
        None, "--rejects", help="JSON lines of rejected rows (default: OUT.rejects.jsonl)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
) -> None:
    """Classify every row with Spark (mapInPandas; the model loaded once per Python worker) into Parquet."""
    from feedback_nlp.spark.classify import WorkerModel, classify_spark, ship_model
    from feedback_nlp.spark.session import spark_session

    settings = get_settings()
    try:
        path = model_to_use(model, settings)
        spark = spark_session(master, app_name="feedback-nlp classify")
        shipped = None if shared_model else ship_model(spark, path)
        report = classify_spark(spark, WorkerModel.from_settings(path, settings, shipped_name=shipped), in_path,
                                out_path, text_column=text_column, id_column=id_column, fmt=fmt, encoding=encoding,
                                partitions=partitions, batch_size=batch_size, overwrite=overwrite,
                                rejects_path=rejects or f"{out_path.rstrip('/')}.rejects.jsonl")  # fmt: skip
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    err.print(f"{report.rows:,} rows: {report.classified:,} classified, {report.rejected:,} rejected; "
              f"{report.rows_per_s:,.0f} rows/s ({report.seconds:.1f} s, {report.partitions} partitions); "
              f"model {report.model}; written to {out_path}")  # fmt: skip
    for item in report.rejects[:10]:
        where = f"row {item['row']}" + (f" (id {item['id']})" if item["id"] is not None else "")
        err.print(f"[yellow]rejected:[/] {where}: {item['reason']}")
    if report.rejects_path:
        err.print(f"rejected rows listed in {report.rejects_path}")


@spark_app.command("kpis")
def kpis_command(
    tables: Path = typer.Option(..., "--tables", help="Folder of Parquet tables (feedback-nlp db export --parquet)."),
    predictions: str | None = typer.Option(
        None,
        "--predictions",
        help="Parquet of predictions (store shape or spark classify output; default: TABLES/predictions.parquet).",
    ),
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    filters: list[str] = FILTER_OPTION,
    group_by: str | None = GROUP_BY_OPTION,
    period: str | None = PERIOD_OPTION,
    model: str | None = KPI_MODEL_OPTION,
    ids: list[str] = KPI_ID_OPTION,
    fmt: str = typer.Option("table", "--format", help=f"Output: {' | '.join(KPI_FORMATS)}."),
    master: str | None = MASTER_OPTION,
) -> None:
    """The KPI set computed by Spark over Parquet tables (the same values as `feedback-nlp kpis`)."""
    from feedback_nlp.cli.kpis import render_table
    from feedback_nlp.spark.kpis import compute_kpis_spark
    from feedback_nlp.spark.session import spark_session

    settings = get_settings()
    if fmt not in KPI_FORMATS:
        raise fail(ConfigError(f"--format {fmt!r}: expected one of {', '.join(KPI_FORMATS)}"))
    try:
        query = cli_query(start, end, filters, group_by=group_by, period=period)
        spark = spark_session(master, app_name="feedback-nlp kpis")
        report = compute_kpis_spark(spark, tables, query, ids=ids or None, targets=settings.kpi_targets, model=model,
                                    timezone=settings.timezone, predictions=predictions)  # fmt: skip
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        report.to_frame().to_csv(sys.stdout, index=False)
    else:
        render_table(report, console)


@spark_app.command("themes")
def themes_command(
    in_path: str | None = typer.Option(
        None,
        "--in",
        help="Classified feedback (spark classify output of the feedback table): texts and predictions in one Parquet.",
    ),
    tables: Path | None = typer.Option(None, "--tables", help="Or: a folder of Parquet tables (with --predictions)."),
    predictions: str | None = typer.Option(None, "--predictions", help="Predictions Parquet for --tables."),
    emerging: bool = typer.Option(
        False, "--emerging", help="Emerging issues (significant rises) instead of top themes."
    ),
    top: int = typer.Option(10, "--top", min=1, help="Themes shown."),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (local time zone)."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    filters: list[str] = typer.Option([], "--filter", help="KEY=VALUE (repeatable): product_line, channel, …"),
    period: str | None = typer.Option(None, "--period", help="Emerging: window length day|week|month|quarter."),
    model: str | None = typer.Option(None, "--model", help="Predictions of NAME@VERSION (default: the newest)."),
    master: str | None = MASTER_OPTION,
) -> None:
    """Top fault themes or emerging issues: counts aggregated by Spark, the statistics on the driver (JSON)."""
    from feedback_nlp.spark.session import spark_session
    from feedback_nlp.spark.tables import register_tables
    from feedback_nlp.spark.themes import emerging_issues_spark, register_classified, top_themes_spark
    from feedback_nlp.themes import mask_examples

    settings = get_settings()
    try:
        if (in_path is None) == (tables is None):
            raise ConfigError("give either --in CLASSIFIED (spark classify output) or --tables DIR")
        query = cli_query(start, end, filters, period=period)
        spark = spark_session(master, app_name="feedback-nlp themes")
        if in_path is not None:
            register_classified(spark, in_path)
        else:
            assert tables is not None
            register_tables(spark, tables, predictions)
        from feedback_nlp.spark.kpis import resolve_model

        chosen = resolve_model(spark, model)
        if chosen is None:
            raise ConfigError("no predictions found: classify first (feedback-nlp spark classify)")
        if emerging:
            issues = emerging_issues_spark(spark, query, model=chosen, timezone=settings.timezone)
            items = [i.to_dict() for i in issues]
        else:
            themes = top_themes_spark(spark, query, model=chosen, timezone=settings.timezone, top=top)
            items = [t.to_dict() for t in themes]
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    payload = {"model": chosen, "query": query.to_dict(), ("alerts" if emerging else "themes"): items}
    typer.echo(json.dumps(mask_examples(payload), ensure_ascii=False, indent=2, default=str))


def register(app: typer.Typer) -> None:
    """Add the ``spark`` command group to ``app``."""
    app.add_typer(spark_app, name="spark")
