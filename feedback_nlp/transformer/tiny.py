"""Deprecated alias of :mod:`feedback_nlp.encoder.tiny` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.tiny import (
    SPECIAL_TOKENS,
    make_tiny_base,
)

__all__ = [
    "SPECIAL_TOKENS",
    "make_tiny_base",
]
