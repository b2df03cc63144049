"""Model artifacts: one directory per model version, ``metadata.json`` beside the weights.

Layout: ``<model_dir>/<name>/<version>/`` holding ``metadata.json`` and the files of
its kind. The metadata is the contract: name, version, kind, the full taxonomy, the
label codes per head in score order, the tuned thresholds, the training-data hash,
library versions, git commit, creation time, the training arguments and the measured
metrics. Loading validates it and fails loudly; nothing falls back to defaults.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import ConfigError, ModelError, ModelNotFoundError, NoModelError
from feedback_nlp.taxonomy import Taxonomy

#: The ``kind`` a model directory's metadata declares; each classifier class says its own
#: (``TfidfClassifier.kind``, ``TransformerClassifier.kind``) and the loader dispatches on it.
BASELINE_KIND = "tfidf-linear"
TRANSFORMER_KIND = "transformer"

METADATA_FILE = "metadata.json"
#: Keys every metadata.json must have.
REQUIRED_KEYS = ("name", "version", "kind", "taxonomy", "labels", "thresholds", "created_at")
_LIBRARIES = ("feedback-nlp", "scikit-learn", "numpy", "scipy", "jieba", "opencc", "torch", "transformers")


@dataclass(frozen=True)
class ModelInfo:
    """What listing a model directory tells without loading weights."""

    name: str
    version: str
    kind: str
    path: Path
    created_at: str
    taxonomy: str
    metrics: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _LIBRARIES:
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(cwd: Path | None = None) -> str | None:
    """The current commit (with ``-dirty`` when the tree has changes), or ``None`` outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, check=True, timeout=5,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def data_hash(
    frame: pd.DataFrame, columns: Iterable[str] = ("text", "fault_types", "primary_fault", "sentiment", "aspects")
) -> str:
    """A content hash of labelled training data (texts and labels, in order)."""
    digest = hashlib.sha256()
    for column in columns:
        if column not in frame.columns:
            continue
        digest.update(column.encode())
        for value in frame[column]:
            digest.update(json.dumps(value if not hasattr(value, "tolist") else value.tolist(), ensure_ascii=False,
                                     default=str).encode())  # fmt: skip
            digest.update(b"\x00")
    return digest.hexdigest()[:16]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_metadata(path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``metadata.json`` (atomically) after checking the required keys."""
    missing = [key for key in REQUIRED_KEYS if key not in metadata]
    if missing:
        raise ModelError(f"metadata lacks {', '.join(missing)}")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (METADATA_FILE + ".tmp")
    tmp.write_text(json.dumps(metadata, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path / METADATA_FILE)
    return path / METADATA_FILE


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Read and validate ``metadata.json`` of a model directory. Raises :class:`ConfigError`."""
    file = Path(path) / METADATA_FILE
    try:
        metadata: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} is not a model directory: {METADATA_FILE} is missing") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{file}: unreadable model metadata: {exc}") from exc
    missing = [key for key in REQUIRED_KEYS if key not in metadata]
    if missing:
        raise ConfigError(f"{file}: model metadata lacks {', '.join(missing)}; re-train or re-export the model")
    taxonomy = Taxonomy.from_dict(metadata["taxonomy"], source=str(file))
    for head, codes in metadata["labels"].items():
        expected = taxonomy.head(head).codes
        if list(codes) != expected:
            raise ConfigError(f"{file}: labels of {head} {codes} do not match its taxonomy {expected}")
    return metadata


def model_taxonomy(metadata: dict[str, Any]) -> Taxonomy:
    return Taxonomy.from_dict(metadata["taxonomy"], source=f"model {metadata['name']}@{metadata['version']}")


def next_version(model_dir: str | Path, name: str) -> str:
    """``v1``, ``v2``, …: one more than the highest version of ``name`` in ``model_dir``."""
    folder = Path(model_dir) / name
    numbers = [int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit()] if folder.is_dir() else []
    return f"v{max(numbers, default=0) + 1}"


def list_models(model_dir: str | Path) -> list[ModelInfo]:
    """Every model version under ``model_dir``, newest first. Unreadable directories are skipped."""
    infos = []
    for file in sorted(Path(model_dir).glob(f"*/*/{METADATA_FILE}")):
        try:
            meta = read_metadata(file.parent)
        except ConfigError:
            continue
        infos.append(
            ModelInfo(
                name=meta["name"],
                version=meta["version"],
                kind=meta["kind"],
                path=file.parent,
                created_at=meta["created_at"],
                taxonomy=f"{meta['taxonomy'].get('name')}@{meta['taxonomy'].get('version')}",
                metrics=meta.get("metrics", {}),
            )
        )
    # created_at has one-second resolution: versions saved in the same second order by number.
    return sorted(infos, key=lambda info: (info.created_at, _version_number(info.version)), reverse=True)


def _version_number(version: str) -> int:
    return int(version[1:]) if version[:1] == "v" and version[1:].isdigit() else -1


def resolve_model(ref: str | Path | None, model_dir: str | Path, *, active: str | None = None) -> Path:
    """The directory of a model given a path, ``name``, ``name@version`` or nothing.

    ``None`` means the active model (``active``, as recorded in the store) or, when
    none is recorded, the newest baseline in ``model_dir`` (the newest model of any
    kind when there is no baseline): a fine-tuned model serves by default only once
    activated. ``name`` alone is its newest
    version. Raises :class:`ConfigError` naming what was looked for.
    """
    if ref is not None and (Path(ref) / METADATA_FILE).exists():
        return Path(ref)
    ref = str(ref) if ref is not None else active
    models = list_models(model_dir)
    if ref is None:
        default = default_model(models)
        if default is None:
            raise NoModelError(
                f"no model in {model_dir}; train one with `python training/train_baseline.py` or `feedback-nlp train`"
            )
        return default.path
    return find_model(ref, models, model_dir).path


def default_model(models: list[ModelInfo]) -> ModelInfo | None:
    """The model that serves when none is activated: the newest baseline, else the newest model.

    A fine-tuned model serves by default only once activated (after it beat the baseline).
    ``models`` as :func:`list_models` returns them, newest first. The one place this rule lives.
    """
    baselines = [m for m in models if m.kind == BASELINE_KIND]
    return (baselines or models)[0] if models else None


def find_model(ref: str, models: list[ModelInfo], model_dir: str | Path | None = None) -> ModelInfo:
    """``name`` (its newest version) or ``name@version`` among ``models``, or :class:`ModelNotFoundError`.

    The message names ``model_dir`` when given (the API leaves the server's paths out).
    """
    name, _, version = ref.partition("@")
    matches = [m for m in models if m.name == name and (not version or m.version == version)]
    if not matches:
        known = ", ".join(sorted({m.ref for m in models})) or "none"
        where = f" in {model_dir} (known: {known}) and not a model directory" if model_dir else f" (known: {known})"
        raise ModelNotFoundError(f"model {ref!r} not found{where}")
    return matches[0]

