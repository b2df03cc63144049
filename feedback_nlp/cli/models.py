"""``feedback-nlp models …``: list and activate classification models."""

from __future__ import annotations

import json

import typer
from rich.table import Table as RichTable

from feedback_nlp import service
from feedback_nlp.cli.common import console, fail, open_store, open_store_if_any
from feedback_nlp.cli.remote import API_KEY_OPTION, SERVER_OPTION, RemoteApi
from feedback_nlp.config import get_settings
from feedback_nlp.errors import FeedbackNLPError

models_app = typer.Typer(help="List and activate classification models.", no_args_is_help=True)


def models_list(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
                server: str | None = SERVER_OPTION, api_key: str | None = API_KEY_OPTION) -> None:
    """List the models in the model folder, newest first, with their scores."""
    from feedback_nlp.classifiers.registry import active_model

    settings = get_settings()
    if server is not None:
        _remote_list(server, api_key, as_json)
        return
    store = open_store_if_any(settings)
    try:
        active = active_model(store)
    finally:
        if store is not None:
            store.close()
    entries = service.model_listing(settings.model_dir, active)
    # The CLI marks the model that classifies when none is named: the recorded one, else the default.
    if as_json:
        print(json.dumps([{"ref": e["ref"], "kind": e["kind"], "path": str(e["path"]), "created_at": e["created_at"],
                           "taxonomy": e["taxonomy"], "active": e["default"], "metrics": e["metrics"]}
                          for e in entries], ensure_ascii=False, indent=2))
        return
    table = RichTable(title=f"models in {settings.model_dir}")
    for column in ("", "model", "kind", "taxonomy", "created", "gold fault micro-F1", "gold sentiment acc"):
        table.add_column(column)
    for e in entries:
        gold = e["metrics"].get("gold", {})
        table.add_row("*" if e["default"] else "", e["ref"], e["kind"], e["taxonomy"], e["created_at"],
                      _fmt(gold.get("fault_micro_f1")), _fmt(gold.get("sentiment_accuracy")))
    console.print(table)
    if not active and entries:
        console.print("no active model recorded: the newest baseline is used (feedback-nlp models activate NAME)")


def _remote_list(server: str, api_key: str | None, as_json: bool) -> None:
    """``models list --server``: the running server's models, the one it serves and its background job."""
    try:
        with RemoteApi(server, api_key) as remote:
            data = remote.get("/v1/models")
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = RichTable(title=f"models served by {server}")
    for column in ("", "model", "kind", "taxonomy", "created", "loaded", "gold fault micro-F1", "gold sentiment acc"):
        table.add_column(column)
    for item in data["models"]:
        gold = (item.get("metrics") or {}).get("gold", {})
        table.add_row("*" if item["active"] else "", item["ref"], item["kind"], item["taxonomy"], item["created_at"],
                      "yes" if item["loaded"] else "", _fmt(gold.get("fault_micro_f1")),
                      _fmt(gold.get("sentiment_accuracy")))
    console.print(table)
    training = data.get("training")
    if training:
        console.print(f"background fine-tune: {training['state']}"
                      + (f" — {training['reason']}" if training.get("reason") else ""))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def models_activate(name: str = typer.Argument(..., help="NAME or NAME@VERSION."),
                    server: str | None = SERVER_OPTION, api_key: str | None = API_KEY_OPTION) -> None:
    """Make a model the default for classify and the API (recorded in the store); --server: on that server."""
    from feedback_nlp.classifiers.registry import activate

    settings = get_settings()
    try:
        if server is not None:
            with RemoteApi(server, api_key) as remote:
                answer = remote.post(f"/v1/models/{name}/activate")
            console.print(f"active model on {server}: {answer['active']}")
            return
        with open_store(settings) as store:
            info = activate(store, name, settings.model_dir)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    console.print(f"active model: {info.ref} ({info.path})")


def register(app: typer.Typer) -> None:
    models_app.command("list")(models_list)
    models_app.command("activate")(models_activate)
    app.add_typer(models_app, name="models")
