"""Ingestion: exported files (CSV, Excel, JSON lines) or posted rows into the store.

Entry points are :func:`ingest_file` and :func:`ingest_records`; both return an
:class:`IngestReport`. See ``pipeline.py`` for the flow.
"""

from feedback_nlp.ingest.pipeline import ingest_file, ingest_records
from feedback_nlp.ingest.report import IngestReport
from feedback_nlp.ingest.validate import load_mapping_file, map_headers

__all__ = ["IngestReport", "ingest_file", "ingest_records", "load_mapping_file", "map_headers"]
