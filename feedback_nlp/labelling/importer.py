"""Reading any labelled file into label records, and importing them into the store.

Formats, by file: a Label Studio export (``.json``, full or JSON-MIN); a table
(``.csv``/``.tsv``/``.xlsx``) with a ``text`` column; or a *pointer* table in the gold
format (``dataset``, ``row_id``, ``text_hash`` and the labels, no text) whose texts are
read from the public data folder — the form in which the project's own labels of public
texts are kept (``training/labels/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling import labelstudio, tabular
from feedback_nlp.labelling.records import ParsedLabels, RowError, check_record, text_key
from feedback_nlp.taxonomy import Taxonomy

POINTER_COLUMNS = ("dataset", "row_id", "text_hash")


@dataclass
class ImportReport:
    source: str
    inserted: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.inserted + self.unchanged

    def summary(self) -> str:
        return (f"{self.source}: {self.inserted} label(s) added, {self.unchanged} unchanged, "
                f"{len(self.errors)} row(s) rejected, {len(self.skipped)} skipped")  # fmt: skip


def _is_pointer_table(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    return set(POINTER_COLUMNS) <= set(header) and "text" not in header


def read_pointer_table(path: str | Path, taxonomy: Taxonomy, public_dir: str | Path | None,
                       *, labeller: str | None = None) -> ParsedLabels:  # fmt: skip
    """Label records of a gold-format pointer file; every text hash is checked."""
    from feedback_nlp.datasets.public import load_gold

    if public_dir is None or not Path(public_dir).exists():
        raise InputFileError(f"{path}: a pointer file (dataset, row_id, text_hash) needs the public data folder; "
                             f"not found at {public_dir}")  # fmt: skip
    # load_gold groups the rows by dataset: spreadsheet row numbers (and file order) come from the ids
    ids = pd.read_csv(path, dtype=str, usecols=["dataset", "row_id"])
    line = {(d, int(r)): i for i, (d, r) in enumerate(zip(ids["dataset"], ids["row_id"], strict=True), start=2)}
    joined = load_gold(path, public_dir)
    joined["_line"] = [line[(d, int(r))] for d, r in zip(joined["dataset"], joined["row_id"], strict=True)]
    parsed = ParsedLabels()
    for row in joined.sort_values("_line").to_dict(orient="records"):
        i = row["_line"]
        own = row.get("labeller")
        record: dict[str, Any] = {
            "text": row["text"], "fault_types": row["fault_types"], "primary_fault": row["primary_fault"],
            "sentiment": row["sentiment"], "aspects": row["aspects"] or [],
            "labeller": own if isinstance(own, str) and own else labeller, "labelled_at": None,
            "source_ref": f"{row['dataset']}:{row['row_id']}",
        }  # fmt: skip
        problem = check_record(record, taxonomy, i, record["source_ref"])
        if problem is None and not record["labeller"]:
            problem = RowError(i, "labeller", "unknown: add a labeller column or pass --labeller")
        (parsed.errors.append(problem) if problem else parsed.records.append(record))
    return parsed


def read_labels(path: str | Path, taxonomy: Taxonomy, *, labeller: str | None = None,
                public_dir: str | Path | None = None) -> ParsedLabels:  # fmt: skip
    """Label records of any supported labelled file (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        parsed = labelstudio.read_export(path, taxonomy, labeller=labeller)
    elif _is_pointer_table(path):
        parsed = read_pointer_table(path, taxonomy, public_dir, labeller=labeller)
    elif suffix in {".csv", ".tsv", ".xlsx", ".xlsm"}:
        parsed = tabular.read_table(path, taxonomy, labeller=labeller)
    else:
        raise InputFileError(f"{path}: unknown label file type {suffix!r} (Label Studio .json, .csv, .tsv, .xlsx)")
    for record in parsed.records:
        record["text_hash"] = text_key(record["text"])
    return parsed


def import_labels(store: Any, path: str | Path, taxonomy: Taxonomy, *, labeller: str | None = None,
                  public_dir: str | Path | None = None) -> ImportReport:  # fmt: skip
    """Validate every row of ``path`` and store the valid ones; bad rows are reported, never stored."""
    parsed = read_labels(path, taxonomy, labeller=labeller, public_dir=public_dir)
    report = ImportReport(source=str(path), errors=parsed.errors, skipped=parsed.skipped)
    if parsed.records:
        counts = store.add_labels(parsed.records, source_file=Path(path).name, taxonomy=taxonomy.label)
        report.inserted, report.unchanged = counts.inserted, counts.unchanged
    return report


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Label records as a labelled frame (the training side's form)."""
    columns = ["text", "fault_types", "primary_fault", "sentiment", "aspects", "labeller", "text_hash"]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)
    if "text_hash" in frame.columns:
        frame["text_hash"] = [h or text_key(t) for h, t in zip(frame["text_hash"], frame["text"], strict=True)]
    return frame
