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


#: The training script that makes every model artifact (DEVELOPERS.md: scripts are the only way).
TRAIN_BASELINE_SCRIPT = Path(__file__).resolve().parents[1] / "training" / "train_baseline.py"


def ensure_model(model_dir: Path, *, public_dir: Path | None, n_demo: int = 40_000) -> Path | None:
    """Train the baseline with ``training/train_baseline.py`` when ``model_dir`` holds no model.

    Uses the public labelled data when ``public_dir`` exists, demo text only otherwise.
    Returns the new model's directory, or ``None`` when a model was already there.
    Raises :class:`ConfigError` when the training scripts are not available (an
    installation without the source checkout): train a model and point
    ``FEEDBACK_NLP_MODEL_DIR`` at it instead.
    """
    from feedback_nlp.classifiers.artifacts import list_models
    from feedback_nlp.errors import ConfigError

    if list_models(model_dir):
        return None
    if not TRAIN_BASELINE_SCRIPT.exists():
        raise ConfigError(f"no model in {model_dir} and no training script at {TRAIN_BASELINE_SCRIPT} to build one")
    argv = ["--model-dir", str(model_dir), "--n-demo", str(n_demo)]
    if public_dir is not None and Path(public_dir).exists():
        argv += ["--public-dir", str(public_dir)]
    else:
        argv += ["--public-dir", str(model_dir / "no-public-data")]
    logger.info("no model in %s: training the baseline (a few minutes, once)", model_dir)
    from feedback_nlp.training import load_script

    results = load_script(TRAIN_BASELINE_SCRIPT).main(argv)
    return Path(results["model_path"])
