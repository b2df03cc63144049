"""Loads: one file's rows staged on disk, then applied to a table in one transaction."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from feedback_nlp.errors import StoreError
from feedback_nlp.schema import FEEDBACK, Table

TICKET_FIELDS_ON_FEEDBACK = ("customer_id", "channel", "product_line", "product_model")
"""Feedback columns copied from the linked ticket when the feedback row has none."""

FOLLOWUP_FEEDBACK_PREFIX = "followup:"
"""feedback_id of the feedback row made from a follow-up's note: prefix + followup_id."""


# How staged rows are typed on disk; the view casts them to the SQL types.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(), "enum": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.timestamp("us"), "int": pa.int64(), "bool": pa.bool_(), "decimal": pa.float64(),
}


@dataclass(frozen=True)
class LoadCounts:
    inserted: int
    updated: int
    unchanged: int


class TableLoad:
    """One file's rows, staged on disk and then applied to a table in one transaction.

    Valid rows are appended chunk by chunk to a Parquet file beside the database, so
    memory stays flat however large the file (DuckDB keeps uncommitted temporary
    tables in memory, which grew by ~1 GB per million tickets). Duplicates inside the
    file are found with SQL over that file, and :meth:`apply` upserts by key from a
    view that keeps each key's first row. Nothing is visible to other readers, and
    nothing survives a crash or kill, until :meth:`commit`.

    Only the columns present in the file are written on update, so a partial export
    never blanks columns it does not carry.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, columns: list[str], staging_dir: Path,
                 *, prefix: str = ".staging-", on_commit: Callable[[], None] | None = None) -> None:
        if table.key not in columns:
            raise StoreError(f"load into {table.name} needs its key column {table.key}")
        self.con = con
        self.table = table
        self.columns = columns
        self._all = list(columns)
        suffix = uuid.uuid4().hex[:12]
        self.staging = f"_staging_{table.name}_{suffix}"  # the deduplicated view that apply() reads
        staging_dir.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix=f"{prefix}{table.name}-", dir=staging_dir))
        self._file = self._dir / "rows.parquet"
        self._schema = pa.schema([("_row", pa.int64()), ("_sheet", pa.string()),
                                  *((c, _ARROW_TYPES[table.column(c).type]) for c in columns)])
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self._file, self._schema)
        self._fill: list[str] = []
        self._closed = False
        self._on_commit = on_commit
        con.begin()

    def append(self, frame: pd.DataFrame) -> None:
        """Stage valid, typed rows: ``frame`` has ``_row``, ``_sheet`` and the load's columns."""
        if frame.empty:
            return
        if self._writer is None:
            raise StoreError("rows appended after the load was sealed")
        n = len(frame)
        arrays = [
            pa.array(frame[f.name], type=f.type, from_pandas=True, safe=False) if f.name in frame.columns
            else pa.nulls(n, f.type)  # a column this chunk (e.g. a JSON lines record) does not carry
            for f in self._schema
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def _seal(self) -> None:
        """Close the Parquet file and (re)define the view over it."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        key = self.table.key
        casts = ", ".join(f"CAST({c} AS {self.table.column(c).sql_type}) AS {c}" for c in self._all)
        first = (f"SELECT _row, _sheet, {casts} FROM read_parquet('{self._file}') "
                 f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _sheet NULLS FIRST, _row) = 1")
        if self._fill:
            repl = ", ".join(f"coalesce(f.{c}, t.{c}) AS {c}" for c in self._fill)
            first = f"SELECT f.* REPLACE ({repl}) FROM ({first}) f LEFT JOIN tickets t ON f.ticket_id = t.ticket_id"
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {self.staging} AS {first}")

    def set_columns(self, columns: Sequence[str]) -> None:
        """Restrict what :meth:`apply` writes to ``columns`` (those the file carried)."""
        unknown = [c for c in columns if c not in self._all]
        if unknown or self.table.key not in columns:
            raise StoreError(f"bad column set for {self.table.name}: {list(columns)}")
        self.columns = list(columns)

    def record_run(self, run: dict[str, Any]) -> None:
        """Log the run in ``ingest_runs`` inside the load's transaction."""
        cols = ", ".join(run)
        marks = ", ".join("?" for _ in run)
        self.con.execute(f"INSERT INTO ingest_runs ({cols}) VALUES ({marks})", list(run.values()))

    def take_duplicates(self) -> pd.DataFrame:
        """Drop later rows whose key repeats an earlier row of the same file.

        Returns the dropped rows' ``_row``, ``_sheet``, key value and the row that
        first used the key. Seals the load: no rows may be appended afterwards.
        """
        self._seal()
        key = self.table.key
        return self.con.execute(
            f"""
            WITH ranked AS (
              SELECT _row, _sheet, {key},
                     row_number() OVER (PARTITION BY {key} ORDER BY _sheet NULLS FIRST, _row) AS n,
                     first_value(_row) OVER (PARTITION BY {key} ORDER BY _sheet NULLS FIRST, _row) AS first_row
              FROM read_parquet('{self._file}'))
            SELECT _row, _sheet, {key} AS key, first_row FROM ranked WHERE n > 1 ORDER BY _sheet, _row
            """
        ).df()

    def fill_from_tickets(self, columns: Sequence[str]) -> list[str]:
        """Copy ``columns`` from the linked ticket where the staged row has none.

        Used for feedback (channel, product line and model "copied from the ticket when
        linked and absent"). Returns the columns added to this load.
        """
        missing = [c for c in columns if c not in self._all]
        if missing:
            raise StoreError(f"cannot fill {missing}: not staged for {self.table.name}")
        added = [c for c in columns if c not in self.columns]
        self.columns.extend(added)
        self._fill = list(columns)
        self._seal()
        return added

    def apply(self) -> LoadCounts:
        """Upsert the staged rows into the table and count inserted/updated/unchanged."""
        if self._writer is not None:
            self._seal()
        return _upsert(self.con, self.table, self.staging, self.columns)

    def apply_followup_notes(self) -> LoadCounts:
        """Upsert each staged follow-up's note as a feedback row with source=followup.

        The feedback row takes the ticket's customer, channel and product where the
        ticket is known. Only meaningful for a followups load with a ``note`` column.
        """
        if self.table.name != "followups" or "note" not in self.columns:
            return LoadCounts(0, 0, 0)
        notes = f"_notes_{uuid.uuid4().hex[:12]}"
        self.con.execute(
            f"""
            CREATE TEMP TABLE {notes} AS
            SELECT '{FOLLOWUP_FEEDBACK_PREFIX}' || s.followup_id AS feedback_id, s.note AS text,
                   'followup' AS source, s.contacted_at AS created_at, s.ticket_id,
                   t.customer_id, t.channel, t.product_line, t.product_model,
                   -- no rating: the follow-up's satisfaction already counts once in CSAT
                   NULL::INTEGER AS rating
            FROM {self.staging} s LEFT JOIN tickets t ON s.ticket_id = t.ticket_id
            WHERE s.note IS NOT NULL
            """
        )
        try:
            return _upsert(self.con, FEEDBACK, notes, list(FEEDBACK.column_names))
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {notes}")

    def backfill_feedback_from_tickets(self) -> None:
        """After a tickets load: fill feedback rows' missing channel/product from their ticket."""
        if self.table.name != "tickets":
            return
        cols = [c for c in TICKET_FIELDS_ON_FEEDBACK if c in self.columns]
        if not cols:
            return
        sets = ", ".join(f"{c} = coalesce(f.{c}, s.{c})" for c in cols)
        nulls = " OR ".join(f"f.{c} IS NULL" for c in cols)
        self.con.execute(
            f"UPDATE feedback f SET {sets} FROM {self.staging} s WHERE f.ticket_id = s.ticket_id AND ({nulls})"
        )

    def unknown_references(self, column: str, target: Table) -> int:
        """Staged rows whose ``column`` names no row of ``target`` (reported, not rejected)."""
        if column not in self.columns:
            return 0
        row = self.con.execute(
            f"SELECT count(*) FROM {self.staging} s WHERE s.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {target.name} t WHERE t.{target.key} = s.{column})"
        ).fetchone()
        return int(row[0]) if row is not None else 0  # a count(*) always has its one row

    def commit(self) -> None:
        self._finish(commit=True)

    def rollback(self) -> None:
        self._finish(commit=False)

    def _finish(self, *, commit: bool) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if commit:
                self.con.execute(f"DROP VIEW IF EXISTS {self.staging}")
                self.con.commit()
                if self._on_commit is not None:
                    self._on_commit()
            else:
                self.con.rollback()
        finally:
            self.con.close()
            shutil.rmtree(self._dir, ignore_errors=True)


def _upsert(con: duckdb.DuckDBPyConnection, table: Table, staging: str, columns: Sequence[str]) -> LoadCounts:
    """Upsert ``columns`` of ``staging`` into ``table`` by key; count what changed.

    Rows whose values equal the stored row count as unchanged, so re-ingesting a
    file reports zero inserts and zero updates.
    """
    key = table.key
    non_key = [c for c in columns if c != key]
    # The trailing 0 keeps a one-column comparison a row comparison.
    s_cols = ", ".join([*(f"s.{c}" for c in non_key), "0"])
    t_cols = ", ".join([*(f"t.{c}" for c in non_key), "0"])
    counts = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE t.{key} IS NULL),
               count(*) FILTER (WHERE t.{key} IS NOT NULL AND ({s_cols}) IS DISTINCT FROM ({t_cols})),
               count(*) FILTER (WHERE t.{key} IS NOT NULL AND ({s_cols}) IS NOT DISTINCT FROM ({t_cols}))
        FROM {staging} s LEFT JOIN {table.name} t ON s.{key} = t.{key}
        """
    ).fetchone()
    inserted, updated, unchanged = counts if counts is not None else (0, 0, 0)  # aggregates: always one row
    cols = ", ".join(columns)
    update = ", ".join(f"{c} = excluded.{c}" for c in non_key)
    conflict = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {staging} ON CONFLICT ({key}) {conflict}")
    return LoadCounts(int(inserted), int(updated), int(unchanged))
