"""Deprecated alias of :mod:`feedback_nlp.encoder.onnx_runtime` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.onnx_runtime import (
    FP32_FILE,
    INT8_FILE,
    ONNX_BATCH_SIZE,
    ONNX_DIR,
    TOKENIZER_FILE,
    JsonTokenizer,
    OnnxNetwork,
    export_onnx,
    onnx_available,
    onnx_path,
    pad_ids,
)

__all__ = [
    "FP32_FILE",
    "INT8_FILE",
    "ONNX_BATCH_SIZE",
    "ONNX_DIR",
    "TOKENIZER_FILE",
    "JsonTokenizer",
    "OnnxNetwork",
    "export_onnx",
    "onnx_available",
    "onnx_path",
    "pad_ids",
]
