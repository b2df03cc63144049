"""The read session a computation runs its SQL through: one cursor, typed results.

KPIs and themes build their SQL text themselves (the KPI catalogue's formulas are SQL
by nature; :mod:`feedback_nlp.kpis.context` and :mod:`feedback_nlp.themes._scope` are
the query builders), but only the store speaks to DuckDB: they hand that text and its
parameters to a :class:`StoreReader` from :meth:`Store.reader
<feedback_nlp.store.Store.reader>`. A reader owns one cursor, so it serves one thread
and one computation; close it (or use it as a context manager) when done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from feedback_nlp.errors import ConfigError, StoreError

# An IANA/ICU zone name ("Asia/Shanghai", "Etc/GMT-8", "UTC"): it is set as a SQL literal
# (DuckDB's SET takes no parameters in every supported release), so nothing else may pass.
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/:.]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def set_session_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """``SET TimeZone`` on ``con``, after checking that ``timezone`` is a zone name DuckDB knows.

    Raises:
        ConfigError: ``timezone`` is no zone name, or one DuckDB does not know.
    """
    if not _ZONE_NAME.fullmatch(timezone):
        raise ConfigError(f"time zone {timezone!r}: not a time zone name (e.g. Asia/Shanghai)")
    try:
        con.execute(f"SET TimeZone = '{timezone}'")
    except duckdb.Error as exc:
        raise ConfigError(f"time zone {timezone!r}: unknown ({str(exc).splitlines()[0]})") from exc


def _identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise StoreError(f"bad table name {name!r}")
    return name


class StoreReader:
    """One computation's session with the store: a cursor of its own and ways to run SQL on it.

    ``params`` are bound, never pasted into the SQL text. Temporary tables a reader
    creates are visible to its own statements only and vanish with it at the latest.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cur = cursor

    # -- running SQL -----------------------------------------------------------------
    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The result of ``sql`` as a frame."""
        return self._cur.execute(sql, list(params)).df()

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of ``sql`` (None when it has none)."""
        return self._cur.execute(sql, list(params)).fetchone()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` as tuples (for small results: a frame costs more)."""
        return self._cur.execute(sql, list(params)).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of ``sql`` (None when it has no row)."""
        row = self.row(sql, params)
        return None if row is None else row[0]

    # -- session state -----------------------------------------------------------------
    def set_timezone(self, timezone: str) -> None:
        """Make ``timezone`` this session's zone (timestamps read back, ``date_trunc`` on TIMESTAMPTZ).

        Raises:
            ConfigError: not a zone name, or one DuckDB does not know.
        """
        set_session_timezone(self._cur, timezone)

    def create_temp_table(self, name: str, select_sql: str, params: Sequence[Any] = ()) -> None:
        """``CREATE OR REPLACE TEMP TABLE name AS select_sql``: a result this session reads several times."""
        self._cur.execute(f"CREATE OR REPLACE TEMP TABLE {_identifier(name)} AS {select_sql}", list(params))

    def drop_temp_table(self, name: str) -> None:
        """Drop the temporary table ``name`` if it exists."""
        self._cur.execute(f"DROP TABLE IF EXISTS {_identifier(name)}")

    # -- one-off lookups ---------------------------------------------------------------
    def first_ticket_at(self) -> datetime | None:
        """``created_at`` of the oldest ticket (None: no tickets)."""
        return self._timestamp("SELECT min(created_at) FROM tickets")

    def last_ticket_at(self) -> datetime | None:
        """``created_at`` of the newest ticket (None: no tickets)."""
        return self._timestamp("SELECT max(created_at) FROM tickets")

    def last_activity_at(self) -> datetime | None:
        """The latest order purchase or ticket creation (None: neither exists)."""
        return self._timestamp("SELECT greatest((SELECT max(purchased_at) FROM orders), "
                               "(SELECT max(created_at) FROM tickets))")  # fmt: skip

    def _timestamp(self, sql: str) -> datetime | None:
        value = self.scalar(sql)
        if value is None or isinstance(value, datetime):
            return value
        raise StoreError(f"expected a timestamp from {sql!r}, got {type(value).__name__}")

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the cursor (its temporary tables go with it)."""
        self._cur.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
