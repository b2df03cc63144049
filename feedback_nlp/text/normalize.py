"""Deprecated alias of :mod:`feedback_nlp.text.normalise` (the module is named like the function it holds).

Kept for one release so that ``from feedback_nlp.text.normalize import …`` still works.
"""

from __future__ import annotations

import warnings

from feedback_nlp.text.normalise import *  # noqa: F403
from feedback_nlp.text.normalise import __all__ as __all__  # noqa: F401

warnings.warn("feedback_nlp.text.normalize is deprecated: import feedback_nlp.text.normalise",
              DeprecationWarning, stacklevel=2)
