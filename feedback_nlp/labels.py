"""Labelled text: reading, validating and encoding the label columns.

A labelled frame has a ``text`` column and the label columns ``fault_types`` (list of
codes), ``primary_fault`` (code), ``sentiment`` (code) and ``aspects`` (list of codes).
Any other column is passed through. A label cell may be *unknown* (``None``): real data
sets often label only one head (a sentiment corpus says nothing about faults), and
training uses each row for the heads it does label.

On disk (CSV, JSON lines, XLSX, Parquet):
- list columns are comma-, semicolon- or ``|``-separated strings, or JSON lists;
- an empty ``fault_types``, ``primary_fault`` or ``sentiment`` cell is unknown (a text
  always has a fault type, ``none`` included, and a sentiment);
- an empty ``aspects`` cell of a CSV/XLSX file is the empty list when the column
  exists; a missing column is unknown for every row. In JSON lines and in frames,
  ``null``/``None`` is unknown and ``[]`` (or ``""``) empty.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.tabular import file_kind, read_frame
from feedback_nlp.taxonomy import Taxonomy

LABEL_COLUMNS: tuple[str, ...] = ("fault_types", "primary_fault", "sentiment", "aspects")
_SPLIT_RE = re.compile(r"[,;|，；、\s]+")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA


def parse_codes(value: Any, *, empty_is_unknown: bool) -> list[str] | None:
    """Turn a cell into a list of codes (``None`` when unknown)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    if _is_missing(value):
        return None
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed if str(v).strip()]
    codes = [c for c in _SPLIT_RE.split(text) if c]
    if not codes:
        return None if empty_is_unknown else []
    return codes


def _parse_code(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def read_labelled(path: str | Path) -> pd.DataFrame:
    """Read a labelled CSV/TSV, JSON lines, XLSX or Parquet file into a labelled frame.

    Required column: ``text``. Label columns are parsed as described in the module
    docstring; absent label columns become unknown. Raises :class:`InputFileError`.
    """
    path = Path(path)
    frame = read_frame(path)  # the one tabular reader: UTF-8, UTF-8 BOM or GB18030 CSVs, Excel, JSONL, Parquet
    if file_kind(path) in {"csv", "excel"} and "aspects" in frame.columns:
        frame["aspects"] = frame["aspects"].astype(object).where(frame["aspects"].notna(), "")
    if "text" not in frame.columns:
        raise InputFileError(
            f"{path}: a labelled file needs a 'text' column (found: {', '.join(map(str, frame.columns))})"
        )
    return coerce_labelled(frame)


def coerce_labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise the label columns of ``frame`` to lists/strings/``None`` (a copy)."""
    out = frame.copy()
    n = len(out)
    out["text"] = out["text"].astype(object)
    for column in ("fault_types", "aspects"):
        if column in out.columns:
            values = out[column].astype(object).tolist()
            out[column] = pd.Series(
                [parse_codes(v, empty_is_unknown=column == "fault_types") for v in values],
                index=out.index,
                dtype=object,
            )
        else:
            out[column] = pd.Series([None] * n, index=out.index, dtype=object)
    for column in ("primary_fault", "sentiment"):
        if column in out.columns:
            out[column] = pd.Series([_parse_code(v) for v in out[column].astype(object)], index=out.index, dtype=object)
        else:
            out[column] = pd.Series([None] * n, index=out.index, dtype=object)
    return out


def validate_labelled(frame: pd.DataFrame, taxonomy: Taxonomy, *, source: str = "<frame>") -> pd.DataFrame:
    """Check every label against ``taxonomy``; return a copy with ``primary_fault`` filled.

    Rules: codes must exist in their head; ``none`` (the taxonomy's ``none_code``) is
    exclusive; ``primary_fault`` must be one of ``fault_types`` (when missing it is the
    first listed). Raises :class:`InputFileError` listing the first problems with their
    row numbers (1-based, as in a spreadsheet without its header).
    """
    frame = coerce_labelled(frame)
    faults = taxonomy.fault_types
    fault_codes, sentiment_codes, aspect_codes = (
        set(faults.codes),
        set(taxonomy.sentiment.codes),
        set(taxonomy.aspects.codes),
    )
    problems: list[str] = []
    primaries: list[str | None] = []
    for i, (text, ft, primary, sentiment, aspects) in enumerate(
        zip(
            frame["text"],
            frame["fault_types"],
            frame["primary_fault"],
            frame["sentiment"],
            frame["aspects"],
            strict=True,
        ),
        start=1,
    ):
        if _is_missing(text) or not str(text).strip():
            problems.append(f"row {i}, text: empty")
        if ft is not None:
            unknown = [c for c in ft if c not in fault_codes]
            if unknown:
                problems.append(f"row {i}, fault_types: unknown code(s) {', '.join(unknown)}")
            if not ft:
                problems.append(f"row {i}, fault_types: empty list (use {faults.none_code or 'a code'})")
            if faults.none_code and faults.none_code in ft and len(set(ft)) > 1:
                problems.append(f"row {i}, fault_types: '{faults.none_code}' is exclusive but listed with {ft}")
            if primary is None and ft:
                primary = ft[0]
            elif primary is not None and primary not in ft:
                problems.append(f"row {i}, primary_fault: {primary!r} is not among fault_types {ft}")
        elif primary is not None and primary not in fault_codes:
            problems.append(f"row {i}, primary_fault: unknown code {primary!r}")
        primaries.append(primary)
        if sentiment is not None and sentiment not in sentiment_codes:
            problems.append(
                f"row {i}, sentiment: unknown code {sentiment!r}"
                + (f" (expected one of {', '.join(taxonomy.sentiment.codes)})" if sentiment_codes else "")
            )
        if aspects is not None:
            unknown = [c for c in aspects if c not in aspect_codes]
            if unknown:
                problems.append(f"row {i}, aspects: unknown code(s) {', '.join(unknown)}")
        if len(problems) >= 20:
            break
    if problems:
        raise InputFileError(
            f"{source}: labels do not match taxonomy {taxonomy.label}:\n  " + "\n  ".join(problems[:20])
        )
    frame["primary_fault"] = pd.Series(primaries, index=frame.index, dtype=object)
    frame["fault_types"] = frame["fault_types"].map(lambda v: list(dict.fromkeys(v)) if v is not None else None)
    return frame


def write_labelled(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a labelled frame as JSON lines (keeps unknown ``null`` apart from empty ``[]``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for record in frame.to_dict(orient="records"):
            fh.write(json.dumps({k: _jsonable(v) for k, v in record.items()}, ensure_ascii=False) + "\n")
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NaT or _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def multi_hot(values: Sequence[Sequence[str] | None], codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Encode a list column: returns ``(known_mask, Y)`` with ``Y[i, j] = codes[j] in values[i]``."""
    index = {code: j for j, code in enumerate(codes)}
    y = np.zeros((len(values), len(codes)), dtype=np.int8)
    known = np.zeros(len(values), dtype=bool)
    for i, labels in enumerate(values):
        if labels is None:
            continue
        known[i] = True
        for code in labels:
            j = index.get(code)
            if j is not None:
                y[i, j] = 1
    return known, y


def join_codes(codes: Iterable[str] | None, sep: str = ";") -> str:
    """The on-disk form of a list cell."""
    return "" if codes is None else sep.join(codes)
