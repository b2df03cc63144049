"""The report of one ingest run: counts, rejected rows with reasons, what was ignored."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.ingest.validate import REJECTION_COLUMNS


@dataclass
class IngestReport:
    """What happened to one file (or one batch of posted rows).

    ``rejected`` counts rows; ``rejections`` has one line per problem, so a row with
    two bad cells appears twice. Problem lines beyond ``max_problem_lines`` are
    counted in ``problems_not_listed`` instead of kept, so a file of a million bad
    rows cannot exhaust memory.
    """

    table: str
    source: str
    format: str = ""
    encoding: str | None = None
    sheets_read: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS))
    problems_not_listed: int = 0
    column_mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    shadowed_columns: dict[str, str] = field(default_factory=dict)
    notes_as_feedback: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    run_id: str = ""
    sha256: str | None = None
    started_at: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every row read was accepted."""
        return self.rejected == 0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> dict[str, Any]:
        """Everything except the rejection lines, JSON-ready."""
        data = asdict(self)
        data.pop("rejections")
        data["accepted"] = self.accepted
        return data

    def to_dict(self) -> dict[str, Any]:
        data = self.summary()
        rejections = self.rejections.astype(object).where(self.rejections.notna(), None)
        data["rejections"] = rejections.to_dict(orient="records")
        return data

    def write(self, directory: Path, stem: str | None = None) -> dict[str, Path]:
        """Write ``<stem>.json`` (everything) and ``<stem>.rejections.csv``; return the paths."""
        directory.mkdir(parents=True, exist_ok=True)
        stem = stem or f"{self.table}-{self.run_id}"
        json_path = directory / f"{stem}.json"
        csv_path = directory / f"{stem}.rejections.csv"
        json_path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        # utf-8-sig so that Excel on Chinese Windows opens the CSV with readable Chinese.
        self.rejections.to_csv(csv_path, index=False, encoding="utf-8-sig")
        return {"json": json_path, "csv": csv_path}
