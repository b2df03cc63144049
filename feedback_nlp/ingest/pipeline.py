"""Ingest one file (or a batch of posted rows) into the store, atomically.

The run streams: read a chunk of strings → validate and type it → stage the valid
rows in a temporary table. After the last chunk, duplicates inside the file are
rejected (the first occurrence wins), the staged rows are upserted by id, follow-up
notes become feedback rows, and the run is logged, all in one transaction. Any
exception, or a killed process, leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.ingest.readers import ProgressCallback, RawChunk, SourceInfo, frame_chunks, read_chunks
from feedback_nlp.ingest.report import IngestReport
from feedback_nlp.ingest.validate import REJECTION_COLUMNS, ChunkValidator, load_mapping_file
from feedback_nlp.schema import TICKETS, Table, get_table
from feedback_nlp.store import TICKET_FIELDS_ON_FEEDBACK, Store

__all__ = ["ingest_file", "ingest_records"]

MAX_PROBLEM_LINES = 100_000


def ingest_file(
    store: Store,
    table: str,
    path: str | Path,
    *,
    mapping: str | Path | Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    max_text_length: int = 5000,
    chunk_rows: int = 100_000,
    timezone: str = "Asia/Shanghai",
    on_progress: ProgressCallback | None = None,
    source: str | None = None,
) -> IngestReport:
    """Validate ``path`` and upsert its valid rows into ``table``; report everything.

    Raises :class:`~feedback_nlp.errors.InputFileError` when the file as a whole
    cannot be read (missing, empty, unknown or unusable encoding, missing required
    column, also in a CSV with a header and no rows); the store is then unchanged.
    Row-level problems never raise: they are in the report. ``source`` names the file
    in the report and the run log (default: ``path``).
    """
    spec = get_table(table)
    path = Path(path)
    user_mapping = load_mapping_file(Path(mapping), table) if isinstance(mapping, str | Path) else mapping
    validator = ChunkValidator(spec, timezone=timezone, max_text_length=max_text_length, user_mapping=user_mapping)
    info, chunks = read_chunks(path, chunk_rows=chunk_rows, encoding=encoding, sheet=sheet,
                               accepts_headers=validator.header_problem, on_progress=on_progress)
    validator.encoding = info.encoding
    if info.header is not None:  # refused before any row is read, rows or not
        problem = validator.file_header_problem(info.header, forced_encoding=encoding)
        if problem is not None:
            raise InputFileError(f"{path.name}: {problem}")
    return _run(store, spec, source or str(path), info, chunks, validator, sha256=_sha256(path),
                per_row_headers=info.format == "jsonl")


def ingest_records(
    store: Store,
    table: str,
    records: Sequence[Mapping[str, Any]],
    *,
    source: str = "records",
    mapping: Mapping[str, str] | None = None,
    max_text_length: int = 5000,
    chunk_rows: int = 100_000,
    timezone: str = "Asia/Shanghai",
) -> IngestReport:
    """Like :func:`ingest_file` for rows already in memory (posted to the API); row numbers start at 1."""
    spec = get_table(table)
    validator = ChunkValidator(spec, timezone=timezone, max_text_length=max_text_length, user_mapping=mapping)
    info, chunks = frame_chunks(list(records), chunk_rows)
    return _run(store, spec, source, info, chunks, validator, sha256=None, per_row_headers=True)


def _run(
    store: Store,
    table: Table,
    source: str,
    info: SourceInfo,
    chunks: Iterator[RawChunk],
    validator: ChunkValidator,
    *,
    sha256: str | None,
    per_row_headers: bool,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport(table=table.name, source=source, format=info.format, encoding=info.encoding,
                          sheets_read=list(info.sheets_read), sheets_skipped=dict(info.sheets_skipped),
                          run_id=uuid.uuid4().hex[:12], sha256=sha256,
                          started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    problems: list[pd.DataFrame] = []
    kept = 0
    present: set[str] = {table.key}
    all_columns = list(table.column_names)
    load = store.begin_load(table, all_columns)

    def keep(frame: pd.DataFrame) -> None:
        nonlocal kept
        if frame.empty:
            return
        room = MAX_PROBLEM_LINES - kept
        if room > 0:
            problems.append(frame.iloc[:room])
            kept += min(room, len(frame))
        report.problems_not_listed += max(0, len(frame) - max(room, 0))

    try:
        for chunk in chunks:
            valid = validator.validate(chunk, per_row_headers=per_row_headers)
            report.rows_read += valid.rows_read
            report.rejected += int(valid.rejections[["sheet", "row"]].drop_duplicates().shape[0])
            keep(valid.rejections)
            present.update(valid.columns)
            load.append(valid.frame)
        load.set_columns([c for c in all_columns if c in present])
        dups = load.take_duplicates()
        if not dups.empty:
            report.rejected += len(dups)
            keep(_duplicate_rejections(table, dups))
        if table.name == "feedback":
            load.fill_from_tickets(TICKET_FIELDS_ON_FEEDBACK)
        counts = load.apply()
        report.inserted, report.updated, report.unchanged = counts.inserted, counts.updated, counts.unchanged
        if table.name == "followups":
            notes = load.apply_followup_notes()
            report.notes_as_feedback = {"inserted": notes.inserted, "updated": notes.updated,
                                        "unchanged": notes.unchanged}
        if table.name == "tickets":
            load.backfill_feedback_from_tickets()
        if table.name in ("feedback", "followups"):
            unknown = load.unknown_references("ticket_id", TICKETS)
            if unknown:
                report.warnings.append(
                    f"{unknown:,} row(s) name a ticket_id that is not in the store yet; they are kept and will "
                    "link once the tickets are ingested"
                )
        report.column_mapping = dict(validator.column_mapping)
        report.ignored_columns = list(validator.ignored)
        report.shadowed_columns = dict(validator.shadowed)
        if report.ignored_columns:
            report.warnings.append(f"ignored unknown column(s): {', '.join(report.ignored_columns)}")
        for extra, column in report.shadowed_columns.items():
            report.warnings.append(f"column {extra!r} also maps to {column}; the first such column was used")
        report.duration_s = round(time.perf_counter() - started, 3)
        load.record_run({
            "run_id": report.run_id, "table_name": table.name, "source": source, "source_sha256": sha256,
            "started_at": report.started_at, "finished_at": datetime.now(UTC),
            "rows_read": report.rows_read, "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected,
        })
        load.commit()
    except BaseException:
        load.rollback()
        raise
    report.rejections = _sorted(pd.concat(problems, ignore_index=True)) if problems \
        else pd.DataFrame(columns=REJECTION_COLUMNS)
    return report


def _duplicate_rejections(table: Table, dups: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "row": dups["_row"].to_numpy(),
        "sheet": dups["_sheet"].to_numpy(),
        "column": table.key,
        "value": dups["key"].astype(object).to_numpy(),
        "reason": [f"duplicate {table.key}: first seen at row {r}" for r in dups["first_row"]],
    })


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({"row": "int64"})
    return frame.sort_values(["sheet", "row"], kind="stable", na_position="first").reset_index(drop=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


