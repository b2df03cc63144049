"""The embedded store: every database statement of the product lives in this package.

DuckDB is the engine: an embedded columnar database, so KPI scans over millions of
tickets are fast, pandas frames go in and out without copies, and there is no server
to run. Only this package imports DuckDB or runs a statement (an import-linter
contract and ``tests/test_architecture.py`` hold that), so a server database could
replace it later by re-implementing one package:

- :mod:`~feedback_nlp.store.core`: :class:`Store`, the file and its connection, state,
  human labels and the predictions table;
- :mod:`~feedback_nlp.store.reader`: :class:`StoreReader`, the read session through
  which KPIs and themes run the SQL they build;
- :mod:`~feedback_nlp.store.loads`: :class:`TableLoad`, atomic loads of one file;
- :mod:`~feedback_nlp.store.migrations`: the schema as numbered forward migrations
  recorded in ``schema_version``; a store opened by an older release is migrated in
  place, never dropped and recreated.
"""

from __future__ import annotations

from feedback_nlp.store.core import LabelCounts, Store, StoreInfo
from feedback_nlp.store.loads import FOLLOWUP_FEEDBACK_PREFIX, TICKET_FIELDS_ON_FEEDBACK, LoadCounts, TableLoad
from feedback_nlp.store.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from feedback_nlp.store.reader import StoreReader

__all__ = [
    "FOLLOWUP_FEEDBACK_PREFIX",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TICKET_FIELDS_ON_FEEDBACK",
    "LabelCounts",
    "LoadCounts",
    "Migration",
    "Store",
    "StoreInfo",
    "StoreReader",
    "TableLoad",
]
