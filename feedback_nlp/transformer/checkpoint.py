"""Deprecated alias of :mod:`feedback_nlp.encoder.checkpoint` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.checkpoint import (
    CONFIG_FILE,
    CONVERSION_FILE,
    TOKENIZER_CONFIG_FILE,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    bert_config,
    bert_state_dict,
    tensor_names,
    write_checkpoint,
    write_json,
)

__all__ = [
    "CONFIG_FILE",
    "CONVERSION_FILE",
    "TOKENIZER_CONFIG_FILE",
    "TOKENIZER_FILE",
    "WEIGHTS_FILE",
    "bert_config",
    "bert_state_dict",
    "tensor_names",
    "write_checkpoint",
    "write_json",
]
