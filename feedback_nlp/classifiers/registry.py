"""Which model is active: recorded in the store, resolved against the model folder.

The active model's ``name@version`` lives in the store's ``app_state`` so every process
serving one store (CLI, API workers) agrees on it. With nothing recorded, the newest
model in the model folder is used.
"""

from __future__ import annotations

from pathlib import Path

from feedback_nlp.classifiers.artifacts import ModelInfo, list_models, read_metadata, resolve_model
from feedback_nlp.errors import ConfigError
from feedback_nlp.store import Store

ACTIVE_MODEL_KEY = "active_model"


def active_model(store: Store | None) -> str | None:
    """The recorded ``name@version``, or ``None``."""
    return None if store is None else store.get_state(ACTIVE_MODEL_KEY)


def activate(store: Store, ref: str, model_dir: str | Path) -> ModelInfo:
    """Record ``ref`` (``name``, ``name@version`` or a path under ``model_dir``) as the active model."""
    path = resolve_model(ref, model_dir)
    meta = read_metadata(path)
    info = next((m for m in list_models(model_dir) if m.path == path), None)
    if info is None:
        raise ConfigError(f"{path} is not under the model folder {model_dir}; copy it there to activate it")
    store.set_state(ACTIVE_MODEL_KEY, f"{meta['name']}@{meta['version']}")
    return info


def resolve_active(ref: str | Path | None, model_dir: str | Path, store: Store | None) -> Path:
    """The model directory to use: ``ref`` when given, else the active model, else the newest."""
    return resolve_model(ref, model_dir, active=None if ref is not None else active_model(store))
