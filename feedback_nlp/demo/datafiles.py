"""Read the demo's data files: ``feedback_nlp/demo/data/*.yaml``, shipped as package data.

The phrase banks (``phrases.yaml``, ``phrases_faults.yaml``) and the product catalogue
(``catalog.yaml``) are data, not code; :mod:`.phrases`, :mod:`.phrases_faults` and
:mod:`.catalog` read them at import and expose them under their public names. Each
file is parsed once per process (:func:`load_data`); :func:`read_data` parses afresh.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from feedback_nlp.errors import ConfigError

__all__ = ["DATA_DIR", "load_data", "read_data"]

DATA_DIR = Path(__file__).resolve().parent / "data"

# libyaml's safe loader when PyYAML was built with it (several times faster), else the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_data(name: str) -> dict[str, Any]:
    """Parse ``DATA_DIR / name`` (a YAML mapping) afresh.

    Raises :class:`~feedback_nlp.errors.ConfigError` if the file is missing (a broken
    install), is not valid YAML or does not hold a mapping.
    """
    path = DATA_DIR / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"demo data file {path} cannot be read ({exc}); the package is incomplete") from exc
    try:
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"demo data file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"demo data file {path} must hold a mapping, got {type(data).__name__}")
    return data


@cache
def load_data(name: str) -> dict[str, Any]:
    """:func:`read_data`, parsed once per process; callers must not modify what it returns."""
    return read_data(name)
