"""Load any model directory: its metadata's ``kind`` picks the class.

The one module that knows every classifier class, above them in the import graph (the
classes and :mod:`~feedback_nlp.classifiers.artifacts` never import it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_nlp.classifiers.artifacts import BASELINE_KIND, TRANSFORMER_KIND, read_metadata
from feedback_nlp.errors import ConfigError

if TYPE_CHECKING:
    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.classifiers.transformer import TransformerClassifier


def load_classifier(
    path: str | Path, *, segmenter: Any = None, quantize: bool = False, num_threads: int | None = None,
    runtime: str = "torch",
) -> TfidfClassifier | TransformerClassifier:
    """Load any model directory; its ``kind`` picks the class.

    ``quantize``, ``num_threads`` and ``runtime`` are inference options of transformer models;
    other kinds ignore them.
    """
    kind = read_metadata(path)["kind"]
    # Imported on demand: torch loads only when a transformer model is actually used.
    if kind == BASELINE_KIND:
        from feedback_nlp.classifiers.baseline import TfidfClassifier

        return TfidfClassifier.load(path, segmenter=segmenter)
    if kind == TRANSFORMER_KIND:
        from feedback_nlp.classifiers.transformer import TransformerClassifier

        return TransformerClassifier.load(path, segmenter=segmenter, quantize=quantize, num_threads=num_threads,
                                          runtime=runtime)  # fmt: skip
    raise ConfigError(f"{path}: unknown model kind {kind!r} (known: {BASELINE_KIND}, {TRANSFORMER_KIND})")
