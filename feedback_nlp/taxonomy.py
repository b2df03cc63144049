"""The label taxonomy as data: fault types, sentiment and service aspects.

The default taxonomy (``feedback_nlp/data/taxonomy_default.yaml``, from
``shared/spec/taxonomy.md``) is one file; a user passes their own file with their own
codes and everything downstream (training, evaluation, the classify output, KPIs)
follows it. A model stores the taxonomy it was trained with inside its artifact, so
predictions always name codes the model knows.

File format (YAML or JSON)::

    name: my-taxonomy
    version: "1"
    fault_types:            # multi-label with one primary
      none_code: none       # optional: a code used only when no other applies
      labels:
        - {code: engine, name_zh: 发动机, description: ..., examples: [...]}
    sentiment:              # single-label (at least two codes)
      labels: [...]
    aspects:                # multi-label, may be empty per text
      labels: [...]

Every head is optional, but a taxonomy needs at least one (a sentiment-only or a
fault-only taxonomy is fine).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from feedback_nlp.errors import ConfigError

DEFAULT_TAXONOMY_PATH = Path(__file__).parent / "data" / "taxonomy_default.yaml"

#: The three label heads, in output order.
HEADS: tuple[str, ...] = ("fault_types", "sentiment", "aspects")
#: Heads where a text carries any number of labels; sentiment carries exactly one.
MULTI_LABEL_HEADS = frozenset({"fault_types", "aspects"})

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Label:
    """One label: a stable ASCII code and what people see."""

    code: str
    name_zh: str = ""
    description: str = ""
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "description": self.description,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class LabelGroup:
    """The labels of one head, in a fixed order (the column order of every score matrix)."""

    labels: tuple[Label, ...] = ()
    none_code: str | None = None

    @property
    def codes(self) -> list[str]:
        return [label.code for label in self.labels]

    @property
    def names_zh(self) -> dict[str, str]:
        return {label.code: label.name_zh or label.code for label in self.labels}

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, code: object) -> bool:
        return any(label.code == code for label in self.labels)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"labels": [label.to_dict() for label in self.labels]}
        if self.none_code is not None:
            out["none_code"] = self.none_code
        return out


@dataclass(frozen=True)
class Taxonomy:
    """Fault types (multi-label, one primary), sentiment (one of) and aspects (any of)."""

    name: str
    version: str
    fault_types: LabelGroup = field(default_factory=LabelGroup)
    sentiment: LabelGroup = field(default_factory=LabelGroup)
    aspects: LabelGroup = field(default_factory=LabelGroup)
    description: str = ""

    def head(self, head: str) -> LabelGroup:
        if head not in HEADS:
            raise KeyError(f"unknown head {head!r}; expected one of {', '.join(HEADS)}")
        return cast(LabelGroup, getattr(self, head))

    @property
    def active_heads(self) -> list[str]:
        """Heads with labels; a user taxonomy may have, say, fault types only."""
        return [head for head in HEADS if len(self.head(head))]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def name_zh(self, head: str, code: str) -> str:
        return self.head(head).names_zh.get(code, code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            **{head: self.head(head).to_dict() for head in HEADS},
        }

    def fingerprint(self) -> str:
        """A short hash of the label codes and their order: equal fingerprints, compatible models."""
        codes = {head: self.head(head).codes for head in HEADS}
        codes["none_code"] = [self.fault_types.none_code or ""]
        return hashlib.sha256(json.dumps(codes, sort_keys=True).encode()).hexdigest()[:12]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Taxonomy:
        """Build and validate a taxonomy; errors name the source and the bad entry."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: a taxonomy must be a mapping with name, version and fault_types")
        name = str(data.get("name") or "").strip()
        if not name:
            raise ConfigError(f"{source}: 'name' is required")
        version = str(data.get("version") or "1").strip()
        groups = {}
        for head in HEADS:
            raw = data.get(head)
            groups[head] = LabelGroup() if raw is None else _parse_group(raw, head=head, source=source)
        if not any(len(group) for group in groups.values()):
            raise ConfigError(f"{source}: a taxonomy needs labels for at least one of {', '.join(HEADS)}")
        if groups["sentiment"].none_code is not None or groups["aspects"].none_code is not None:
            raise ConfigError(f"{source}: none_code is only meaningful for fault_types")
        if len(groups["sentiment"]) == 1:
            raise ConfigError(f"{source}: sentiment needs at least two labels, or none at all")
        return cls(name=name, version=version, description=str(data.get("description") or ""), **groups)

    @classmethod
    def load(cls, path: str | Path) -> Taxonomy:
        """Read a taxonomy from a YAML or JSON file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read taxonomy file {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save the taxonomy as UTF-8") from exc
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}"
            ) from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def default(cls) -> Taxonomy:
        """The shipped default taxonomy (shared/spec/taxonomy.md), parsed once per process.

        A frozen value, so one shared instance is safe; parsing costs ~60 ms a call.
        """
        # A class object is hashable; mypy reads the dataclass's instance __hash__ (python/mypy#20409).
        return _default_taxonomy(cls)  # type: ignore[arg-type]


def _parse_group(raw: Any, *, head: str, source: str) -> LabelGroup:
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        raw = {"labels": raw}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("labels"), Sequence):
        raise ConfigError(f"{source}: {head} must have a 'labels' list")
    labels: list[Label] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["labels"]):
        if isinstance(entry, str):
            entry = {"code": entry}
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{source}: {head}.labels[{i}] must be a mapping with a 'code'")
        code = str(entry.get("code") or "").strip()
        if not _CODE_RE.match(code):
            raise ConfigError(
                f"{source}: {head}.labels[{i}] has code {code!r}; codes are ASCII letters, digits, '_', '-', '.'"
            )
        if code in seen:
            raise ConfigError(f"{source}: {head} has the code {code!r} twice")
        seen.add(code)
        examples = entry.get("examples") or ()
        labels.append(
            Label(
                code=code,
                name_zh=str(entry.get("name_zh") or entry.get("name") or ""),
                description=str(entry.get("description") or ""),
                examples=tuple(str(x) for x in examples),
            )
        )
    none_code = raw.get("none_code")
    if none_code is not None and none_code not in seen:
        raise ConfigError(f"{source}: {head}.none_code {none_code!r} is not one of its codes")
    return LabelGroup(labels=tuple(labels), none_code=none_code)


@lru_cache(maxsize=2)
def _default_taxonomy(cls: type[Taxonomy]) -> Taxonomy:
    return cls.load(DEFAULT_TAXONOMY_PATH)
