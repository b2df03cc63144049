"""``feedback-nlp db …``: inspect the embedded store."""

from __future__ import annotations

import json

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, fail, open_store
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError

db_app = typer.Typer(help="Inspect the embedded store.", no_args_is_help=True)


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


def register(app: typer.Typer) -> None:
    db_app.command("info")(db_info)
    app.add_typer(db_app, name="db")
