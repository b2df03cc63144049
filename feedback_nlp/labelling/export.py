"""Writing a batch to label: Label Studio tasks (+ config) or a table, pre-filled by a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling import labelstudio, tabular
from feedback_nlp.taxonomy import Taxonomy

#: Columns of a suggestion copied into each task's ``data`` / the table (when present).
CARRIED_COLUMNS = ("feedback_id", "id", "dataset", "row_id", "strategy", "score", "cluster")
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}


def config_path_for(tasks_path: str | Path) -> Path:
    """Where the labelling config is written next to a tasks file: ``tasks.label_config.xml``."""
    path = Path(tasks_path)
    return path.with_name(path.stem + ".label_config.xml")


def export_batch(chosen: pd.DataFrame, out: str | Path, *, taxonomy: Taxonomy, model: Any = None,
                 model_ref: str | None = None) -> list[Path]:  # fmt: skip
    """Write ``chosen`` (``text``, ``key``…) to ``out`` with ``model``'s labels as pre-annotations.

    ``.json``: Label Studio tasks, and the matching labelling config beside them;
    ``.csv``/``.xlsx``: the plain table with label columns pre-filled. Returns the files written.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix != ".json" and suffix not in TABLE_SUFFIXES:
        raise InputFileError(f"{out}: write tasks as .json (Label Studio) or .csv/.xlsx (a table)")
    predicted = None
    if model is not None and len(chosen):
        predicted = model.predict(chosen["text"].astype(str).tolist()).reset_index(drop=True)
    carried = [c for c in CARRIED_COLUMNS if c in chosen.columns]
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        payload = labelstudio.tasks(chosen, predicted, model_version=model_ref,
                                    scores=chosen["score"] if "score" in chosen.columns else None,
                                    data_columns=carried)  # fmt: skip
        out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        config = config_path_for(out)
        config.write_text(labelstudio.labelling_config(taxonomy), encoding="utf-8")
        return [out, config]
    return [tabular.write_table(chosen, predicted, out, extra_columns=carried)]
