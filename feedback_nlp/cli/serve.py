"""``feedback-nlp serve``: the HTTP API (uvicorn); ``--demo`` prepares data and a model first."""

from __future__ import annotations

import logging
import os

import typer

from feedback_nlp.cli import api_key as cli_api
from feedback_nlp.cli.common import err, fail, open_store
from feedback_nlp.cli.ingest import print_report
from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError
from feedback_nlp.training.pipeline import DEFAULT_FINETUNE_MINUTES


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
        help="When no fine-tuned transformer exists: its fine-tuning budget (0: baseline only).",
    ),
    finetune_in_background: bool = typer.Option(
        True, "--finetune-in-background/--finetune-first",
        help="--demo on a first start: serve the baseline within minutes and fine-tune in a background process, "
        "switching to the transformer when it wins (default); or fine-tune before serving."),
    classify_only: bool = typer.Option(
        False, "--classify-only", help="Never open the store (FEEDBACK_NLP_API__STORE=none): classify routes "
        "only, next to one server that holds the store; several such workers may run (--workers)."),
    workers: int = typer.Option(1, min=1, help="Worker processes (more than 1 needs --classify-only: DuckDB "
                                "lets one process hold the store)."),
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    from api.app import create_app
    from feedback_nlp.bootstrap import ensure_demo, ensure_model

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if classify_only:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update={"store": "none"})})
    if workers > 1 and settings.api.store != "none":
        raise fail(ConfigError(f"--workers {workers}: several workers cannot share the store (DuckDB lets one "
                               "process hold it); add --classify-only and run one `feedback-nlp serve` for the store"))
    if demo and settings.api.store == "none":
        raise fail(ConfigError("--demo prepares the store: it cannot be combined with --classify-only"))
    if demo:
        try:
            with open_store(settings) as store:
                status = ensure_demo(store, settings.data_dir, timezone=settings.timezone,
                                     max_text_length=settings.ingest.max_text_length, n_tickets=demo_tickets)
        except FeedbackNLPError as exc:
            raise fail(exc) from None
        for report in status.reports:
            print_report(report, show=5)
        background = finetune_in_background and demo_finetune_minutes > 0
        try:
            ensure_model(settings.model_dir, public_dir=settings.public_data_dir, n_demo=demo_model_texts,
                         data_dir=settings.data_dir, finetune_minutes=0 if background else demo_finetune_minutes)
        except FeedbackNLPError as exc:
            raise fail(exc) from None
        if background:  # the app starts the job when the model folder holds no transformer yet
            api = settings.api.model_copy(update={"background_finetune_minutes": demo_finetune_minutes})
            settings = settings.model_copy(update={"api": api})
        try:
            _classify_stored_feedback(settings)
        except FeedbackNLPError as exc:
            raise fail(exc) from None
        settings = cli_api.with_demo_key(settings, host)
    if workers > 1:
        # Each worker process builds its app from the environment (api.app:factory).
        os.environ["FEEDBACK_NLP_API__STORE"] = "none"
        uvicorn.run("api.app:factory", factory=True, host=host, port=port, workers=workers,
                    timeout_keep_alive=int(settings.api.keep_alive_s))
        return
    uvicorn.run(create_app(settings), host=host, port=port, timeout_keep_alive=int(settings.api.keep_alive_s))


def _classify_stored_feedback(settings: Settings) -> None:
    """Demo start-up: store the active model's predictions of every feedback text that lacks one."""
    from feedback_nlp.classification import Classification
    from feedback_nlp.classifiers.artifacts import read_metadata
    from feedback_nlp.classifiers.registry import resolve_active
    from feedback_nlp.predictions import ensure_predictions, missing_predictions

    with open_store(settings) as store:
        path = resolve_active(None, settings.model_dir, store)
        meta = read_metadata(path)
        if missing_predictions(store, f"{meta['name']}@{meta['version']}") == 0:
            return  # a later start: nothing to load or classify
        report = ensure_predictions(store, Classification.from_settings(path, settings))
    if report is not None:
        err.print(f"classified {report.n_stored:,} stored feedback texts with {report.model} "
                  f"({report.duration_s:.0f} s)")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(serve)
