"""Deprecated alias of :mod:`feedback_nlp.encoder.e5_tokenizer` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.e5_tokenizer import (
    KEPT_CHAR_RANGES,
    build_tokenizer,
    is_kept_char,
    precompiled_charsmap,
    trimmed_piece_ids,
)

__all__ = [
    "KEPT_CHAR_RANGES",
    "build_tokenizer",
    "is_kept_char",
    "precompiled_charsmap",
    "trimmed_piece_ids",
]
