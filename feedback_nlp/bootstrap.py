"""Bring an empty installation up on the embedded demo: data files, then the store.

Used by ``feedback-nlp serve --demo`` (and so by ``./dev.sh up``). Each step runs only
when its result is missing, so a second start is fast and never overwrites the
user's own data: a store that already holds tickets is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from feedback_nlp.ingest import IngestReport, ingest_file
from feedback_nlp.store import Store
from feedback_nlp.training.pipeline import PipelineOptions, PipelineResult, run_pipeline

logger = logging.getLogger(__name__)

# Load order matters only for the links reported as warnings: tickets before the
# rows that refer to them.
DEMO_FILES: tuple[tuple[str, str], ...] = (
    ("tickets", "tickets.csv"),
    ("orders", "orders.xlsx"),
    ("feedback", "feedback.jsonl"),
    ("followups", "followups.csv"),
)


@dataclass
class DemoStatus:
    generated: bool = False
    reports: list[IngestReport] = field(default_factory=list)


def ensure_demo_data(directory: Path, *, n_tickets: int = 20_000, seed: int = 0) -> bool:
    """Write the demo files into ``directory`` unless they are there; True when written."""
    if (directory / "manifest.json").exists():
        return False
    from feedback_nlp.demo.tables import generate_demo_data
    from feedback_nlp.demo.writer import write_demo_files

    logger.info("generating demo data (%d tickets) in %s", n_tickets, directory)
    write_demo_files(generate_demo_data(n_tickets, seed=seed), directory)
    return True


def load_demo(store: Store, directory: Path, *, timezone: str, max_text_length: int) -> list[IngestReport]:
    """Ingest the four demo files into ``store``."""
    return [
        ingest_file(store, table, directory / name, timezone=timezone, max_text_length=max_text_length)
        for table, name in DEMO_FILES
    ]


def ensure_demo(store: Store, data_dir: Path, *, timezone: str, max_text_length: int,
                n_tickets: int = 20_000, seed: int = 0) -> DemoStatus:
    """Generate and ingest the demo when the store holds no tickets yet."""
    status = DemoStatus()
    if store.info().tables["tickets"] > 0:
        return status
    demo_dir = data_dir / "demo"
    status.generated = ensure_demo_data(demo_dir, n_tickets=n_tickets, seed=seed)
    status.reports = load_demo(store, demo_dir, timezone=timezone, max_text_length=max_text_length)
    return status


def ensure_model(model_dir: Path, *, public_dir: Path | None, n_demo: int = 40_000,
                 data_dir: Path | None = None, finetune_minutes: float = 0.0) -> PipelineResult | None:
    """Run the training pipeline when ``model_dir`` holds no model; ``None`` when one is there.

    ``finetune_minutes`` > 0 also fine-tunes the transformer (activated only when it
    beats the baseline on held-out data); 0 trains the baseline alone. Uses the public
    labelled data when ``public_dir`` exists, demo text only otherwise. Raises
    :class:`ConfigError` when the training scripts are not available (an installation
    without the source checkout): train a model and point ``FEEDBACK_NLP_MODEL_DIR``
    at it instead.
    """
    from feedback_nlp.classifiers.artifacts import list_models

    if list_models(model_dir):
        return None
    logger.info("no model in %s: running the training pipeline (once)", model_dir)
    options = PipelineOptions(model_dir=Path(model_dir), data_dir=Path(data_dir or model_dir.parent / "data"),
                              public_dir=public_dir, n_demo=n_demo, finetune_minutes=finetune_minutes)  # fmt: skip
    return run_pipeline(options, say=logger.info)
