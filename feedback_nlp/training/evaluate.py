"""Evaluate a model directory on a labelled file and write the scores as JSON.

Examples::

    python training/evaluate.py --model models/baseline/v1 --data my_labelled.csv
    python training/evaluate.py --model baseline --data gold          # the real-text gold set

``--data`` takes any CSV/JSONL/XLSX with ``text``, ``fault_types`` (comma-separated or
a list), ``primary_fault``, ``sentiment`` and ``aspects`` columns, or ``gold`` for the
hand-labelled set (read through ``--public-dir``). Prints per-label precision, recall
and F1, micro/macro F1, primary-fault accuracy, sentiment accuracy and macro-F1 and the
confusion matrices; writes them to ``--out`` (default: ``<model>/eval_<data name>.json``).

Run as ``python -m feedback_nlp.training.evaluate`` or ``python training/evaluate.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.classifiers.artifacts import resolve_model
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets.public import load_gold
from feedback_nlp.labels import read_labelled, validate_labelled
from feedback_nlp.training import GOLD_FILE, evaluate_model, parse_args, setup_logging
from feedback_nlp.training.data import PUBLIC_DIR


@dataclass
class EvaluateArguments:
    model: str = field(metadata={"help": "Model directory, or NAME / NAME@VERSION under --model-dir."})
    data: str = field(metadata={"help": "Labelled file to score on, or 'gold' for the real-text gold set."})
    model_dir: Path = field(default=Path("models"), metadata={"help": "Root folder of model artifacts."})
    out: Path | None = field(default=None, metadata={"help": "JSON output (default: <model>/eval_<data>.json)."})
    public_dir: Path = field(default=PUBLIC_DIR, metadata={"help": "Public data, for --data gold."})
    gold_file: Path = field(default=GOLD_FILE, metadata={"help": "Gold label file, for --data gold."})
    quantize: bool = field(default=False, metadata={"help": "Transformer models: score the int8 model served by "
                                                    "default (FEEDBACK_NLP_INFERENCE__QUANTIZE)."})
    runtime: str = field(default="torch", metadata={"help": "Transformer models: 'torch', or 'onnx' for the "
                                                    "ONNX Runtime graph the service runs "
                                                    "(FEEDBACK_NLP_INFERENCE__RUNTIME)."})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    (args,) = parse_args(argv, EvaluateArguments, description=__doc__.splitlines()[0])
    path = resolve_model(args.model, args.model_dir)
    model = load_classifier(path, quantize=args.quantize, runtime=args.runtime)
    if args.data == "gold":
        frame, name = load_gold(args.gold_file, args.public_dir), "gold"
    else:
        frame, name = read_labelled(args.data), Path(args.data).stem
    frame = validate_labelled(frame, model.taxonomy_, source=args.data)
    report = evaluate_model(model, frame)
    out = args.out or path / f"eval_{name}.json"
    report.write_json(out)
    print(f"model {model.name}@{model.version} on {args.data} ({report.n} texts)\n")
    print(report.format_text())
    print(f"\nwritten to {out}")
    return report.to_dict()


if __name__ == "__main__":
    main()
