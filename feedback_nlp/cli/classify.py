"""``feedback-nlp classify`` (a file) and ``feedback-nlp classify-store`` (the stored feedback)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from feedback_nlp.cli.common import console, err, fail, open_store, open_store_if_any
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError


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

    from feedback_nlp.classification import Classification, classify_file
    from feedback_nlp.classifiers.registry import resolve_active

    jieba.setLogLevel(logging.INFO)  # jieba's own handler prints its dictionary build at DEBUG
    settings = get_settings()
    try:
        store = open_store_if_any(settings)
        try:
            path = resolve_active(model, settings.model_dir, store)
        finally:
            if store is not None:
                store.close()
        job = Classification.from_settings(path, settings)
        counts = classify_file(job, in_path, out_path, batch_size=batch_size, text_column=text_column,
                               progress=progress, workers=workers)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    err.print(f"{counts['rows']} rows: {counts['classified']} classified, {counts['errors']} with an error "
              f"field; model {job.model_ref}; written to {out_path}")


def classify_store_command(
    model: str | None = typer.Option(None, "--model", help="Model NAME or NAME@VERSION (default: active)."),
    all_rows: bool = typer.Option(False, "--all", help="Reclassify every row, not only those without predictions."),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, help="Texts classified and stored together."),
    progress: bool = typer.Option(True, help="Show a progress bar on stderr."),
) -> None:
    """Classify the stored feedback texts and store the predictions (per model version)."""
    import jieba

    from feedback_nlp.classification import Classification
    from feedback_nlp.classifiers.registry import resolve_active
    from feedback_nlp.predictions import classify_store

    jieba.setLogLevel(logging.INFO)
    settings = get_settings()
    try:
        with open_store(settings) as store:
            path = resolve_active(model, settings.model_dir, store)
            job = Classification.from_settings(path, settings)
            bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           console=err, transient=True, disable=not progress)
            with bar:
                task = bar.add_task(f"classify-store {job.model_ref}", total=None)
                report = classify_store(store, job, only_missing=not all_rows, batch_size=batch_size,
                                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    console.print(f"model {report.model}: {report.n_stored:,} stored, {report.n_errors:,} not classifiable, "
                  f"{report.n_skipped:,} already predicted, {report.n_feedback:,} feedback rows "
                  f"({report.duration_s:.1f} s)")
    for error in report.errors[:10]:
        console.print(f"[yellow]not classified:[/] {error['feedback_id']}: {error['error']}")


def register(app: typer.Typer) -> None:
    app.command()(classify)
    app.command("classify-store")(classify_store_command)
