"""``feedback-nlp api-key …``: create API keys for the HTTP API and list the configured ones.

Keys are shown once, when created; the settings hold only their SHA-256
(``FEEDBACK_NLP_API__API_KEYS``, a JSON list). Registered on the main app by
:mod:`feedback_nlp.cli`.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, err
from feedback_nlp.config import Settings, get_settings

api_key_app = typer.Typer(help="API keys of the HTTP API (stored hashed in the settings).", no_args_is_help=True)


@api_key_app.command("create")
def api_key_create(
    name: str = typer.Option(..., "--name", help="Who holds the key (shown in logs and errors, never the key)."),
    scopes: str = typer.Option("read", "--scopes", help="Comma-separated: read, classify, ingest, admin."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: key and settings entry."),
) -> None:
    """Generate a key, print it once, and print the settings entry that accepts it."""
    from api.security import generate_key, hash_key, parse_scopes

    try:
        scope_list = parse_scopes(scopes)
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    key = generate_key()
    entry = {"name": name, "key_sha256": hash_key(key), "scopes": scope_list}
    entry_json = json.dumps(entry, ensure_ascii=False)
    if as_json:
        typer.echo(json.dumps({"key": key, "entry": entry}, ensure_ascii=False))
        return
    typer.echo(f"key: {key}")
    typer.echo("It is shown only now. Add this entry to the FEEDBACK_NLP_API__API_KEYS list (.env or environment):")
    typer.echo(entry_json)
    typer.echo(f"e.g. FEEDBACK_NLP_API__API_KEYS='[{entry_json}]'")


@api_key_app.command("list")
def api_key_list() -> None:
    """The configured keys: name, scopes and the start of each hash (never a key)."""
    keys = get_settings().api.api_keys
    if not keys:
        console.print("no API keys configured (feedback-nlp api-key create --name NAME --scopes read)")
        return
    table = RichTable(title="API keys")
    for column in ("name", "scopes", "sha256"):
        table.add_column(column)
    for spec in keys:
        table.add_row(spec.name, ",".join(spec.scopes), spec.key_sha256[:12] + "…")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``api-key`` group to the main command line."""
    app.add_typer(api_key_app, name="api-key")


_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def with_demo_key(settings: Settings, host: str) -> Settings:
    """``serve --demo``: on a loopback host, settings that also accept a fresh all-scope key, printed here.

    The key lives only in this process's settings (its hash is never written anywhere),
    so it stops working when the server stops and a new one is printed on each start.
    On any other host no key is made: a demo must not open a reachable server.
    """
    from api.security import demo_key_spec, generate_key

    if host not in _LOOPBACK and not host.startswith("127."):
        err.print(f"[yellow]warning:[/] --demo makes an API key only on localhost, not on {host}; "
                  "use the configured keys (feedback-nlp api-key create)")
        return settings
    key = generate_key()
    api = settings.api.model_copy(update={"api_keys": [*settings.api.api_keys, demo_key_spec(key)]})
    typer.echo(f"demo API key (all scopes, valid until this server stops): {key}")
    return settings.model_copy(update={"api": api})
