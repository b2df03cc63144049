"""``feedback-nlp api-key …``: create, revoke and list API keys of the HTTP API.

Keys are shown once, when created; the settings hold only their SHA-256
(``FEEDBACK_NLP_API__API_KEYS``, a JSON list). With ``--file`` a key goes into (or
leaves) a keys file instead, which a running server with ``FEEDBACK_NLP_API__KEYS_FILE``
re-reads within a second: no restart. Registered on the main app by :mod:`feedback_nlp.cli`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, err, fail
from feedback_nlp.config import ApiKeySpec, Settings, get_settings
from feedback_nlp.errors import ConfigError, ConflictError, NotFoundError


def _read_file(path: Path) -> list[ApiKeySpec]:
    from api.security import read_keys_file

    try:
        return read_keys_file(path)
    except (OSError, ValueError) as exc:
        raise fail(ConfigError(f"keys file {' '.join(str(exc).split())}")) from None

api_key_app = typer.Typer(help="API keys of the HTTP API (stored hashed in the settings).", no_args_is_help=True)


@api_key_app.command("create")
def api_key_create(
    name: str = typer.Option(..., "--name", help="Who holds the key (shown in logs and errors, never the key)."),
    scopes: str = typer.Option("read", "--scopes", help="Comma-separated: read, classify, ingest, admin."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: key and settings entry."),
    expires_days: float | None = typer.Option(
        None, "--expires-days", min=0, help="The key stops working after this many days (default: never)."),
    file: Path | None = typer.Option(
        None, "--file", help="Add the key to this keys file (created if missing), which a running server "
        "with FEEDBACK_NLP_API__KEYS_FILE re-reads: no restart."),
    rate: float | None = typer.Option(
        None, "--rate", min=0, help="This key's requests per second (0: unlimited; default: the server's "
        "FEEDBACK_NLP_API__RATE_LIMIT_PER_S)."),
    burst: int | None = typer.Option(
        None, "--burst", min=1,
        help="Requests this key may send at once (default: FEEDBACK_NLP_API__RATE_LIMIT_BURST)."),
) -> None:
    """Generate a key, print it once, and print the settings entry that accepts it (or add it to --file)."""
    from api.security import generate_key, hash_key, keys_file_lock, parse_scopes, write_keys_file

    try:
        scope_list = parse_scopes(scopes)
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    key = generate_key()
    entry: dict[str, object] = {"name": name, "key_sha256": hash_key(key), "scopes": scope_list}
    if expires_days is not None:
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=expires_days)
        entry["expires_at"] = expires.isoformat().replace("+00:00", "Z")
    if rate is not None:
        entry["rate_per_s"] = rate
    if burst is not None:
        entry["burst"] = burst
    entry_json = json.dumps(entry, ensure_ascii=False)
    if file is not None:
        with keys_file_lock(file):  # two commands at once: neither loses the other's key
            existing = _read_file(file)
            if any(spec.name == name for spec in existing):
                raise fail(ConflictError(f"a key named {name!r} is already in {file}; revoke it first "
                                         f"(feedback-nlp api-key revoke {name} --file {file}) or pick another name"))
            write_keys_file(file, [*existing, ApiKeySpec.model_validate(entry)])
        if as_json:
            typer.echo(json.dumps({"key": key, "entry": entry, "file": str(file)}, ensure_ascii=False))
            return
        typer.echo(f"key: {key}")
        typer.echo(f"It is shown only now. Added {name!r} to {file}; a server with "
                   f"FEEDBACK_NLP_API__KEYS_FILE={file} accepts it within a second, no restart.")
        return
    if as_json:
        typer.echo(json.dumps({"key": key, "entry": entry}, ensure_ascii=False))
        return
    typer.echo(f"key: {key}")
    typer.echo("It is shown only now. Add this entry to the FEEDBACK_NLP_API__API_KEYS list (.env or environment):")
    typer.echo(entry_json)
    typer.echo(f"e.g. FEEDBACK_NLP_API__API_KEYS='[{entry_json}]'")


@api_key_app.command("revoke")
def api_key_revoke(
    name: str = typer.Argument(..., help="The name of the key to remove."),
    file: Path | None = typer.Option(
        None, "--file", help="The keys file (default: FEEDBACK_NLP_API__KEYS_FILE)."),
) -> None:
    """Remove a key from the keys file; a running server refuses it within a second (401)."""
    from api.security import keys_file_lock, write_keys_file

    path = file if file is not None else get_settings().api.keys_file
    if path is None:
        raise fail(ConfigError("no keys file: pass --file PATH or set FEEDBACK_NLP_API__KEYS_FILE "
                               "(keys in FEEDBACK_NLP_API__API_KEYS are removed from the settings)"))
    with keys_file_lock(path):
        existing = _read_file(path)
        kept = [spec for spec in existing if spec.name != name]
        if len(kept) == len(existing):
            raise fail(NotFoundError(f"no key named {name!r} in {path}"))
        write_keys_file(path, kept)
    typer.echo(f"revoked {name!r} ({path}); a running server refuses it within a second")


def _expires(spec: ApiKeySpec) -> str:
    if spec.expires_at is None:
        return "never"
    text = spec.expires_at.isoformat().replace("+00:00", "Z")
    return text + (" (expired)" if spec.expires_at <= datetime.now(UTC) else "")


@api_key_app.command("list")
def api_key_list(
    file: Path | None = typer.Option(
        None, "--file", help="Also list this keys file's keys (default: FEEDBACK_NLP_API__KEYS_FILE)."),
) -> None:
    """The configured keys: name, scopes and the start of each hash (never a key)."""
    settings = get_settings()
    keys = settings.api.api_keys
    path = file if file is not None else settings.api.keys_file
    file_keys = _read_file(path) if path is not None else []
    if not keys and not file_keys:
        where = f" (and none in {path})" if path is not None else ""
        console.print(f"no API keys configured{where} (feedback-nlp api-key create --name NAME --scopes read)")
        return
    table = RichTable(title="API keys")
    columns = ("name", "scopes", "sha256") + (("source", "expires") if path is not None else ())
    for column in columns:
        table.add_column(column)
    for source, specs in (("settings", keys), (str(path), file_keys)):
        for spec in specs:
            extra = (source, _expires(spec)) if path is not None else ()
            table.add_row(spec.name, ",".join(spec.scopes), spec.key_sha256[:12] + "…", *extra)
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
