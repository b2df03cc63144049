"""The end of every training command: score each held-out set, save the model with its
metrics and provenance, write the results files (``all_results.json``, ``{split}_results.json``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.classifiers.artifacts import next_version
from feedback_nlp.errors import ConfigError
from feedback_nlp.evaluation import EvaluationReport, evaluate_predictions
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training.arguments import provenance
from feedback_nlp.training.data import TrainingData

logger = logging.getLogger(__name__)

RESULTS_FILE = "all_results.json"


def output_dir(model_dir: str | Path, name: str, version: str | None, *, overwrite: bool) -> tuple[Path, str]:
    """The fresh directory a run writes to; refuses to overwrite unless asked."""
    version = version or next_version(model_dir, name)
    path = Path(model_dir) / name / version
    if path.exists() and any(path.iterdir()) and not overwrite:
        raise ConfigError(f"{path} already exists; pass --overwrite or choose another --version")
    path.mkdir(parents=True, exist_ok=True)
    return path, version



def evaluate_model(model: Any, frame: pd.DataFrame, taxonomy: Taxonomy | None = None) -> EvaluationReport:
    """Predict ``frame['text']`` with ``model`` and score against the frame's labels."""
    taxonomy = taxonomy or model.taxonomy_
    predicted = model.predict(frame["text"].astype(str).tolist())
    predicted.index = frame.index
    return evaluate_predictions(frame, predicted.assign(text=frame["text"].to_numpy()), taxonomy)


def evaluate_sets(model: Any, sets: dict[str, pd.DataFrame]) -> dict[str, EvaluationReport]:
    reports = {}
    for name, frame in sets.items():
        if len(frame):
            reports[name] = evaluate_model(model, frame)
            logger.info("%s: %s", name, reports[name].summary())
    return reports


def results_dict(reports: dict[str, EvaluationReport]) -> dict[str, Any]:
    """Flat ``{split}_{metric}`` results (HF style) plus the full reports."""
    flat: dict[str, Any] = {}
    for name, report in reports.items():
        flat.update({f"{name}_{k}": v for k, v in report.summary().items()})
        flat[f"{name}_n"] = report.n
    return flat


def write_results(
    out_dir: Path, reports: dict[str, EvaluationReport], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    results = {**results_dict(reports), **(extra or {})}
    for name, report in reports.items():
        report.write_json(out_dir / f"{name}_results.json")
    (out_dir / RESULTS_FILE).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return results


def evaluate_and_save(
    model: Any, data: TrainingData, train: pd.DataFrame, out: Path, run_args: dict[str, Any],
    extra_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What every training script ends with: score every held-out set, save the model with
    its metrics, data hash and arguments, write the results files, print the scores."""
    from feedback_nlp.classifiers.artifacts import data_hash
    from feedback_nlp.evaluation import merge_summaries

    reports = evaluate_sets(model, {k: v for k, v in data.sets.items() if k != "train"})
    (out / "run_args.json").write_text(json.dumps(run_args, ensure_ascii=False, indent=2), encoding="utf-8")
    model.save(
        out,
        metrics={name: report.summary() for name, report in reports.items()},
        training_data={"hash": data_hash(train), "rows": len(train), "sources": data.sources, "notes": data.notes,
                       "human_labels": data.human_labels_hash,
                       "human_rows": int((train.get("dataset") == "human").sum()) if "dataset" in train else 0},
        arguments=run_args,
        **provenance(),
        **(extra_metadata or {}),
    )
    results = write_results(out, reports, {"model": f"{model.name}@{model.version}", "model_path": str(out)})
    print(merge_summaries(reports))
    return results
