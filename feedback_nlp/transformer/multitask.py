"""Deprecated alias of :mod:`feedback_nlp.encoder.multitask` (see :mod:`feedback_nlp.transformer`)."""

from __future__ import annotations

from feedback_nlp.encoder.multitask import (
    MULTI_LABEL,
    MultiTaskModel,
    encoder_layers,
    mean_pool,
    multitask_loss,
    probabilities,
)

__all__ = [
    "MULTI_LABEL",
    "MultiTaskModel",
    "encoder_layers",
    "mean_pool",
    "multitask_loss",
    "probabilities",
]
