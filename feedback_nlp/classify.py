"""Deprecated alias of :mod:`feedback_nlp.classification` (renamed so that it no longer sits beside
:mod:`feedback_nlp.classifiers` under a near-identical name; :mod:`feedback_nlp.cli.classify` is the CLI command).

Kept for one release so that ``from feedback_nlp.classify import …`` still works.
"""

from __future__ import annotations

import warnings

from feedback_nlp.classification import *  # noqa: F403
from feedback_nlp.classification import __all__ as __all__  # noqa: F401

warnings.warn("feedback_nlp.classify is deprecated: import feedback_nlp.classification",
              DeprecationWarning, stacklevel=2)
