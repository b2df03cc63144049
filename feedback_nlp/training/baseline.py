"""Train the TF-IDF + logistic-regression baseline and write a model directory.

Examples::

    # the default model: demo text + the public sets (gold and test texts held out)
    python training/train_baseline.py --public-dir ../shared/data/public

    # your own data and taxonomy (files from training/prepare_data.py or your own)
    python training/train_baseline.py --data-dir data/training/chezhi-letters \
        --taxonomy data/training/chezhi-letters/taxonomy.yaml --name chezhi-letters

Writes ``models/<name>/<version>/`` (weights, ``metadata.json`` with metrics,
``run_args.json``, ``{split}_results.json``, ``all_results.json``) and prints the scores.

Run as ``python -m feedback_nlp.training.baseline`` or ``python training/train_baseline.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training import (
    DataArguments,
    args_to_dict,
    choice_rows,
    evaluate_and_save,
    load_training_data,
    output_dir,
    parse_args,
    setup_logging,
)

logger = logging.getLogger("train_baseline")


@dataclass
class BaselineArguments:
    C: float = field(default=8.0, metadata={"help": "Inverse regularisation strength of every logistic regression."})
    max_char_features: int = field(default=300_000, metadata={"help": "Character 1-3-gram vocabulary size."})
    max_word_features: int = field(default=200_000, metadata={"help": "jieba word uni/bigram vocabulary size."})
    min_df: int = field(default=2, metadata={"help": "Ignore n-grams in fewer texts than this."})
    max_iter: int = field(default=300, metadata={"help": "Solver iterations of each logistic regression."})
    n_jobs: int = field(default=-1, metadata={"help": "Worker processes for the per-label fits (-1: one per core); "
                                              "the model is the same whatever the number."})


@dataclass
class OutputArguments:
    model_dir: Path = field(default=Path("models"), metadata={"help": "Root folder of model artifacts."})
    name: str = field(default="baseline", metadata={"help": "Model name; the version is v1, v2, ... unless given."})
    version: str | None = field(default=None, metadata={"help": "Version folder name (default: next vN)."})
    overwrite: bool = field(default=False, metadata={"help": "Allow writing into an existing version folder."})
    seed: int = field(default=0, metadata={"help": "Random seed."})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    data_args, model_args, out_args = parse_args(
        argv, DataArguments, BaselineArguments, OutputArguments, description=__doc__.splitlines()[0]
    )
    taxonomy = Taxonomy.load(data_args.taxonomy) if data_args.taxonomy else Taxonomy.default()
    data = load_training_data(data_args, taxonomy, seed=out_args.seed)
    out, version = output_dir(out_args.model_dir, out_args.name, out_args.version, overwrite=out_args.overwrite)
    model = TfidfClassifier(
        taxonomy, name=out_args.name, version=version, C=model_args.C, max_char_features=model_args.max_char_features,
        max_word_features=model_args.max_word_features, min_df=model_args.min_df, max_iter=model_args.max_iter,
        random_state=out_args.seed, n_jobs=model_args.n_jobs,
    )  # fmt: skip
    train, valid = data.sets["train"], data.sets["valid"]
    logger.info("training on %d texts, tuning thresholds on %d", len(train), len(valid))
    weights = train["weight"].to_numpy(dtype=float) if "weight" in train.columns else None
    tune = choice_rows(valid)  # thresholds are chosen where the labels are best
    model.fit(train["text"].tolist(), train, X_valid=tune["text"].tolist(), y_valid=tune, sample_weight=weights)
    results = evaluate_and_save(model, data, train, out, args_to_dict(data_args, model_args, out_args))
    print(f"model written to {out}")
    return results


if __name__ == "__main__":
    main()
