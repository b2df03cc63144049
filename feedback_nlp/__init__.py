"""feedback-nlp: mine Chinese after-sales feedback.

The library holds the domain logic (no web): the canonical data model
(:mod:`feedback_nlp.schema`), the embedded store (:mod:`feedback_nlp.store`),
ingestion (:mod:`feedback_nlp.ingest`), demo data (:mod:`feedback_nlp.demo`) and the
settings object (:mod:`feedback_nlp.config`). Importing it has no side effects.
"""

from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError, InputFileError, MappingError, StoreError
from feedback_nlp.ingest import IngestReport, ingest_file, ingest_records
from feedback_nlp.store import Store

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FeedbackNLPError",
    "IngestReport",
    "InputFileError",
    "MappingError",
    "Settings",
    "Store",
    "StoreError",
    "__version__",
    "get_settings",
    "ingest_file",
    "ingest_records",
]
