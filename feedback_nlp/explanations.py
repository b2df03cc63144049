"""Classify records that carry explanations: which words drove each predicted label.

:class:`ExplainedClassification` is a :class:`~feedback_nlp.classification.Classification`
whose records also hold ``explanations`` (label key → the top spans of the original text
with signed weights) and ``explanation_method`` (``linear`` or ``occlusion``), so
:func:`~feedback_nlp.classification.classify_file`, the CLI and the API produce them the
same way. The methods are in :mod:`feedback_nlp.classifiers.explain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from feedback_nlp.classification import Classification
from feedback_nlp.classifiers.explain import DEFAULT_TOP_K, MAX_TOP_K, explain_records
from feedback_nlp.errors import ConfigError

__all__ = ["ExplainedClassification"]


@dataclass
class ExplainedClassification(Classification):
    """:class:`Classification` plus the ``top_k`` strongest words of each predicted label."""

    top_k: int = DEFAULT_TOP_K

    def __post_init__(self) -> None:
        if not 1 <= self.top_k <= MAX_TOP_K:
            raise ConfigError(f"top_k {self.top_k}: expected 1 to {MAX_TOP_K} spans per label")

    @classmethod
    def of(cls, classification: Classification, *, top_k: int = DEFAULT_TOP_K) -> ExplainedClassification:
        """The same model, segmenter and limits as ``classification``, explaining its labels."""
        same = {f.name: getattr(classification, f.name) for f in fields(Classification)}
        return cls(**same, top_k=top_k)

    def classify(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        """:meth:`Classification.classify`'s records, each with ``explanations`` and ``explanation_method``."""
        records = super().classify(texts)
        return explain_records(self.classifier, self.segmenter, texts, records, top_k=self.top_k)
