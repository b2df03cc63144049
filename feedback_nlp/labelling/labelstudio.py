"""Label Studio formats: the labelling config, tasks with pre-annotations, and exports.

Written against Label Studio's documented formats (labelstud.io guides "Label Studio
JSON format of annotated tasks" and "Import pre-annotated data", tags ``Choices`` and
``Choice``):

- the config is one ``<Choices>`` per head, named after the head (``fault_types``,
  ``primary_fault``, ``sentiment``, ``aspects``) over ``<Text name="text" value="$text"/>``;
  each ``<Choice>`` shows the Chinese name and code and stores the code (``alias``);
- a task is ``{"data": {"text": ..., "key": ..., **extra}, "predictions": [{"model_version":
  ..., "score": ..., "result": [{"from_name": head, "to_name": "text", "type": "choices",
  "value": {"choices": [...]}}]}]}`` — labellers correct the model's labels instead of
  starting from nothing;
- an export (JSON) is a list of tasks with ``annotations``; each annotation not
  ``was_cancelled`` becomes one label record (its ``completed_by`` is the labeller, its
  ``updated_at`` the time). Predictions in an export are never read as labels. The
  JSON-MIN export (one flat object per annotation) is read too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling.records import LABEL_FIELDS, ParsedLabels, RowError, check_record
from feedback_nlp.taxonomy import Taxonomy

TEXT_NAME = "text"
_HEADERS = {
    "fault_types": "故障类型 (可多选) · fault types",
    "primary_fault": "主要故障 (单选) · primary fault",
    "sentiment": "情感 · sentiment",
    "aspects": "服务维度 (可多选, 可不选) · service aspects",
}


def labelling_config(taxonomy: Taxonomy) -> str:
    """The Label Studio labelling config (XML) for ``taxonomy``'s heads."""
    lines = ["<View>", f'  <Text name="{TEXT_NAME}" value="${TEXT_NAME}"/>']
    heads: list[tuple[str, Any, str, bool]] = []
    if len(taxonomy.fault_types):
        heads.append(("fault_types", taxonomy.fault_types, "multiple", True))
        heads.append(("primary_fault", taxonomy.fault_types, "single-radio", False))
    if len(taxonomy.sentiment):
        heads.append(("sentiment", taxonomy.sentiment, "single-radio", True))
    if len(taxonomy.aspects):
        heads.append(("aspects", taxonomy.aspects, "multiple", False))
    for name, group, choice, required in heads:
        lines.append(f"  <Header value={quoteattr(_HEADERS[name])}/>")
        attrs = f'name="{name}" toName="{TEXT_NAME}" choice="{choice}" showInline="true"'
        if required:
            attrs += ' required="true"'
        lines.append(f"  <Choices {attrs}>")
        for label in group.labels:
            shown = f"{label.name_zh} {label.code}" if label.name_zh else label.code
            hint = f" hint={quoteattr(label.description)}" if label.description else ""
            lines.append(f"    <Choice value={quoteattr(shown)} alias={quoteattr(label.code)}{hint}/>")
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _result(head: str, codes: Iterable[str]) -> dict[str, Any]:
    return {"from_name": head, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": list(codes)}}


def tasks(frame: pd.DataFrame, predicted: pd.DataFrame | None = None, *, model_version: str | None = None,
          scores: Iterable[float] | None = None, data_columns: Iterable[str] = ()) -> list[dict[str, Any]]:  # fmt: skip
    """Label Studio tasks for the rows of ``frame`` (``text`` and ``key`` columns).

    ``predicted``: the model's labels for the same rows (four prediction columns),
    written as one prediction per task; ``scores`` (e.g. the margin) its ``score``.
    ``data_columns``: further columns copied into ``data`` (ids, the strategy…).
    """
    out: list[dict[str, Any]] = []
    score_list = list(scores) if scores is not None else None
    for i, row in enumerate(frame.to_dict(orient="records")):
        data = {TEXT_NAME: row["text"], "key": row["key"]}
        for column in data_columns:
            value = row.get(column)
            if value is not None and not (isinstance(value, float) and pd.isna(value)):
                data[column] = value.item() if hasattr(value, "item") else value
        task: dict[str, Any] = {"data": data}
        if predicted is not None:
            p = predicted.iloc[i]
            result = [_result("fault_types", p["fault_types"])]
            if p["primary_fault"]:
                result.append(_result("primary_fault", [p["primary_fault"]]))
            if p["sentiment"]:
                result.append(_result("sentiment", [p["sentiment"]]))
            if len(p["aspects"]):
                result.append(_result("aspects", p["aspects"]))
            prediction: dict[str, Any] = {"model_version": model_version or "feedback-nlp", "result": result}
            if score_list is not None:
                prediction["score"] = float(score_list[i])
            task["predictions"] = [prediction]
        out.append(task)
    return out


def _labeller(completed_by: Any, default: str | None) -> str | None:
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("id") or "") or default
    if completed_by is None or completed_by == "":
        return default
    return f"labelstudio-user-{completed_by}" if isinstance(completed_by, int) else str(completed_by)


def _choices(result: list[dict[str, Any]]) -> dict[str, list[str]]:
    picked: dict[str, list[str]] = {}
    for item in result:
        if not isinstance(item, dict):
            continue
        name = item.get("from_name")
        value = item.get("value") or {}
        if name in LABEL_FIELDS and isinstance(value, dict) and isinstance(value.get("choices"), list):
            picked[str(name)] = [str(c) for c in value["choices"]]
    return picked


def _record(text: Any, picked: dict[str, Any], labeller: str | None, at: str | None, ref: str) -> dict[str, Any]:
    def one(name: str) -> str | None:
        value = picked.get(name)
        if isinstance(value, list):
            return value[0] if len(value) == 1 else (";".join(value) if value else None)
        return value

    return {
        "text": text,
        "fault_types": picked.get("fault_types"),
        "primary_fault": one("primary_fault"),
        "sentiment": one("sentiment"),
        "aspects": picked.get("aspects") or [],
        "labeller": labeller,
        "labelled_at": at,
        "source_ref": ref,
    }


def read_export(path: str | Path, taxonomy: Taxonomy, *, labeller: str | None = None) -> ParsedLabels:
    """Label records of a Label Studio JSON (or JSON-MIN) export; bad rows become errors.

    Row numbers count tasks from 1 in file order. A task without a submitted annotation
    (skipped, cancelled or not yet labelled) is listed in ``skipped``.
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise InputFileError(f"{path}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: not a Label Studio JSON export: {exc}") from exc
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise InputFileError(f"{path}: a Label Studio export is a JSON list of tasks")
    parsed = ParsedLabels()
    for row, task in enumerate(payload, start=1):
        if not isinstance(task, dict):
            parsed.errors.append(RowError(row, "task", "not a JSON object"))
            continue
        task_id = task.get("id")
        ref = f"task {task_id}" if task_id is not None else None
        if "annotations" not in task and "data" not in task:  # JSON-MIN: one flat object
            picked = {k: task.get(k) for k in LABEL_FIELDS if task.get(k) is not None}
            picked = {k: (v.get("choices") if isinstance(v, dict) else v) for k, v in picked.items()}
            picked = {k: ([v] if isinstance(v, str) and k in ("fault_types", "aspects") else v)
                      for k, v in picked.items()}  # fmt: skip
            if not picked:
                parsed.skipped.append(f"row {row}" + (f" ({ref})" if ref else "") + ": no labels")
                continue
            record = _record(task.get(TEXT_NAME), picked, _labeller(task.get("annotator"), labeller),
                             task.get("updated_at") or task.get("created_at"), ref or f"row {row}")  # fmt: skip
            _append(parsed, record, taxonomy, row, ref)
            continue
        data = task.get("data") or {}
        text = data.get(TEXT_NAME) if isinstance(data, dict) else None
        annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
        submitted = [a for a in annotations if not a.get("was_cancelled")]
        if not submitted:
            why = "skipped by the labeller" if annotations else "not labelled"
            parsed.skipped.append(f"row {row}" + (f" ({ref})" if ref else "") + f": {why}")
            continue
        for annotation in submitted:
            record = _record(
                text, _choices(annotation.get("result") or []), _labeller(annotation.get("completed_by"), labeller),
                annotation.get("updated_at") or annotation.get("created_at"),
                f"{ref or f'row {row}'}, annotation {annotation.get('id')}",
            )  # fmt: skip
            _append(parsed, record, taxonomy, row, ref)
    return parsed


def _append(parsed: ParsedLabels, record: dict[str, Any], taxonomy: Taxonomy, row: int, ref: str | None) -> None:
    problem = check_record(record, taxonomy, row, ref)
    if problem is None and not record.get("labeller"):
        problem = RowError(row, "labeller", "unknown: pass --labeller", ref)
    if problem is not None:
        parsed.errors.append(problem)
    else:
        parsed.records.append(record)
