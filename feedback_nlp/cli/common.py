"""What every command module shares: the consoles, opening the store, and how an error ends a command.

A library error (:class:`feedback_nlp.errors.FeedbackNLPError`) ends a command with one
line on stderr and the exit code its kind declares (2 input or configuration, 3 not
found, 4 conflict, 5 model, 6 store); ``feedback-nlp --debug …`` shows the traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from feedback_nlp.config import Settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError
from feedback_nlp.query import DIMENSIONS, PERIODS, Query
from feedback_nlp.store import Store

console = Console()
err = Console(stderr=True)
#: Set by ``feedback-nlp --debug``: errors re-raise with their traceback.
state = {"debug": False}


def fail(exc: Exception) -> typer.Exit:
    """Print ``exc`` as one line and return the ``typer.Exit`` of its exit code (raise it)."""
    if state["debug"]:
        raise exc
    err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
    return typer.Exit(exc.exit_code if isinstance(exc, FeedbackNLPError) else 2)


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    return Store(settings.database_path, timezone=settings.timezone, read_only=read_only,
                 memory_limit=settings.db_memory_limit, threads=settings.db_threads)  # fmt: skip


# The KPI query's options, shared by `kpis` and `spark kpis` (the same query either way).
FROM_OPTION = typer.Option(None, "--from", help="First day (YYYY-MM-DD, local), inclusive.")
TO_OPTION = typer.Option(None, "--to", help="Last day (YYYY-MM-DD, local), inclusive.")
FILTER_OPTION = typer.Option([], "--filter", help=f"KEY=VALUE[,VALUE…]; KEY: {', '.join(DIMENSIONS)}.")
GROUP_BY_OPTION = typer.Option(None, "--group-by", help=f"One of {', '.join(DIMENSIONS)}.")
PERIOD_OPTION = typer.Option(None, "--period", help=f"Trend by {' | '.join(PERIODS)}.")
KPI_MODEL_OPTION = typer.Option(None, "--model", help="NAME@VERSION whose predictions text KPIs read.")
KPI_ID_OPTION = typer.Option([], "--id", help="KPI id (repeat for several; default: all).")


def open_store_if_any(settings: Settings, *, read_only: bool = True) -> Store | None:
    """The store when its file exists (it records the active model); never creates one."""
    if not settings.database_path.exists():
        return None
    return open_store(settings, read_only=read_only)


def model_to_use(model: str | None, settings: Settings) -> Path:
    """The directory of ``model`` (NAME, NAME@VERSION or a folder), or of the store's active model."""
    from feedback_nlp.classifiers.registry import resolve_active

    store = open_store_if_any(settings)
    try:
        return resolve_active(model, settings.model_dir, store)
    finally:
        if store is not None:
            store.close()


def existing_store(settings: Settings) -> Store:
    """The existing store, read-only (for commands that never write)."""
    if not settings.database_path.exists():
        raise ConfigError(f"no store at {settings.database_path}: ingest data first (feedback-nlp ingest …)")
    return open_store(settings, read_only=True)


def cli_query(start: str | None = None, end: str | None = None, filters: list[str] | None = None, *,
              group_by: str | None = None, period: str | None = None) -> Query:
    """The query of ``--from``, ``--to``, ``--filter KEY=VALUE[,VALUE…]``, ``--group-by`` and ``--period``.

    One parser for every analysis command, so ``kpis`` and ``themes`` read their options alike.
    """
    # Query parses ISO date strings (YYYY-MM-DD) itself; its fields are annotated with the parsed type.
    filter_values = {key: tuple(values) for key, values in Query.parse_filters(filters or []).items()}
    return Query(start=start, end=end, filters=filter_values, group_by=group_by, period=period)  # type: ignore[arg-type]


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    console=err, transient=True)
