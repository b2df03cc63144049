"""``feedback-nlp classify`` (a file, or texts given with ``--text``) and ``feedback-nlp classify-store``
(the stored feedback)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from feedback_nlp.classifiers.explain import (
    DEFAULT_TOP_K,
    LABEL_HEADS,
    LINEAR,
    MAX_TOP_K,
    OCCLUSION,
    predicted_label_keys,
)
from feedback_nlp.cli.common import console, err, fail, model_to_use, open_store
from feedback_nlp.config import get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError

if TYPE_CHECKING:
    from rich.console import JustifyMethod


FORMATS = ("table", "json")


def classify(
    in_path: Path | None = typer.Option(None, "--in", help="CSV, TSV, JSON lines or XLSX with a text column."),
    out_path: Path | None = typer.Option(None, "--out", help="JSON lines output, one line per input row, in order."),
    texts: list[str] = typer.Option([], "--text", help="A text to classify (repeatable), printed instead of "
                                    "--in/--out."),
    model: str | None = typer.Option(None, "--model", help="Model directory, NAME or NAME@VERSION (default: active)."),
    text_column: str = typer.Option("text", help="Name of the text column."),
    batch_size: int = typer.Option(1000, min=1, help="Texts classified together."),
    progress: bool = typer.Option(True, help="Show a progress bar on stderr."),
    workers: int = typer.Option(1, min=1, help="Worker processes (jieba is single-threaded; 2 on a 2-core machine)."),
    explain: bool = typer.Option(False, "--explain", help="Add the words that drove each label (`explanations`: "
                                 "offsets into the text, signed weights); a transformer runs once per word."),
    top_k: int = typer.Option(DEFAULT_TOP_K, "--top-k", min=1, max=MAX_TOP_K, help="Words per label with --explain."),
    fmt: str = typer.Option("table", "--format", help="With --text: table | json (JSON lines)."),
) -> None:
    """Classify every text of a file (or --text): fault types, primary fault, sentiment, aspects, scores, tokens,
    keywords, and with --explain the words behind each label."""
    import jieba

    from feedback_nlp.classification import Classification, classify_file
    from feedback_nlp.explanations import ExplainedClassification

    if fmt not in FORMATS:
        raise fail(ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}"))
    if bool(texts) == (in_path is not None):
        raise fail(ConfigError("give --in FILE --out FILE, or one or more --text TEXT"))
    if in_path is not None and out_path is None:
        raise fail(ConfigError("--in needs --out FILE (the JSON lines written)"))
    jieba.setLogLevel(logging.INFO)  # jieba's own handler prints its dictionary build at DEBUG
    settings = get_settings()
    try:
        path = model_to_use(model, settings)
        job = Classification.from_settings(path, settings)
        if explain:
            job = ExplainedClassification.of(job, top_k=top_k)
        if texts:
            records = job.classify(texts)
        else:
            assert in_path is not None and out_path is not None  # checked above
            counts = classify_file(job, in_path, out_path, batch_size=batch_size, text_column=text_column,
                                   progress=progress, workers=workers)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if texts:
        _print_records(texts, records, job.model_ref, fmt)
        return
    err.print(f"{counts['rows']} rows: {counts['classified']} classified, {counts['errors']} with an error "
              f"field; model {job.model_ref}; written to {out_path}")


def _print_records(texts: list[str], records: list[dict[str, Any]], ref: str, fmt: str) -> None:
    """``--text``: JSON lines (``--format json``), or one table per text with the top words of each label."""
    if fmt == "json":
        for text, record in zip(texts, records, strict=True):
            typer.echo(json.dumps({"text": text, **record}, ensure_ascii=False))
        return
    for text, record in zip(texts, records, strict=True):
        if "error" in record:
            console.print(f"[yellow]not classified:[/] {text}: {record['error']}")
            continue
        explanations = record.get("explanations")
        table = RichTable(title=f"{text} (model {ref})", title_justify="left")
        for column, justify in (("标签 label", "left"), ("分数 score", "right"), ("依据 top words", "left")):
            table.add_column(column, justify=cast("JustifyMethod", justify), overflow="fold")
        scores = record["scores"]
        for key in predicted_label_keys(record):
            prefix, _, code = key.partition(":")
            head = LABEL_HEADS[prefix] if prefix != "primary" else "fault_types"  # records score fault types only
            score = scores.get(head, {}).get(code)
            words = "" if explanations is None else "  ".join(
                f"{span['text']} {span['weight']:+.3f}" for span in explanations.get(key, []))
            table.add_row(key, "-" if score is None else f"{score:.3f}", words)
        console.print(table)
        if explanations is not None:
            console.print(f"weights: {_WEIGHT_NOTE[record['explanation_method']]}")


_WEIGHT_NOTE = {
    LINEAR: "each word's share of the label's logit (exact contributions of the TF-IDF model)",
    OCCLUSION: "drop of the label's probability when the word is removed (occlusion)",
}


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
