"""The store's schema: numbered forward migrations, recorded in ``schema_version``.

A store opened by an older release is migrated in place by :func:`migrate` when a
:class:`~feedback_nlp.store.Store` opens it for writing, never dropped and recreated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from feedback_nlp.errors import StoreError
from feedback_nlp.schema import TABLE_NAMES, TABLES, Table

logger = logging.getLogger(__name__)


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


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for a new database; creates ``schema_version`` if missing)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Apply the migrations the store at ``path`` lacks, each in a transaction of its own."""
    current = current_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"store {path} has schema version {current}, newer than this release's {SCHEMA_VERSION}; "
            "upgrade feedback-nlp"
        )
    for version, description, apply in MIGRATIONS:
        if version <= current:
            continue
        logger.info("migrating store %s to schema version %d (%s)", path, version, description)
        con.begin()
        try:
            apply(con)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, datetime.now(UTC)])
            con.commit()
        except Exception:
            con.rollback()
            raise
