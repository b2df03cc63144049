"""The :class:`Store`: the database file, its connection, and every statement on its tables."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from feedback_nlp.errors import StoreError
from feedback_nlp.schema import TABLE_NAMES, TABLES, Table
from feedback_nlp.store.loads import TableLoad
from feedback_nlp.store.migrations import current_version, migrate
from feedback_nlp.store.reader import StoreReader, set_session_timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreInfo:
    path: str
    schema_version: int
    tables: dict[str, int]


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
                 memory_limit: str | None = "1GB", threads: int | None = None) -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        #: DuckDB's worker threads (None: one per core). The server caps them so that a KPI
        #: query leaves cores for classification.
        self.threads = threads
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
        try:
            set_session_timezone(cur, self.timezone)
        except Exception:
            cur.close()
            raise
        return cur

    def reader(self, timezone: str | None = None) -> StoreReader:
        """A read session of its own (one cursor) for one computation, in ``timezone`` (default: the store's).

        What KPIs and themes run their SQL through; see :class:`StoreReader`.

        Raises:
            ConfigError: ``timezone`` is no zone DuckDB knows.
        """
        reader = StoreReader(self.cursor())
        if timezone is not None and timezone != self.timezone:
            try:
                reader.set_timezone(timezone)
            except Exception:
                reader.close()
                raise
        return reader

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
                    "stop it, or go through it: add --server http://HOST:PORT --api-key KEY (kpis, themes, "
                    "models, ingest)"
                ) from exc
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        set_session_timezone(con, self.timezone)
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            # Bounded memory: large joins and sorts spill to <db>.tmp/ instead of growing.
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            con.execute("SET preserve_insertion_order = false")
        if not self.read_only:
            migrate(con, self.path)
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

    @property
    def schema_version(self) -> int:
        return current_version(self.connection())

    # -- reading ----------------------------------------------------------------------
    def info(self) -> StoreInfo:
        """Row counts of every table and the schema version."""
        with self.reader() as db:
            names = [*TABLE_NAMES, "predictions", "ingest_runs"]
            counts = {n: int(db.scalar(f"SELECT count(*) FROM {n}")) for n in names}
            version = int(db.scalar("SELECT max(version) FROM schema_version"))
        return StoreInfo(path=str(self.path), schema_version=version, tables=counts)

    def read_table(self, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A whole canonical table as a frame (small tables and tests; KPIs push down SQL)."""
        if table not in TABLES and table not in ("predictions", "ingest_runs"):
            raise StoreError(f"unknown table {table!r}")
        cols = ", ".join(columns) if columns else "*"
        key = TABLES[table].key if table in TABLES else "1"
        return self.cursor().execute(f"SELECT {cols} FROM {table} ORDER BY {key}").df()

    def export_parquet(self, directory: str | Path, tables: Sequence[str] | None = None) -> dict[str, int]:
        """Write each canonical table to ``directory/<table>.parquet`` (its canonical columns, by key).

        The files are what ``feedback-nlp ingest`` reads back (Parquet is an ingest format), so a
        user can move between the embedded store and a lake. Timestamps are written as UTC
        instants (Parquet's adjusted-to-UTC timestamps), so no zone is lost on the way. A file
        is written under a temporary name and renamed, so a failed export leaves no half file.
        Returns the rows written per table.
        """
        names = list(tables) if tables else list(TABLE_NAMES)
        unknown = [n for n in names if n not in TABLES]
        if unknown:
            raise StoreError(f"unknown table {unknown[0]!r}; tables are {', '.join(TABLE_NAMES)}")
        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{out}: cannot create the export folder: {exc}") from exc
        written: dict[str, int] = {}
        con = self.cursor()
        try:
            for name in names:
                table = TABLES[name]
                target = out / f"{name}.parquet"
                partial = out / f".{name}.parquet.partial"
                cols = ", ".join(table.column_names)
                sql = (f"COPY (SELECT {cols} FROM {name} ORDER BY {table.key}) TO '{_sql_path(partial)}' "
                       "(FORMAT parquet, COMPRESSION zstd)")
                try:
                    (count,) = con.execute(sql).fetchone() or (0,)  # COPY answers with the rows it wrote
                    partial.replace(target)
                except (duckdb.Error, OSError) as exc:
                    partial.unlink(missing_ok=True)
                    raise StoreError(f"{target}: cannot write the export: {exc}") from exc
                written[name] = int(count)
        finally:
            con.close()
        return written

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

    # -- predictions --------------------------------------------------------------------
    def prediction_models(self) -> pd.DataFrame:
        """One row per model version with stored predictions: model, n, last_predicted_at (newest first)."""
        with self.reader() as db:
            return db.frame(
                """
                SELECT model_name || '@' || model_version AS model, count(*) AS n,
                       max(predicted_at) AS last_predicted_at
                FROM predictions GROUP BY model_name, model_version
                ORDER BY last_predicted_at DESC, model
                """
            )

    def upsert_predictions(self, model_name: str, model_version: str, rows: Mapping[str, Sequence[Any]]) -> None:
        """Insert or overwrite one prediction per feedback row of ``model_name@model_version``, in one statement.

        ``rows`` holds aligned columns: ``feedback_id``, ``primary_fault`` and ``sentiment``
        (strings), ``fault_types`` and ``aspects`` (lists of strings), ``scores`` (JSON
        text). Every row gets the same ``predicted_at`` (now). The caller checks that the
        feedback rows exist (:meth:`missing_keys`).
        """
        batch = pa.table({
            "feedback_id": pa.array(rows["feedback_id"], pa.string()),
            "fault_types": pa.array(rows["fault_types"], pa.list_(pa.string())),
            "primary_fault": pa.array(rows["primary_fault"], pa.string()),
            "sentiment": pa.array(rows["sentiment"], pa.string()),
            "aspects": pa.array(rows["aspects"], pa.list_(pa.string())),
            "scores": pa.array(rows["scores"], pa.string()),
        })  # fmt: skip
        con = self.cursor()
        try:
            con.register("_prediction_batch", batch)
            con.execute(
                """
                INSERT INTO predictions (feedback_id, model_name, model_version, fault_types, primary_fault,
                                         sentiment, aspects, scores, predicted_at)
                SELECT feedback_id, ?, ?, fault_types, primary_fault, sentiment, aspects, CAST(scores AS JSON), ?
                FROM _prediction_batch
                ON CONFLICT (feedback_id, model_name, model_version) DO UPDATE SET
                  fault_types = excluded.fault_types, primary_fault = excluded.primary_fault,
                  sentiment = excluded.sentiment, aspects = excluded.aspects, scores = excluded.scores,
                  predicted_at = excluded.predicted_at
                """,
                [model_name, model_version, _now()],
            )
            con.unregister("_prediction_batch")
        finally:
            con.close()
        self.mark_changed()  # cached KPI and theme results of the API read the new predictions

    def feedback_texts(self, model_name: str, model_version: str, *, only_missing: bool, after: str | None,
                       limit: int) -> list[tuple[Any, ...]]:
        """Up to ``limit`` ``(feedback_id, text)`` rows with an id after ``after``, in id order (keyset pagination).

        With ``only_missing``, only rows without a prediction of ``model_name@model_version``.
        """
        missing = ("AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.feedback_id = f.feedback_id "
                   "AND p.model_name = ? AND p.model_version = ?)") if only_missing else ""
        params: list[Any] = [model_name, model_version] if only_missing else []
        later = ""
        if after is not None:
            later = "AND f.feedback_id > ?"
            params.append(after)
        with self.reader() as db:
            return db.rows(f"SELECT f.feedback_id, f.text FROM feedback f WHERE TRUE {missing} {later} "
                           f"ORDER BY f.feedback_id LIMIT {int(limit)}", params)  # fmt: skip

    def count_predicted(self, model_name: str, model_version: str) -> tuple[int, int]:
        """(feedback rows, of which predicted by ``model_name@model_version``): one count query."""
        with self.reader() as db:
            row = db.row(
                """
                SELECT count(*), count(p.feedback_id) FROM feedback f
                LEFT JOIN predictions p ON p.feedback_id = f.feedback_id AND p.model_name = ? AND p.model_version = ?
                """,
                [model_name, model_version],
            )
        n, done = row if row is not None else (0, 0)  # aggregates: always one row
        return int(n), int(done)

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


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal's body (COPY takes no parameter for its target)."""
    return str(path).replace("'", "''")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _now() -> datetime:
    return datetime.now(UTC)
