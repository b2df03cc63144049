"""``feedback-nlp ingest`` and ``feedback-nlp demo-data``: files into the store.

Exit codes: 0 success; 1 rows were rejected and ``--strict`` was given; 2 the input
as a whole was refused (missing/empty file, unknown encoding, missing column, bad
mapping file) — the store is then unchanged.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, fail, open_store, progress_bar
from feedback_nlp.cli.remote import API_KEY_OPTION, SERVER_OPTION, RemoteApi
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError, InputError
from feedback_nlp.ingest import IngestReport, ingest_file
from feedback_nlp.schema import TABLE_NAMES


def ingest(
    table: str = typer.Argument(..., help=f"Target table: {' | '.join(TABLE_NAMES)}."),
    file: Path = typer.Argument(..., help="CSV/TSV, .xlsx, JSON lines or Parquet file."),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="YAML/JSON file: source header → column."),
    encoding: str | None = typer.Option(None, help="Force the file encoding (default: detected)."),
    sheet: str | None = typer.Option(None, help="Read only this sheet of an .xlsx (default: every fitting sheet)."),
    report_dir: Path | None = typer.Option(None, help="Where to write the report (default: <data_dir>/reports)."),
    show: int = typer.Option(20, help="Rejected rows to print (all are in the written report)."),
    strict: bool = typer.Option(False, help="Exit with status 1 when any row is rejected."),
    server: str | None = SERVER_OPTION,
    api_key: str | None = API_KEY_OPTION,
) -> None:
    """Validate FILE and upsert its valid rows into TABLE; print and write a report."""
    settings = get_settings()
    if table not in TABLE_NAMES:
        raise fail(InputError(f"unknown table {table!r}; expected one of {', '.join(TABLE_NAMES)}"))
    if server is not None:
        _remote_ingest(server, api_key, table, file, mapping=mapping, encoding=encoding, sheet=sheet, show=show,
                       strict=strict)
        return
    try:
        with open_store(settings) as store, progress_bar() as progress:
            task = progress.add_task(f"{table} ← {file.name}", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = ingest_file(store, table, file, mapping=mapping, encoding=encoding, sheet=sheet,
                                 max_text_length=settings.ingest.max_text_length,
                                 chunk_rows=settings.ingest.chunk_rows, timezone=settings.timezone,
                                 on_progress=on_progress)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    paths = report.write(report_dir or settings.data_dir / "reports")
    print_report(report, show=show)
    console.print(f"report: {paths['json']}  rejected rows: {paths['csv']}")
    if strict and not report.ok:
        raise typer.Exit(1)


def _remote_ingest(server: str, api_key: str | None, table: str, file: Path, *, mapping: Path | None,
                   encoding: str | None, sheet: str | None, show: int, strict: bool) -> None:
    """``ingest --server``: upload FILE to the running server, which validates and stores it (same rules)."""
    if not file.is_file():
        raise fail(InputError(f"{file}: no such file"))
    try:
        with RemoteApi(server, api_key) as remote:
            report = remote.ingest(table, file, mapping=mapping, encoding=encoding, sheet=sheet)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    summary = RichTable(title=f"ingest {table} ← {file.name} (through {server})", show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    for key in ("rows_read", "inserted", "updated", "unchanged", "rejected"):
        summary.add_row(key.replace("_", " "), f"{report.get(key, 0):,}")
    console.print(summary)
    for warning in report.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {warning}")
    rejections = report.get("rejections") or []
    for r in rejections[:show]:
        where = ", ".join(p for p in (f"row {r.get('row')}" if r.get("row") else "", r.get("column") or "") if p)
        console.print(f"rejected: {where}: {r.get('reason')}")
    if strict and report.get("rejected"):
        raise typer.Exit(1)


def print_report(report: IngestReport, *, show: int = 20) -> None:
    """The run summary, then the first ``show`` rejection lines, as rich tables."""
    summary = RichTable(title=f"ingest {report.table} ← {Path(report.source).name}", show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    fmt = report.format + (f" ({report.encoding})" if report.encoding else "")
    rows = [("format", fmt), ("rows read", f"{report.rows_read:,}"), ("inserted", f"{report.inserted:,}"),
            ("updated", f"{report.updated:,}"), ("unchanged", f"{report.unchanged:,}"),
            ("rejected", f"{report.rejected:,}"), ("seconds", f"{report.duration_s:.2f}")]
    if report.sheets_read:
        rows.append(("sheets read", ", ".join(report.sheets_read)))
    rows += [(f"sheet skipped: {k}", v) for k, v in report.sheets_skipped.items()]
    if report.notes_as_feedback:
        n = report.notes_as_feedback
        rows.append(("notes → feedback", f"{n['inserted']:,} new, {n['updated']:,} updated"))
    for key, value in rows:
        summary.add_row(key, value)
    console.print(summary)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if report.rejections.empty:
        return
    table = RichTable(title=f"rejected rows (first {min(show, len(report.rejections))} of "
                            f"{len(report.rejections) + report.problems_not_listed:,} problems)")
    shown = report.rejections.head(show)
    if shown["sheet"].isna().all():
        shown = shown.drop(columns="sheet")
    for col in shown.columns:
        table.add_column(col, overflow="fold")
    for rec in shown.itertuples(index=False):
        table.add_row(*("" if v is None or v != v else str(v) for v in rec))
    console.print(table)


def demo_data(
    out: Path = typer.Option(..., "--out", help="Directory to write the demo files into."),
    tickets: int = typer.Option(20_000, "--tickets", min=100, help="Number of tickets."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same files."),
    dirty: bool = typer.Option(True, help="Also write dirty/ files with malformed rows for the ingestion demo."),
) -> None:
    """Write a realistic, coherent demo export: tickets, feedback, follow-ups, orders."""
    from feedback_nlp.demo.tables import generate_demo_data
    from feedback_nlp.demo.writer import write_demo_files

    with console.status(f"generating {tickets:,} tickets (seed {seed})"):
        data = generate_demo_data(tickets, seed=seed)
        paths = write_demo_files(data, out, dirty=dirty)
    listing = RichTable(title=f"demo data in {out}")
    listing.add_column("file")
    listing.add_column("rows", justify="right")
    counts = {"tickets": len(data.tickets), "feedback": len(data.feedback), "followups": len(data.followups),
              "orders": len(data.orders), "labels": len(data.labels)}
    for name, path in paths.items():
        listing.add_row(str(path), f"{counts[name]:,}" if name in counts else "")
    console.print(listing)
    e = data.emerging
    console.print(f"planted emerging issue: {e.product_line} {e.product_model} / {e.fault_type} "
                  f"×{e.factor:g} from {e.start}")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command("demo-data")(demo_data)
