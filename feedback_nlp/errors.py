"""The product's exception hierarchy: every error a caller may handle derives from
:class:`FeedbackNLPError`, and its message names the bad value and the fix."""

from __future__ import annotations


class FeedbackNLPError(Exception):
    """Base class of every error raised on purpose by feedback_nlp."""

    code: str = "FNLP000"


class ConfigError(FeedbackNLPError):
    """A setting or argument is invalid."""

    code = "FNLP001"


class InputFileError(FeedbackNLPError):
    """A whole input file cannot be read: missing, empty, undecodable, wrong shape."""

    code = "FNLP100"


class MappingError(FeedbackNLPError):
    """A user-supplied column mapping is malformed or names unknown columns."""

    code = "FNLP101"


class StoreError(FeedbackNLPError):
    """The embedded store cannot be opened, migrated or written."""

    code = "FNLP200"
