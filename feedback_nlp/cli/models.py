"""``feedback-nlp models …``: list and activate classification models."""

from __future__ import annotations

import json

import typer
from rich.table import Table as RichTable

from feedback_nlp.classifiers.artifacts import default_model
from feedback_nlp.cli.common import console, fail, open_store, open_store_if_any
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError

models_app = typer.Typer(help="List and activate classification models.", no_args_is_help=True)


def models_list(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the models in the model folder, newest first, with their scores."""
    from feedback_nlp.classifiers.artifacts import list_models
    from feedback_nlp.classifiers.registry import active_model

    settings = get_settings()
    store = open_store_if_any(settings)
    try:
        active = active_model(store)
    finally:
        if store is not None:
            store.close()
    infos = list_models(settings.model_dir)
    fallback = default_model(infos)
    default = active or (fallback.ref if fallback else None)
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


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def models_activate(name: str = typer.Argument(..., help="NAME or NAME@VERSION.")) -> None:
    """Make a model the default for classify and the API (recorded in the store)."""
    from feedback_nlp.classifiers.registry import activate

    settings = get_settings()
    try:
        with open_store(settings) as store:
            info = activate(store, name, settings.model_dir)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    console.print(f"active model: {info.ref} ({info.path})")


def register(app: typer.Typer) -> None:
    models_app.command("list")(models_list)
    models_app.command("activate")(models_activate)
    app.add_typer(models_app, name="models")
