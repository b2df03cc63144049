"""The plain-table labelling format: one row per text, label columns pre-filled.

Columns: ``key``, ``text``, the four label columns (codes separated by ``;``), then
whatever the suggestion carried (``strategy``, ``score``, ids). A labeller edits the
label columns in a spreadsheet and saves as CSV (UTF-8, UTF-8 with BOM or GB18030) or
XLSX; ``labeller`` and ``labelled_at`` columns are optional.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling.records import LABEL_FIELDS, ParsedLabels, RowError, check_record
from feedback_nlp.labels import join_codes
from feedback_nlp.store import Store
from feedback_nlp.tabular import read_frame
from feedback_nlp.taxonomy import Taxonomy


def write_table(frame: pd.DataFrame, predicted: pd.DataFrame | None, path: str | Path,
                extra_columns: list[str] | None = None) -> Path:  # fmt: skip
    """Write the rows of ``frame`` (``key``, ``text``) with ``predicted`` labels pre-filled."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame[["key", "text"]].copy()
    for column in LABEL_FIELDS:
        if predicted is None:
            out[column] = ""
        elif column in ("fault_types", "aspects"):
            out[column] = [join_codes(v) for v in predicted[column]]
        else:
            out[column] = predicted[column].fillna("").to_numpy()
    for column in extra_columns or []:
        if column in frame.columns and column not in out.columns:
            out[column] = frame[column].to_numpy()
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        out.to_excel(path, index=False)
    else:
        out.to_csv(path, index=False, encoding="utf-8-sig")  # BOM: Excel opens Chinese text correctly
    return path


def _read(path: Path) -> pd.DataFrame:
    """Every cell as a string, empty cells empty (the one tabular reader decides the encoding)."""
    frame = read_frame(path)
    return frame.astype(object).where(frame.notna(), "").astype(str)


def read_table(path: str | Path, taxonomy: Taxonomy, *, labeller: str | None = None) -> ParsedLabels:
    """Label records of a CSV/TSV/XLSX file; row numbers are spreadsheet rows (header = 1)."""
    path = Path(path)
    frame = _read(path)
    missing = [c for c in ("text", "fault_types", "sentiment") if c not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: missing column(s) {', '.join(missing)} "
                             f"(found: {', '.join(map(str, frame.columns))})")  # fmt: skip
    parsed = ParsedLabels()
    for i, row in enumerate(frame.to_dict(orient="records"), start=2):
        if not any(str(row.get(c) or "").strip() for c in LABEL_FIELDS):
            parsed.skipped.append(f"row {i}: no labels")
            continue
        record: dict[str, Any] = {
            "text": row.get("text"),
            "fault_types": row.get("fault_types") or None,
            "primary_fault": row.get("primary_fault") or None,
            "sentiment": row.get("sentiment") or None,
            "aspects": row.get("aspects") or "",
            "labeller": str(row.get("labeller") or "").strip() or labeller,
            "labelled_at": str(row.get("labelled_at") or "").strip() or None,
            "source_ref": f"row {i}",
        }
        problem = check_record(record, taxonomy, i)
        if problem is None and not record["labeller"]:
            problem = RowError(i, "labeller", "unknown: add a labeller column or pass --labeller")
        if problem is not None:
            parsed.errors.append(problem)
        else:
            parsed.records.append(record)
    return parsed


def export_current_labels(store: Store, path: str | Path) -> tuple[Path, int] | None:
    """The store's current human labels written to ``path`` (:func:`write_current_labels`) and their
    number; None when the store has none."""
    frame = store.current_labels()
    return None if frame.empty else (write_current_labels(frame, path), len(frame))


def write_current_labels(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write stored labels (``Store.current_labels``) as a CSV that ``read_table`` reads back."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["text", "fault_types", "primary_fault", "sentiment", "aspects", "labeller", "labelled_at"]
    out = frame.reindex(columns=columns).copy()
    for column in ("fault_types", "aspects"):
        out[column] = [join_codes(list(v)) for v in out[column]]
    out["labelled_at"] = ["" if pd.isna(v) else pd.Timestamp(v).isoformat() for v in out["labelled_at"]]
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path
