"""feedback-nlp: mine Chinese after-sales feedback.

The library holds the domain logic (no web): the canonical data model
(:mod:`feedback_nlp.schema`), the embedded store (:mod:`feedback_nlp.store`),
ingestion (:mod:`feedback_nlp.ingest`), demo data (:mod:`feedback_nlp.demo`), the
text pipeline (:mod:`feedback_nlp.text`), the label taxonomy
(:mod:`feedback_nlp.taxonomy`), classifiers (:mod:`feedback_nlp.classifiers`),
classification of texts and files (:mod:`feedback_nlp.classification`), evaluation
(:mod:`feedback_nlp.evaluation`) and the settings object (:mod:`feedback_nlp.config`).
Importing it has no side effects and loads neither jieba nor torch.
"""

from feedback_nlp.classification import Classification, classify_file
from feedback_nlp.classifiers.artifacts import list_models
from feedback_nlp.classifiers.base import Classifier
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError, InputFileError, MappingError, StoreError
from feedback_nlp.evaluation import EvaluationReport, evaluate_predictions
from feedback_nlp.ingest import IngestReport, ingest_file, ingest_records
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter, mask_personal_data, normalise

__version__ = "0.1.0"

__all__ = [
    "Classification",
    "Classifier",
    "ConfigError",
    "EvaluationReport",
    "FeedbackNLPError",
    "IngestReport",
    "InputFileError",
    "MappingError",
    "Segmenter",
    "Settings",
    "Store",
    "StoreError",
    "Taxonomy",
    "__version__",
    "classify_file",
    "evaluate_predictions",
    "get_settings",
    "ingest_file",
    "ingest_records",
    "list_models",
    "load_classifier",
    "mask_personal_data",
    "normalise",
]
