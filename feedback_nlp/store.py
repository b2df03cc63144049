"""The embedded store: every database statement of the product lives in this module.

DuckDB is the engine: an embedded columnar database, so KPI scans over millions of
tickets are fast, pandas frames go in and out without copies, and there is no server
to run. Keeping all SQL here means a server database could replace it later by
re-implementing one module.

Schema changes are forward migrations recorded in ``schema_version``; a store opened
by an older release is migrated in place, never dropped and recreated.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from feedback_nlp.errors import StoreError
from feedback_nlp.schema import FEEDBACK, TABLE_NAMES, TABLES, Table

logger = logging.getLogger(__name__)

TICKET_FIELDS_ON_FEEDBACK = ("customer_id", "channel", "product_line", "product_model")
"""Feedback columns copied from the linked ticket when the feedback row has none."""

FOLLOWUP_FEEDBACK_PREFIX = "followup:"
"""feedback_id of the feedback row made from a follow-up's note: prefix + followup_id."""


# How staged rows are typed on disk; the view casts them to the SQL types.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(), "enum": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.timestamp("us"), "int": pa.int64(), "bool": pa.bool_(), "decimal": pa.float64(),
}


def _create_table_sql(table: Table) -> str:
    cols = ",\n  ".join(f"{c.name} {c.sql_type}{' NOT NULL' if c.required else ''}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {cols},\n  PRIMARY KEY ({table.key})\n)"


def _migration_1(con: duckdb.DuckDBPyConnection) -> None:
    """Initial schema: the four canonical tables, predictions, state and the ingest log.

    The canonical tables are created from ``schema.py``. A column added there later
    needs a migration of its own (``ALTER TABLE … ADD COLUMN IF NOT EXISTS``), which a
    test enforces by comparing a migrated store with ``schema.py``.
    """
    for name in TABLE_NAMES:
        con.execute(_create_table_sql(TABLES[name]))
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS predictions (
          feedback_id VARCHAR NOT NULL,
          model_name VARCHAR NOT NULL,
          model_version VARCHAR NOT NULL,
          fault_types VARCHAR[] NOT NULL,
          primary_fault VARCHAR NOT NULL,
          sentiment VARCHAR NOT NULL,
          aspects VARCHAR[] NOT NULL,
          scores JSON,
          predicted_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (feedback_id, model_name, model_version)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS app_state (
          key VARCHAR PRIMARY KEY,
          value VARCHAR NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS ingest_runs (
          run_id VARCHAR PRIMARY KEY,
          table_name VARCHAR NOT NULL,
          source VARCHAR NOT NULL,
          source_sha256 VARCHAR,
          started_at TIMESTAMPTZ NOT NULL,
          finished_at TIMESTAMPTZ NOT NULL,
          rows_read BIGINT NOT NULL,
          inserted BIGINT NOT NULL,
          updated BIGINT NOT NULL,
          unchanged BIGINT NOT NULL,
          rejected BIGINT NOT NULL
        )
        """
    )


def _migration_2(con: duckdb.DuckDBPyConnection) -> None:
    """Human labels: every imported label is kept (history); the latest per text is current.

    ``labelled_at`` is the time the source gives (a Label Studio annotation's
    ``updated_at``), ``NULL`` when it gives none; the order of labels of one text is
    ``coalesce(labelled_at, imported_at)``, then ``seq``.
    """
    con.execute("CREATE SEQUENCE IF NOT EXISTS labels_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS labels (
          seq BIGINT PRIMARY KEY DEFAULT nextval('labels_seq'),
          text_hash VARCHAR NOT NULL,
          text VARCHAR NOT NULL,
          fault_types VARCHAR[] NOT NULL,
          primary_fault VARCHAR,
          sentiment VARCHAR,
          aspects VARCHAR[] NOT NULL,
          labeller VARCHAR NOT NULL,
          source_file VARCHAR NOT NULL,
          source_ref VARCHAR,
          labelled_at TIMESTAMPTZ,
          imported_at TIMESTAMPTZ NOT NULL,
          taxonomy VARCHAR
        )
        """
    )


Migration = tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]
MIGRATIONS: tuple[Migration, ...] = ((1, "initial schema", _migration_1), (2, "human labels", _migration_2))
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class StoreInfo:
    path: str
    schema_version: int
    tables: dict[str, int]


@dataclass(frozen=True)
class LoadCounts:
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class LabelCounts:
    inserted: int
    unchanged: int


class Store:
    """A DuckDB database file holding the canonical tables and predictions.

    One connection per Store; threads share it through cursors (DuckDB connections
    are not thread-safe, cursors are). The database is created and migrated on first
    use. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, timezone: str = "Asia/Shanghai", read_only: bool = False,
                 memory_limit: str | None = "1GB") -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        self.timezone = timezone
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._data_version = 0
        self._version_lock = threading.Lock()

    # -- connection ---------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection, opening and migrating the database on first call."""
        with self._lock:
            if self._con is None:
                self._con = self._open()
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for use from another thread (a connection of its own, same database)."""
        cur = self.connection().cursor()
        cur.execute(f"SET TimeZone = '{self.timezone}'")
        return cur

    def _open(self) -> duckdb.DuckDBPyConnection:
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.Error as exc:
            if "lock" in str(exc).lower():
                # DuckDB: one process writes a database file, and while it does no other
                # process may open it, not even read-only (the server holds it while it runs).
                raise StoreError(
                    f"store {self.path} is in use by another process (a running `feedback-nlp serve`?): "
                    "stop it, or ask the running server over HTTP (the API has every read command)"
                ) from exc
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        con.execute(f"SET TimeZone = '{self.timezone}'")
        if self.memory_limit:
            # Bounded memory: large joins and sorts spill to <db>.tmp/ instead of growing.
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            con.execute("SET preserve_insertion_order = false")
        if not self.read_only:
            self._migrate(con)
            self._remove_stale_staging()
        return con

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    # -- data version -------------------------------------------------------------------
    def data_version(self) -> int:
        """A number that changes whenever this Store writes data (a load, predictions, labels, state).

        Counted in this process: DuckDB lets one process write a store file, and a reader
        that caches results keyed on it (the API) is that process.
        """
        return self._data_version

    def mark_changed(self) -> None:
        """Bump :meth:`data_version`: called after every committed write."""
        with self._version_lock:
            self._data_version += 1

    def __enter__(self) -> Store:
        self.connection()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- migrations -----------------------------------------------------------------
    @staticmethod
    def _current_version(con: duckdb.DuckDBPyConnection) -> int:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        )
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        current = self._current_version(con)
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {current}, newer than this release's {SCHEMA_VERSION}; "
                "upgrade feedback-nlp"
            )
        for version, description, apply in MIGRATIONS:
            if version <= current:
                continue
            logger.info("migrating store %s to schema version %d (%s)", self.path, version, description)
            con.begin()
            try:
                apply(con)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, _now()])
                con.commit()
            except Exception:
                con.rollback()
                raise

    @property
    def schema_version(self) -> int:
        return self._current_version(self.connection())

    # -- reading ----------------------------------------------------------------------
    def info(self) -> StoreInfo:
        """Row counts of every table and the schema version."""
        con = self.cursor()
        try:
            names = [*TABLE_NAMES, "predictions", "ingest_runs"]
            counts = {n: int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]) for n in names}
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        finally:
            con.close()
        return StoreInfo(path=str(self.path), schema_version=int(row[0]), tables=counts)

    def read_table(self, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A whole canonical table as a frame (small tables and tests; KPIs push down SQL)."""
        if table not in TABLES and table not in ("predictions", "ingest_runs"):
            raise StoreError(f"unknown table {table!r}")
        cols = ", ".join(columns) if columns else "*"
        key = TABLES[table].key if table in TABLES else "1"
        return self.cursor().execute(f"SELECT {cols} FROM {table} ORDER BY {key}").df()

    def missing_keys(self, table: str, keys: Sequence[str]) -> list[str]:
        """Those of ``keys`` that are no row of ``table`` (by its key column), in the order given."""
        if table not in TABLES:
            raise StoreError(f"unknown table {table!r}")
        wanted = list(dict.fromkeys(str(k) for k in keys))
        storable = [k for k in wanted if _encodable(k)]  # a lone surrogate is no key of any row
        if not storable:
            return wanted
        key = TABLES[table].key
        con = self.cursor()
        try:
            con.register("_wanted_keys", pa.table({"k": pa.array(storable, pa.string())}))
            rows = con.execute(f"SELECT w.k FROM _wanted_keys w ANTI JOIN {table} t ON t.{key} = w.k").fetchall()
            con.unregister("_wanted_keys")
        finally:
            con.close()
        missing = {r[0] for r in rows}
        return [k for k in wanted if k in missing or not _encodable(k)]

    def table_columns(self, table: str) -> list[str]:
        rows = self.connection().execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return [r[0] for r in rows]

    # -- state --------------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        row = self.cursor().execute("SELECT value FROM app_state WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        self.cursor().execute(
            "INSERT INTO app_state VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            [key, value, _now()],
        )
        self.mark_changed()

    # -- human labels -----------------------------------------------------------------
    _CURRENT_LABELS = (
        "SELECT * EXCLUDE (rank) FROM (SELECT *, row_number() OVER (PARTITION BY text_hash "
        "ORDER BY coalesce(labelled_at, imported_at) DESC, seq DESC) AS rank FROM labels) WHERE rank = 1"
    )

    def _has_labels(self) -> bool:
        """Whether the labels table exists (a read-only store of an older release has none yet)."""
        row = self.cursor().execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels'").fetchone()  # fmt: skip
        return bool(row and row[0])

    def add_labels(self, records: Sequence[dict[str, Any]], *, source_file: str, taxonomy: str | None) -> LabelCounts:
        """Store human label records (``feedback_nlp.labelling.records``), idempotently.

        A record is *unchanged* — not stored again — when the same labeller already gave
        the same labels to the same text with the same source time, or, for a source
        without times, when it equals the text's current label. Everything else is
        added; the text's newest label becomes current and the older ones stay as history.
        """
        con = self.cursor()
        inserted = unchanged = 0
        try:
            con.begin()
            now = _now()
            for r in records:
                fields = [r["text_hash"], r["labeller"], list(r["fault_types"]), r.get("primary_fault"),
                          r.get("sentiment"), list(r["aspects"])]  # fmt: skip
                same = ("text_hash = ? AND labeller = ? AND fault_types = ?::VARCHAR[] AND primary_fault "
                        "IS NOT DISTINCT FROM ? AND sentiment IS NOT DISTINCT FROM ? AND aspects = ?::VARCHAR[]")
                if r.get("labelled_at"):
                    hit = con.execute(f"SELECT 1 FROM labels WHERE {same} AND labelled_at = ?::TIMESTAMPTZ",
                                      [*fields, r["labelled_at"]]).fetchone()  # fmt: skip
                else:
                    hit = con.execute(f"SELECT 1 FROM ({self._CURRENT_LABELS}) WHERE {same}", fields).fetchone()
                if hit:
                    unchanged += 1
                    continue
                con.execute(
                    "INSERT INTO labels (text_hash, text, fault_types, primary_fault, sentiment, aspects, labeller, "
                    "source_file, source_ref, labelled_at, imported_at, taxonomy) "
                    "VALUES (?, ?, ?::VARCHAR[], ?, ?, ?::VARCHAR[], ?, ?, ?, ?::TIMESTAMPTZ, ?, ?)",
                    [r["text_hash"], r["text"], list(r["fault_types"]), r.get("primary_fault"), r.get("sentiment"),
                     list(r["aspects"]), r["labeller"], source_file, r.get("source_ref"), r.get("labelled_at"),
                     now, taxonomy],
                )  # fmt: skip
                inserted += 1
            con.commit()
            self.mark_changed()
        except duckdb.Error as exc:
            con.rollback()
            raise StoreError(f"cannot store labels from {source_file}: {exc}") from exc
        finally:
            con.close()
        return LabelCounts(inserted=inserted, unchanged=unchanged)

    def current_labels(self, *, labeller: str | None = None) -> pd.DataFrame:
        """The current human label of every labelled text (of one labeller's labels when given)."""
        if not self._has_labels():
            return pd.DataFrame(columns=["seq", "text_hash", "text", "fault_types", "primary_fault", "sentiment",
                                         "aspects", "labeller", "source_file", "source_ref", "labelled_at",
                                         "imported_at", "taxonomy"])  # fmt: skip
        sql = self._CURRENT_LABELS if labeller is None else self._CURRENT_LABELS.replace(
            "FROM labels)", "FROM labels WHERE labeller = ?)")  # fmt: skip
        return self.cursor().execute(sql + " ORDER BY seq", [] if labeller is None else [labeller]).df()

    def label_history(self, text_hash: str | None = None) -> pd.DataFrame:
        """Every stored label, oldest first (of one text when ``text_hash`` is given)."""
        where, params = ("WHERE text_hash = ?", [text_hash]) if text_hash else ("", [])
        return self.cursor().execute(
            f"SELECT * FROM labels {where} ORDER BY text_hash, coalesce(labelled_at, imported_at), seq", params
        ).df()

    def labelled_keys(self) -> set[str]:
        """Text hashes of every text with a human label."""
        if not self._has_labels():
            return set()
        return {row[0] for row in self.cursor().execute("SELECT DISTINCT text_hash FROM labels").fetchall()}

    # -- loading ------------------------------------------------------------------------
    def begin_load(self, table: Table, columns: Sequence[str]) -> TableLoad:
        """Start an atomic load of one file into ``table``; see :class:`TableLoad`."""
        # A cursor of its own: the load's transaction and temp tables do not block or
        # leak into readers sharing the main connection.
        return TableLoad(self.cursor(), table, list(columns), self.path.parent, prefix=self._staging_prefix,
                         on_commit=self.mark_changed)

    @property
    def _staging_prefix(self) -> str:
        return f".{self.path.name}.staging-"

    def _remove_stale_staging(self) -> None:
        """Staging files left by a killed load. Safe: DuckDB's file lock means we are the only writer."""
        for stale in self.path.parent.glob(f"{self._staging_prefix}*"):
            logger.info("removing staging files of an interrupted load: %s", stale)
            shutil.rmtree(stale, ignore_errors=True)


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
        return int(row[0])

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
    inserted, updated, unchanged = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE t.{key} IS NULL),
               count(*) FILTER (WHERE t.{key} IS NOT NULL AND ({s_cols}) IS DISTINCT FROM ({t_cols})),
               count(*) FILTER (WHERE t.{key} IS NOT NULL AND ({s_cols}) IS NOT DISTINCT FROM ({t_cols}))
        FROM {staging} s LEFT JOIN {table.name} t ON s.{key} = t.{key}
        """
    ).fetchone()
    cols = ", ".join(columns)
    update = ", ".join(f"{c} = excluded.{c}" for c in non_key)
    conflict = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {staging} ON CONFLICT ({key}) {conflict}")
    return LoadCounts(int(inserted), int(updated), int(unchanged))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _now() -> datetime:
    return datetime.now(UTC)
