"""The ``feedback-nlp`` command line. Thin: parse options, call the library, print.

Exit codes: 0 success; 1 rows were rejected and ``--strict`` was given; 2 the input
as a whole was refused (missing/empty file, unknown encoding, missing column, bad
mapping file) — the store is then unchanged.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.ingest import IngestReport, ingest_file
from feedback_nlp.schema import TABLE_NAMES
from feedback_nlp.store import Store
from feedback_nlp.training.pipeline import DEFAULT_FINETUNE_MINUTES, DEFAULT_LAYERS, PipelineOptions

app = typer.Typer(help="Mine Chinese after-sales feedback.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Inspect the embedded store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
models_app = typer.Typer(help="List and activate classification models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
console = Console()
err = Console(stderr=True)


def _store(settings: Settings) -> Store:
    return Store(settings.database_path, timezone=settings.timezone, memory_limit=settings.db_memory_limit)


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(2)


@app.command()
def ingest(
    table: str = typer.Argument(..., help=f"Target table: {' | '.join(TABLE_NAMES)}."),
    file: Path = typer.Argument(..., help="CSV/TSV, .xlsx or JSON lines file."),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="YAML/JSON file: source header → column."),
    encoding: str | None = typer.Option(None, help="Force the file encoding (default: detected)."),
    sheet: str | None = typer.Option(None, help="Read only this sheet of an .xlsx (default: every fitting sheet)."),
    report_dir: Path | None = typer.Option(None, help="Where to write the report (default: <data_dir>/reports)."),
    show: int = typer.Option(20, help="Rejected rows to print (all are in the written report)."),
    strict: bool = typer.Option(False, help="Exit with status 1 when any row is rejected."),
) -> None:
    """Validate FILE and upsert its valid rows into TABLE; print and write a report."""
    settings = get_settings()
    if table not in TABLE_NAMES:
        raise _fail(ValueError(f"unknown table {table!r}; expected one of {', '.join(TABLE_NAMES)}"))
    try:
        with _store(settings) as store, _progress() as progress:
            task = progress.add_task(f"{table} ← {file.name}", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = ingest_file(store, table, file, mapping=mapping, encoding=encoding, sheet=sheet,
                                 max_text_length=settings.ingest.max_text_length,
                                 chunk_rows=settings.ingest.chunk_rows, timezone=settings.timezone,
                                 on_progress=on_progress)
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    paths = report.write(report_dir or settings.data_dir / "reports")
    print_report(report, show=show)
    console.print(f"report: {paths['json']}  rejected rows: {paths['csv']}")
    if strict and not report.ok:
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


@app.command("demo-data")
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


@db_app.command("info")
def db_info(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Tables, row counts and schema version of the store (created if missing)."""
    settings = get_settings()
    try:
        with _store(settings) as store:
            info = store.info()
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps({"path": info.path, "schema_version": info.schema_version, "tables": info.tables}))
        return
    table = RichTable(caption=f"{info.path}, schema version {info.schema_version}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in info.tables.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo", help="On an empty store, generate and ingest the demo data first; "
                              "on localhost also print a generated API key with every scope."),
    demo_tickets: int = typer.Option(20_000, help="Tickets in the generated demo."),
    demo_model_texts: int = typer.Option(
        40_000, help="Generated texts in the training data of the model trained when none exists."
    ),
    demo_finetune_minutes: float = typer.Option(
        DEFAULT_FINETUNE_MINUTES,
        help="When no model exists: fine-tuning budget of the first training run (0: baseline only).",
    ),
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    from api.app import create_app
    from feedback_nlp.bootstrap import ensure_demo, ensure_model

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if demo:
        try:
            with _store(settings) as store:
                status = ensure_demo(store, settings.data_dir, timezone=settings.timezone,
                                     max_text_length=settings.ingest.max_text_length, n_tickets=demo_tickets)
        except FeedbackNLPError as exc:
            raise _fail(exc) from None
        for report in status.reports:
            print_report(report, show=5)
        try:
            ensure_model(settings.model_dir, public_dir=settings.public_data_dir, n_demo=demo_model_texts,
                         data_dir=settings.data_dir, finetune_minutes=demo_finetune_minutes)
        except FeedbackNLPError as exc:
            raise _fail(exc) from None
        try:
            _classify_stored_feedback(settings)
        except FeedbackNLPError as exc:
            raise _fail(exc) from None
        settings = cli_api.with_demo_key(settings, host)
    uvicorn.run(create_app(settings), host=host, port=port)


def _classify_stored_feedback(settings: Settings) -> None:
    """Demo start-up: store the active model's predictions of every feedback text that lacks one."""
    from feedback_nlp.classifiers.artifacts import read_metadata
    from feedback_nlp.classifiers.registry import resolve_active
    from feedback_nlp.classify import Classification
    from feedback_nlp.predictions import ensure_predictions, missing_predictions

    with _store(settings) as store:
        path = resolve_active(None, settings.model_dir, store)
        meta = read_metadata(path)
        if missing_predictions(store, f"{meta['name']}@{meta['version']}") == 0:
            return  # a later start: nothing to load or classify
        report = ensure_predictions(store, Classification.from_settings(path, settings))
    if report is not None:
        err.print(f"classified {report.n_stored:,} stored feedback texts with {report.model} "
                  f"({report.duration_s:.0f} s)")  # fmt: skip


def _open_store_if_any(settings: Settings, *, read_only: bool = True) -> Store | None:
    """The store when its file exists (it records the active model); never creates one."""
    if not settings.database_path.exists():
        return None
    return Store(settings.database_path, timezone=settings.timezone, read_only=read_only,
                 memory_limit=settings.db_memory_limit)


@app.command()
def classify(
    in_path: Path = typer.Option(..., "--in", help="CSV, TSV, JSON lines or XLSX with a text column."),
    out_path: Path = typer.Option(..., "--out", help="JSON lines output, one line per input row, in order."),
    model: str | None = typer.Option(None, "--model", help="Model directory, NAME or NAME@VERSION (default: active)."),
    text_column: str = typer.Option("text", help="Name of the text column."),
    batch_size: int = typer.Option(1000, min=1, help="Texts classified together."),
    progress: bool = typer.Option(True, help="Show a progress bar on stderr."),
    workers: int = typer.Option(1, min=1, help="Worker processes (jieba is single-threaded; 2 on a 2-core machine)."),
) -> None:
    """Classify every text of a file: fault types, primary fault, sentiment, aspects, scores, tokens, keywords."""
    import jieba

    from feedback_nlp.classifiers.registry import resolve_active
    from feedback_nlp.classify import Classification, classify_file

    jieba.setLogLevel(logging.INFO)  # jieba's own handler prints its dictionary build at DEBUG
    settings = get_settings()
    try:
        store = _open_store_if_any(settings)
        try:
            path = resolve_active(model, settings.model_dir, store)
        finally:
            if store is not None:
                store.close()
        job = Classification.from_settings(path, settings)
        counts = classify_file(job, in_path, out_path, batch_size=batch_size, text_column=text_column,
                               progress=progress, workers=workers)
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    err.print(f"{counts['rows']} rows: {counts['classified']} classified, {counts['errors']} with an error "
              f"field; model {job.model_ref}; written to {out_path}")


@app.command()
def train(
    minutes: float = typer.Option(
        DEFAULT_FINETUNE_MINUTES, "--minutes", help="Fine-tuning time budget in minutes (0: baseline only)."
    ),
    n_demo: int = typer.Option(40_000, help="Generated demo texts in the default training corpus."),
    n_layers: int = typer.Option(
        DEFAULT_LAYERS, help="Encoder layers kept for fine-tuning (fewer: faster to train and serve)."
    ),
    base_model: Path | None = typer.Option(
        None, help="A local Hugging Face encoder (bert-base-chinese, MacBERT…) instead of the converted e5-small."
    ),
    retrain_baseline: bool = typer.Option(False, help="Train a new baseline even when one exists."),
    activate: str = typer.Option("auto", help="auto (only if it beats the serving model) | always | never."),
    threads: int | None = typer.Option(None, help="torch CPU threads for fine-tuning (default: all cores)."),
    learning_rate: float = typer.Option(
        PipelineOptions.learning_rate, help="Encoder learning rate (the default suits budgets of minutes)."
    ),
    head_learning_rate: float = typer.Option(PipelineOptions.head_learning_rate, help="Heads' learning rate."),
    labels: list[Path] = typer.Option([], "--labels", help="Human-labelled file(s) (Label Studio JSON export, "
                                      "CSV/XLSX): their labels override the rules' for the same texts."),
    store_labels: bool = typer.Option(True, help="Also train on the human labels imported into the store "
                                      "(`feedback-nlp label import`)."),
) -> None:
    """Train the default models: data, base model, baseline, fine-tuned transformer; activate the better.

    Each step is skipped when its result exists (delete data/training/default to rebuild
    the corpus). Prints both models' held-out scores and the activation decision.
    """
    from feedback_nlp.training import setup_logging
    from feedback_nlp.training.pipeline import run_pipeline

    setup_logging()
    settings = get_settings()
    label_files = list(labels)
    if store_labels:
        exported = _export_store_labels(settings)
        if exported is not None:
            label_files.append(exported)
    options = PipelineOptions(
        model_dir=settings.model_dir, data_dir=settings.data_dir, public_dir=settings.public_data_dir,
        n_demo=n_demo, finetune_minutes=minutes, n_layers=n_layers, base_model=base_model,
        retrain_baseline=retrain_baseline, activate=activate, num_threads=threads, learning_rate=learning_rate,
        head_learning_rate=head_learning_rate, label_files=label_files,
    )  # fmt: skip
    try:
        result = run_pipeline(options, say=lambda line: console.print(f"[bold]{line}[/]"))
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    table = RichTable(title="training pipeline")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in result.seconds.items():
        table.add_row(step, f"{seconds:.0f}")
    console.print(table)
    console.print(f"baseline: {result.baseline}   transformer: {result.transformer or '-'}   "
                  f"activated: {result.activation.get('activated', False)}")  # fmt: skip


def _export_store_labels(settings: Settings) -> Path | None:
    """The store's current human labels as a CSV under the data folder (None when there are none)."""
    from feedback_nlp.labelling.tabular import write_current_labels

    store = _open_store_if_any(settings)
    if store is None:
        return None
    with store:
        frame = store.current_labels()
    if frame.empty:
        return None
    out = write_current_labels(frame, settings.data_dir / "training" / "store_labels.csv")
    console.print(f"[bold]training on {len(frame)} human labels from the store[/] ({out})")
    return out


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the models in the model folder, newest first, with their scores."""
    from feedback_nlp.classifiers.artifacts import list_models
    from feedback_nlp.classifiers.registry import active_model

    settings = get_settings()
    store = _open_store_if_any(settings)
    try:
        active = active_model(store)
    finally:
        if store is not None:
            store.close()
    infos = list_models(settings.model_dir)
    default = active or _newest_baseline(infos)
    if as_json:
        print(json.dumps([{"ref": i.ref, "kind": i.kind, "path": str(i.path), "created_at": i.created_at,
                           "taxonomy": i.taxonomy, "active": i.ref == default, "metrics": i.metrics}
                          for i in infos], ensure_ascii=False, indent=2))
        return
    table = RichTable(title=f"models in {settings.model_dir}")
    for column in ("", "model", "kind", "taxonomy", "created", "gold fault micro-F1", "gold sentiment acc"):
        table.add_column(column)
    for info in infos:
        gold = info.metrics.get("gold", {})
        table.add_row("*" if info.ref == default else "", info.ref, info.kind, info.taxonomy, info.created_at,
                      _fmt(gold.get("fault_micro_f1")), _fmt(gold.get("sentiment_accuracy")))
    console.print(table)
    if not active and infos:
        console.print("no active model recorded: the newest baseline is used (feedback-nlp models activate NAME)")


def _newest_baseline(infos: list) -> str | None:
    """The model classify uses when none is activated (see ``resolve_model``)."""
    baselines = [i for i in infos if i.kind == "tfidf-linear"]
    return (baselines or infos)[0].ref if infos else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@models_app.command("activate")
def models_activate(name: str = typer.Argument(..., help="NAME or NAME@VERSION.")) -> None:
    """Make a model the default for classify and the API (recorded in the store)."""
    from feedback_nlp.classifiers.registry import activate

    settings = get_settings()
    try:
        with _store(settings) as store:
            info = activate(store, name, settings.model_dir)
    except FeedbackNLPError as exc:
        raise _fail(exc) from None
    console.print(f"active model: {info.ref} ({info.path})")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    console=err, transient=True)


# Command groups that live in their own modules register themselves here.
from feedback_nlp import cli_api, cli_kpis, cli_label, cli_themes  # noqa: E402

cli_api.register(app)
cli_label.register(app)
cli_kpis.register(app)
cli_themes.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
