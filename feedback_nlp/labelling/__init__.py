"""The labelling loop: suggest texts worth labelling, export them for Label Studio or a
spreadsheet with the model's labels pre-filled, import the corrected labels back (each
row validated against the taxonomy), measure agreement between labellers, and hand the
human labels to training."""

from feedback_nlp.labelling.agreement import AgreementReport, agreement, cohen_kappa
from feedback_nlp.labelling.importer import ImportReport, import_labels, read_labels, records_frame
from feedback_nlp.labelling.records import RowError, text_key
from feedback_nlp.labelling.suggest import STRATEGIES, suggest

__all__ = [
    "STRATEGIES",
    "AgreementReport",
    "ImportReport",
    "RowError",
    "agreement",
    "cohen_kappa",
    "import_labels",
    "read_labels",
    "records_frame",
    "suggest",
    "text_key",
]
