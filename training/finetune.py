"""Fine-tune the transformer (one encoder, multi-task heads) and write a model directory.

Examples::

    # the default: converted multilingual-e5-small, default corpus, a CPU budget
    python training/finetune.py --public-dir ../shared/data/public --max-steps 1200

    # a local Chinese checkpoint instead (bert-base-chinese, chinese-roberta-wwm-ext, MacBERT…)
    python training/finetune.py --base-model /models/chinese-roberta-wwm-ext --n-layers 6

    # your own data and taxonomy
    python training/finetune.py --data-dir data/training/chezhi-letters \
        --taxonomy data/training/chezhi-letters/taxonomy.yaml --name chezhi-letters-ft

Writes ``models/<name>/<version>/`` in the same format as the baseline (``metadata.json``
with metrics on every held-out set, the gold set included for the default taxonomy),
and prints the scores next to the best baseline's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.classifiers.artifacts import list_models
from feedback_nlp.classifiers.transformer import FinetuneConfig, TransformerClassifier
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training import (
    DataArguments,
    args_to_dict,
    evaluate_and_save,
    load_training_data,
    output_dir,
    parse_args,
    setup_logging,
)

logger = logging.getLogger("finetune")
DEFAULT_BASE = Path("models/base/e5-small-zh")


@dataclass
class ModelArguments:
    base_model: Path = field(
        default=DEFAULT_BASE,
        metadata={
            "help": "Local Hugging Face encoder directory; the default is converted by training/prepare_base.py."
        },
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "Use at most this many training texts."})


@dataclass
class OutputArguments:
    model_dir: Path = field(default=Path("models"), metadata={"help": "Root folder of model artifacts."})
    name: str = field(default="transformer", metadata={"help": "Model name; the version is v1, v2, ... unless given."})
    version: str | None = field(default=None, metadata={"help": "Version folder name (default: next vN)."})
    overwrite: bool = field(default=False, metadata={"help": "Allow writing into an existing version folder."})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    data_args, model_args, train_args, out_args = parse_args(
        argv, DataArguments, ModelArguments, FinetuneConfig, OutputArguments, description=__doc__.splitlines()[0]
    )
    taxonomy = Taxonomy.load(data_args.taxonomy) if data_args.taxonomy else Taxonomy.default()
    if model_args.base_model == DEFAULT_BASE and not (DEFAULT_BASE / "config.json").exists():
        from feedback_nlp.transformer.convert import ensure_base_model

        logger.info("converting the default base model into %s (once)", DEFAULT_BASE)
        ensure_base_model(DEFAULT_BASE)
    data = load_training_data(data_args, taxonomy, seed=train_args.random_state)
    train, valid = data.sets["train"], data.sets["valid"]
    if model_args.max_train_samples is not None and len(train) > model_args.max_train_samples:
        train = train.sample(model_args.max_train_samples, random_state=train_args.random_state).reset_index(drop=True)
    out, version = output_dir(out_args.model_dir, out_args.name, out_args.version, overwrite=out_args.overwrite)
    model = TransformerClassifier(
        taxonomy, base_model=model_args.base_model, name=out_args.name, version=version, config=train_args
    )
    logger.info("fine-tuning on %d texts, validating on %d", len(train), len(valid))
    model.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)
    results = evaluate_and_save(model, data, train, out, args_to_dict(data_args, model_args, train_args, out_args))
    baseline = next((m for m in list_models(out_args.model_dir) if m.kind == "tfidf-linear"
                     and m.taxonomy == taxonomy.label), None)  # fmt: skip
    if baseline is not None and "gold" in baseline.metrics:
        print(f"\nbaseline {baseline.ref} on gold: {baseline.metrics['gold']}")
    print(f"model written to {out}")
    return results


if __name__ == "__main__":
    main()
