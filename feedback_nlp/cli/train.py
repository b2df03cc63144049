"""``feedback-nlp train``: the whole training pipeline (:mod:`feedback_nlp.training.pipeline`)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, fail, open_store_if_any
from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.training.pipeline import (
    DEFAULT_FINETUNE_MINUTES,
    DEFAULT_LAYERS,
    DEFAULT_RULE_ROWS,
    DEFAULT_TRAINABLE_LAYERS,
    PipelineOptions,
)


def train(
    minutes: float = typer.Option(
        DEFAULT_FINETUNE_MINUTES, "--minutes", help="Fine-tuning time budget in minutes (0: baseline only)."
    ),
    n_demo: int = typer.Option(40_000, help="Generated demo texts in the default training corpus."),
    n_layers: int = typer.Option(
        DEFAULT_LAYERS, help="Encoder layers kept for fine-tuning (fewer: faster to train and serve)."
    ),
    trainable_layers: int = typer.Option(
        DEFAULT_TRAINABLE_LAYERS, help="Top layers trained; the ones below run once per text and are cached "
        "(at or above --n-layers: all train)."),
    rule_rows: int = typer.Option(
        DEFAULT_RULE_ROWS, help="Fine-tuning keeps every human-labelled row and samples this many rule-labelled ones."),
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
    json_out: Path | None = typer.Option(
        None, "--json-out", help="Also write the result (models made, activation, seconds per step) as JSON here."),
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
        head_learning_rate=head_learning_rate, label_files=label_files, trainable_layers=trainable_layers,
        rule_rows=rule_rows,
    )  # fmt: skip
    try:
        result = run_pipeline(options, say=lambda line: console.print(f"[bold]{line}[/]"))
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    table = RichTable(title="training pipeline")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in result.seconds.items():
        table.add_row(step, f"{seconds:.0f}")
    console.print(table)
    console.print(f"baseline: {result.baseline}   transformer: {result.transformer or '-'}   "
                  f"activated: {result.activation.get('activated', False)}")  # fmt: skip
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(dataclasses.asdict(result), ensure_ascii=False, default=str, indent=2),
                            encoding="utf-8")


def _export_store_labels(settings: Settings) -> Path | None:
    """The store's current human labels as a CSV under the data folder (None when there are none)."""
    from feedback_nlp.labelling.tabular import export_current_labels

    store = open_store_if_any(settings)
    if store is None:
        return None
    with store:
        exported = export_current_labels(store, settings.data_dir / "training" / "store_labels.csv")
    if exported is None:
        return None
    out, n = exported
    console.print(f"[bold]training on {n} human labels from the store[/] ({out})")
    return out


def register(app: typer.Typer) -> None:
    app.command()(train)
