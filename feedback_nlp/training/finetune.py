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

Run as ``python -m feedback_nlp.training.finetune`` or ``python training/finetune.py``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.classifiers.artifacts import BASELINE_KIND, list_models, resolve_model
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.classifiers.selection import compare_models
from feedback_nlp.classifiers.transformer import FinetuneConfig, TransformerClassifier
from feedback_nlp.errors import ConfigError
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training import (
    DataArguments,
    args_to_dict,
    choice_rows,
    evaluate_and_save,
    evaluate_sets,
    keep_human_rows,
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
    rule_rows: int | None = field(
        default=None,
        metadata={"help": "Keep every human-labelled training row and a random sample of at most this many "
                  "rule-labelled rows (a short budget then spends its steps where the labels are best)."},
    )
    encoder_from: str | None = field(
        default=None,
        metadata={"help": "Skip fine-tuning: take the encoder and heads of this fine-tuned model (NAME[@VERSION]) "
                  "and only blend, evaluate, save and decide activation — e.g. to blend with a retrained baseline."},
    )
    blend_with: str = field(
        default="auto",
        metadata={"help": "Blend the encoder's scores with a TF-IDF baseline (weights tuned on validation): "
                  "'auto' = the newest baseline with the same taxonomy, 'none', or NAME[@VERSION]/PATH."},
    )


@dataclass
class OutputArguments:
    model_dir: Path = field(default=Path("models"), metadata={"help": "Root folder of model artifacts."})
    name: str = field(default="transformer", metadata={"help": "Model name; the version is v1, v2, ... unless given."})
    version: str | None = field(default=None, metadata={"help": "Version folder name (default: next vN)."})
    overwrite: bool = field(default=False, metadata={"help": "Allow writing into an existing version folder."})
    activate: str = field(
        default="auto",
        metadata={"help": "'auto': make the new model the active one only if it beats the model serving now "
                  "on held-out data; 'always'; 'never'."},
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    data_args, model_args, train_args, out_args = parse_args(
        argv, DataArguments, ModelArguments, FinetuneConfig, OutputArguments, description=__doc__.splitlines()[0]
    )
    taxonomy = Taxonomy.load(data_args.taxonomy) if data_args.taxonomy else Taxonomy.default()
    if model_args.base_model == DEFAULT_BASE and not (DEFAULT_BASE / "config.json").exists():
        from feedback_nlp.encoder.convert import ensure_base_model

        logger.info("converting the default base model into %s (once)", DEFAULT_BASE)
        ensure_base_model(DEFAULT_BASE)
    data = load_training_data(data_args, taxonomy, seed=train_args.random_state)
    train, valid = data.sets["train"], data.sets["valid"]
    if model_args.max_train_samples is not None and len(train) > model_args.max_train_samples:
        train = train.sample(model_args.max_train_samples, random_state=train_args.random_state).reset_index(drop=True)
    train = keep_human_rows(train, model_args.rule_rows, seed=train_args.random_state)
    out, version = output_dir(out_args.model_dir, out_args.name, out_args.version, overwrite=out_args.overwrite)
    if model_args.encoder_from:
        model = _reuse_encoder(model_args.encoder_from, out_args.model_dir, taxonomy)
        model.name, model.version = out_args.name, version
    else:
        model = TransformerClassifier(
            taxonomy, base_model=model_args.base_model, name=out_args.name, version=version, config=train_args
        )
        logger.info("fine-tuning on %d texts, validating on %d", len(train), len(valid))
        weights = train["weight"].to_numpy(dtype=float) if "weight" in train.columns else None
        model.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid, sample_weight=weights)
    extra: dict[str, Any] = {}
    companion = _companion(model_args.blend_with, out_args.model_dir, taxonomy)
    if companion is not None:
        blend_valid = choice_rows(valid)
        extra["blend_validation"] = {"rows": len(blend_valid), "real_text_only": len(blend_valid) < len(valid)}
        model.blend_with(companion, blend_valid["text"].tolist(), blend_valid)
        with model.encoder_only():
            reports = evaluate_sets(model, {k: v for k, v in data.sets.items() if k in ("gold", "test", "test_real")})
        extra["encoder_only_metrics"] = {name: report.summary() for name, report in reports.items()}
        print("the encoder alone, without the blend:", json.dumps(extra["encoder_only_metrics"], indent=1))
    results = evaluate_and_save(model, data, train, out, args_to_dict(data_args, model_args, train_args, out_args),
                                extra_metadata=extra)  # fmt: skip
    print(f"model written to {out}")
    results["activation"] = decide_activation(f"{out_args.name}@{version}", out_args.model_dir, out_args.activate)
    return results


def _reuse_encoder(ref: str, model_dir: Path, taxonomy: Taxonomy) -> TransformerClassifier:
    """A saved fine-tuned model without its blend, as ``fit`` would have left it."""
    model = TransformerClassifier.load(resolve_model(ref, model_dir))
    if model.taxonomy_.to_dict() != taxonomy.to_dict():
        raise ConfigError(f"--encoder-from {ref}: its taxonomy {model.taxonomy_.label} is not {taxonomy.label}")
    if getattr(model, "companion_", None) is not None:
        model.thresholds_, model.companion_ = model.encoder_thresholds_, None
    logger.info("reusing the encoder of %s (no fine-tuning)", ref)
    return model


def _companion(choice: str, model_dir: Path, taxonomy: Taxonomy) -> Any:
    """The baseline to blend with, or None (``--blend-with none``, or no baseline to find)."""
    if choice == "none":
        return None
    if choice == "auto":
        found = next((m for m in list_models(model_dir) if m.kind == BASELINE_KIND
                      and m.taxonomy == taxonomy.label), None)  # fmt: skip
        if found is None:
            logger.warning("no baseline with taxonomy %s in %s: the encoder is not blended", taxonomy.label, model_dir)
            return None
        path = found.path
    else:
        path = resolve_model(choice, model_dir)
    companion = load_classifier(path)
    if companion.kind != BASELINE_KIND:
        raise ConfigError(f"--blend-with {choice}: a {companion.kind} model; the blend's companion is a baseline")
    logger.info("blending with %s", path)
    return companion


def decide_activation(ref: str, model_dir: Path, mode: str) -> dict[str, Any]:
    """Activate ``ref`` when asked to, or (``auto``) when it beats the model serving now; print why."""
    from feedback_nlp.classifiers.registry import activate, active_model
    from feedback_nlp.config import get_settings
    from feedback_nlp.errors import FeedbackNLPError
    from feedback_nlp.store import Store

    if mode not in {"auto", "always", "never"}:
        raise ConfigError(f"--activate {mode!r}: expected auto, always or never")
    if mode == "never":
        return {"activated": False, "reason": "--activate never"}
    settings = get_settings()
    models = {m.ref: m for m in list_models(model_dir)}
    try:
        with Store(settings.database_path, timezone=settings.timezone) as store:
            incumbent_ref = active_model(store)
            incumbent = models.get(incumbent_ref or "") or next(
                (m for m in models.values() if m.kind == BASELINE_KIND and m.taxonomy == models[ref].taxonomy), None
            )
            comparison = None
            if mode == "auto" and incumbent is not None and incumbent.ref != ref:
                comparison = compare_models(ref, models[ref].metrics, incumbent.ref, incumbent.metrics)
                print("\n" + comparison.format_text())
                if not comparison.wins:
                    print(f"{incumbent.ref} stays the default; activate the new model anyway with "
                          f"`feedback-nlp models activate {ref}`")  # fmt: skip
                    return {"activated": False, **comparison.to_dict()}
            activate(store, ref, model_dir)
    except FeedbackNLPError as exc:
        print(f"could not record the active model ({exc}); run `feedback-nlp models activate {ref}` later")
        return {"activated": False, "reason": str(exc)}
    print(f"{ref} is now the active model")
    return {"activated": True, **(comparison.to_dict() if comparison else {"reason": f"--activate {mode}"})}


if __name__ == "__main__":
    main()
