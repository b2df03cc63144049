"""Deprecated alias of :mod:`feedback_nlp.encoder.convert` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.convert import *  # noqa: F403
from feedback_nlp.encoder.convert import __all__ as __all__  # noqa: F401
