"""Argument dataclasses to command lines and back (the Hugging Face examples' style).

Every training command (``feedback_nlp.training.*``, run as ``python -m`` or through the
thin scripts in ``training/``) declares its arguments as dataclasses; ``parse_args`` turns
each field into ``--field-name`` and ``--args-file run_args.json`` replays a saved run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from feedback_nlp.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def _arg_type(tp: Any) -> tuple[Any, dict[str, Any]]:
    """argparse ``type`` and extra options for a dataclass field annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _arg_type(inner[0])
    if origin in (list, tuple, Sequence):
        item = typing.get_args(tp)[0] if typing.get_args(tp) else str
        return item, {"nargs": "+"}
    if tp is bool:
        return None, {"action": argparse.BooleanOptionalAction}
    return tp, {}


def parse_args(argv: Sequence[str] | None, *classes: type[T], description: str = "") -> tuple[Any, ...]:
    """Parse ``argv`` into one instance of each argument dataclass (HF-examples style).

    Every field becomes ``--field-name``; its ``metadata["help"]`` is the help text.
    ``--args-file FILE.json`` replays a run: its keys are defaults, flags still win.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--args-file", type=Path, help="JSON file of arguments (a saved run_args.json)")
    hints = {cls: typing.get_type_hints(cls) for cls in classes}
    for cls in classes:
        group = parser.add_argument_group(cls.__name__)
        for field in dataclasses.fields(cls):
            kind, extra = _arg_type(hints[cls][field.name])
            default = field.default if field.default is not dataclasses.MISSING else (
                field.default_factory() if field.default_factory is not dataclasses.MISSING else None
            )  # fmt: skip
            # argparse formats help with %: a literal "15%" must be written "15%%"
            help_text = str(field.metadata.get("help", "")).replace("%", "%%")
            options: dict[str, Any] = {"default": default, "help": help_text}
            if kind is not None:
                options["type"] = kind
            options.update(extra)
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                options["required"] = True
            group.add_argument("--" + field.name.replace("_", "-"), dest=field.name, **options)
    first, _ = parser.parse_known_args(argv)
    if first.args_file:
        parser.set_defaults(**json.loads(first.args_file.read_text(encoding="utf-8")))
        for action in parser._actions:  # saved values satisfy required arguments
            action.required = False
    namespace = parser.parse_args(argv)
    out = []
    for cls in classes:
        values = {f.name: getattr(namespace, f.name) for f in dataclasses.fields(cls)}
        for f in dataclasses.fields(cls):
            if isinstance(values[f.name], str) and hints[cls][f.name] in (Path, Path | None):
                values[f.name] = Path(values[f.name])
            if typing.get_origin(hints[cls][f.name]) is tuple and values[f.name] is not None:
                values[f.name] = tuple(values[f.name])
        out.append(cls(**values))
    return tuple(out)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def args_to_dict(*instances: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for instance in instances:
        merged.update({k: _plain(v) for k, v in dataclasses.asdict(instance).items()})
    return merged



def load_script(path: str | Path) -> types.ModuleType:
    """Import a training script by path (``training/`` is a folder of scripts, not a package).

    The module is registered in ``sys.modules`` so its argument dataclasses resolve
    their annotations.
    """
    import importlib.util
    import sys

    path = Path(path)
    name = f"feedback_nlp_script_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load the script {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def setup_logging(level: int = logging.INFO) -> None:
    """Log configuration of the training scripts (an entry point's job, not the library's).

    jieba attaches its own DEBUG handler at import; its "Building prefix dict" lines
    are noise in a training log.
    """
    import jieba

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    jieba.setLogLevel(logging.INFO)


def provenance() -> dict[str, Any]:
    from feedback_nlp.classifiers.artifacts import git_commit

    return {"git_commit": git_commit(Path(__file__).parent)}
