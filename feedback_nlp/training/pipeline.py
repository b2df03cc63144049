"""The whole training pipeline behind ``feedback-nlp train`` and the first ``serve --demo``.

Steps, each skipped when its result is already there (so a second run is cheap):

1. **data** — the default corpus (demo text + the public labelled sets, read in place)
   written once to ``<data_dir>/training/default`` by :mod:`~feedback_nlp.training.prepare_data`;
2. **base** — the pretrained encoder converted to ``<model_dir>/base/e5-small-zh``
   (:mod:`~feedback_nlp.training.prepare_base`'s conversion; a user's ``--base-model`` skips it);
3. **baseline** — :mod:`~feedback_nlp.training.baseline`, unless a baseline of the
   default taxonomy trained on the same human labels exists (``retrain_baseline`` forces one);
4. **fine-tune** — :mod:`~feedback_nlp.training.finetune` within a time budget, blended
   with that baseline, scored on held-out data and activated only when it beats the serving model.

Every model is made by the same commands an analyst runs (``training/*.py`` are thin
scripts over them); this module only runs them in order, with progress, and reports how
long each step took.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_BASE_NAME = Path("base") / "e5-small-zh"
#: The first start's fine-tuning recipe, the best measured on 2 CPU cores within 8 minutes
#: (docs/benchmarks.md, "Classification quality after human labels", 2026-12-03): all 12
#: layers kept, the bottom 9 run once per text and cached, the top 3 trained for many
#: epochs over every human-labelled row and 6,000 rule-labelled ones. Gold 0.8435 and
#: holdout 0.8043 blended, against 0.8324 / 0.7860 for the earlier 4-layer recipe (all rows,
#: < 1 epoch in 7 minutes). The budget includes the caching (~2 min).
DEFAULT_FINETUNE_MINUTES = 8.0
DEFAULT_LAYERS = 12
DEFAULT_TRAINABLE_LAYERS = 3
DEFAULT_RULE_ROWS = 6000


@dataclass
class PipelineOptions:
    """What ``feedback-nlp train`` varies; the defaults fit a 2-core CPU in about 20 minutes."""

    model_dir: Path
    data_dir: Path
    public_dir: Path | None
    n_demo: int = 40_000
    finetune_minutes: float = DEFAULT_FINETUNE_MINUTES
    n_layers: int | None = DEFAULT_LAYERS
    #: Only the top layers train (the ones below run once per text and are cached), so an
    #: 8-minute budget gives several epochs: 2e-4 / 3e-3 with early stopping after 3
    #: epochs without a better validation loss (the 4-layer recipe used 3e-4 for < 1 epoch).
    learning_rate: float = 2e-4
    head_learning_rate: float = 3e-3
    epochs: int = 30
    patience: int = 3
    max_eval_samples: int = 2000
    base_model: Path | None = None
    retrain_baseline: bool = False
    activate: str = "auto"
    num_threads: int | None = None
    #: Human-labelled files read after the project's own (``train --labels``; the store's
    #: labels are exported to one of these by the CLI). They win over the rules' labels.
    label_files: list[Path] = field(default_factory=list)
    #: Fine-tuning keeps every human-labelled row and samples this many rule-labelled ones.
    rule_rows: int | None = DEFAULT_RULE_ROWS
    #: Only the top layers train; the ones below are run once per text and cached.
    trainable_layers: int | None = DEFAULT_TRAINABLE_LAYERS
    extra_finetune_args: list[str] = field(default_factory=list)


@dataclass
class PipelineResult:
    baseline: str | None = None
    transformer: str | None = None
    activation: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _newest_default_baseline(model_dir: Path, human_labels: str | None = None) -> str | None:
    """The newest default-taxonomy baseline; with ``human_labels``, only one trained on those labels."""
    from feedback_nlp.classifiers.artifacts import BASELINE_KIND, list_models, read_metadata
    from feedback_nlp.taxonomy import Taxonomy

    label = Taxonomy.default().label
    for info in list_models(model_dir):
        if info.kind != BASELINE_KIND or info.taxonomy != label:
            continue
        seen = read_metadata(info.path).get("training_data", {}).get("human_labels", "none")
        if human_labels is None or seen == human_labels:
            return info.ref
    return None


def human_labels_fingerprint(public_dir: Path | None, label_files: list[Path]) -> str:
    """The fingerprint :func:`feedback_nlp.training.load_training_data` will record for these labels."""
    from feedback_nlp.taxonomy import Taxonomy
    from feedback_nlp.training import human_label_files
    from feedback_nlp.training.human_labels import labels_hash, load_human_labels

    files = human_label_files(None, label_files, is_default=True, public_dir=public_dir)
    labels, _ = load_human_labels(files, Taxonomy.default(), public_dir=public_dir)
    return labels_hash(labels)


def run_pipeline(options: PipelineOptions, *, say: Callable[[str], None] = print) -> PipelineResult:
    """Run the steps in order; ``say`` receives one line per step (the CLI prints them)."""
    result = PipelineResult()
    public = options.public_dir if options.public_dir is not None and Path(options.public_dir).exists() else None
    public_arg = str(public) if public is not None else str(options.model_dir / "no-public-data")
    steps = 4
    started = time.perf_counter()

    def step(n: int, title: str) -> float:
        say(f"[{n}/{steps}] {title}  (at {time.perf_counter() - started:.0f} s)")
        return time.perf_counter()

    t = step(1, "training data")
    data_dir = options.data_dir / "training" / "default"
    if not (data_dir / "train.jsonl").exists():
        from feedback_nlp.training import prepare_data

        prepare_data.main(
            ["--preset", "default", "--out", str(data_dir), "--public-dir", public_arg, "--n-demo", str(options.n_demo)]
        )
    else:
        say(f"      reusing {data_dir}")
    result.seconds["data"] = time.perf_counter() - t

    t = step(2, "base model")
    base = options.base_model
    if options.finetune_minutes <= 0:
        say("      not needed: no fine-tuning")
    elif base is None:
        from feedback_nlp.encoder.convert import ensure_base_model

        base = ensure_base_model(options.model_dir / DEFAULT_BASE_NAME)
    elif not (Path(base) / "config.json").exists():
        raise ConfigError(f"--base-model {base}: not a model directory (no config.json)")
    result.seconds["base"] = time.perf_counter() - t

    t = step(3, "baseline (TF-IDF + logistic regression)")
    common = ["--data-dir", str(data_dir), "--model-dir", str(options.model_dir), "--public-dir", public_arg]
    if options.label_files:
        common += ["--extra-label-files", *map(str, options.label_files)]
    fingerprint = human_labels_fingerprint(public, list(options.label_files))
    result.baseline = None if options.retrain_baseline else _newest_default_baseline(options.model_dir, fingerprint)
    if result.baseline is None and not options.retrain_baseline and _newest_default_baseline(options.model_dir):
        say("      the human labels changed since the newest baseline: training a new one on the same data")
    if result.baseline is None:
        from feedback_nlp.training import baseline

        out = baseline.main([*common, "--name", "baseline"])
        result.baseline = out["model"]
    else:
        say(f"      reusing {result.baseline}")
    result.seconds["baseline"] = time.perf_counter() - t

    if options.finetune_minutes <= 0:
        say("[4/4] fine-tuning skipped (budget 0 minutes)")
        result.seconds["total"] = time.perf_counter() - started
        return result
    t = step(4, f"fine-tuning the transformer (budget {options.finetune_minutes:g} min)")
    argv = [*common, "--base-model", str(base), "--name", "transformer", "--blend-with", result.baseline,
            "--max-minutes", str(options.finetune_minutes),
            *(["--n-layers", str(options.n_layers)] if options.n_layers else []),
            "--learning-rate", str(options.learning_rate),
            "--head-learning-rate", str(options.head_learning_rate),
            "--epochs", str(options.epochs), "--patience", str(options.patience),
            "--max-eval-samples", str(options.max_eval_samples),
            "--activate", options.activate,
            *(["--rule-rows", str(options.rule_rows)] if options.rule_rows is not None else []),
            *(["--trainable-layers", str(options.trainable_layers)] if options.trainable_layers is not None else []),
            *options.extra_finetune_args]  # fmt: skip
    if options.num_threads:
        argv += ["--num-threads", str(options.num_threads)]
    from feedback_nlp.training import finetune

    out = finetune.main(argv)
    result.transformer = out["model"]
    result.activation = out.get("activation", {})
    result.seconds["finetune"] = time.perf_counter() - t
    result.seconds["total"] = time.perf_counter() - started
    return result
