"""``feedback-nlp db …``: inspect the embedded store and export it to Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, fail, open_store
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError

db_app = typer.Typer(help="Inspect the embedded store; export it to Parquet.", no_args_is_help=True)


def db_info(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Tables, row counts and schema version of the store (created if missing)."""
    settings = get_settings()
    try:
        with open_store(settings) as store:
            info = store.info()
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if as_json:
        typer.echo(json.dumps({"path": info.path, "schema_version": info.schema_version, "tables": info.tables}))
        return
    table = RichTable(caption=f"{info.path}, schema version {info.schema_version}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in info.tables.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


def db_export(
    parquet: Path = typer.Option(..., "--parquet", help="Folder to write <table>.parquet files into."),
    table: list[str] = typer.Option(None, "--table", "-t", help="Only this table (repeatable; default: all four)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Write the canonical tables to Parquet: one file per table, read back by `feedback-nlp ingest TABLE FILE`."""
    settings = get_settings()
    try:
        with open_store(settings) as store:
            written = store.export_parquet(parquet, table or None)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    files = {name: str(parquet / f"{name}.parquet") for name in written}
    if as_json:
        typer.echo(json.dumps({"rows": written, "files": files}))
        return
    out = RichTable(caption=f"written to {parquet}")
    out.add_column("table")
    out.add_column("rows", justify="right")
    out.add_column("file")
    for name, count in written.items():
        out.add_row(name, f"{count:,}", files[name])
    console.print(out)


def register(app: typer.Typer) -> None:
    db_app.command("info")(db_info)
    db_app.command("export")(db_export)
    app.add_typer(db_app, name="db")
