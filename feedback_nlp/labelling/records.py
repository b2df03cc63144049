"""One human label: its key, its validation against the taxonomy, and its row errors.

A label record is a dict with ``text``, ``fault_types`` (list), ``primary_fault``,
``sentiment``, ``aspects`` (list), ``labeller``, ``labelled_at`` (ISO time or ``None``
when the source does not say) and ``source_ref`` (where in the source it came from).
Every reader of a labelled file yields ``(row_number, record_or_None, reason)``; a bad
row never becomes a record, and its reason names the row and the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from feedback_nlp.labels import parse_codes
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import normalise

LABEL_FIELDS = ("fault_types", "primary_fault", "sentiment", "aspects")


def text_key(text: str) -> str:
    """The identity of a text across files and runs: SHA-1 of its normalised form.

    Normalisation (full-width → half-width, traditional → simplified, spacing) makes
    trivially different copies of one text share a label and a split.
    """
    return hashlib.sha1(normalise(str(text)).encode("utf-8")).hexdigest()


@dataclass
class RowError:
    row: int
    field: str
    reason: str
    ref: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.ref})" if self.ref else "")
        return f"{where}, {self.field}: {self.reason}"


@dataclass
class ParsedLabels:
    """What a reader made of a file: valid records, row errors and rows it skipped."""

    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def check_record(record: dict[str, Any], taxonomy: Taxonomy, row: int, ref: str | None = None) -> RowError | None:
    """The first problem of one label record, or ``None`` when it is valid.

    Fills ``primary_fault`` when exactly one fault type is given, and de-duplicates codes.
    """
    text = record.get("text")
    if text is None or not str(text).strip():
        return RowError(row, "text", "empty", ref)
    faults = taxonomy.fault_types
    none = faults.none_code
    fault_types = parse_codes(record.get("fault_types"), empty_is_unknown=True)
    if len(faults):
        if not fault_types:
            return RowError(row, "fault_types", f"missing (use {none!r} when there is no fault)" if none else
                            "missing", ref)  # fmt: skip
        unknown = [c for c in fault_types if c not in faults.codes]
        if unknown:
            return RowError(row, "fault_types", f"unknown code(s) {', '.join(unknown)}", ref)
        fault_types = list(dict.fromkeys(fault_types))
        if none and none in fault_types and len(fault_types) > 1:
            return RowError(row, "fault_types", f"{none!r} is exclusive but listed with {', '.join(fault_types)}", ref)
        primary = record.get("primary_fault")
        primary = str(primary).strip() if primary is not None and str(primary).strip() else None
        if primary is None:
            if len(fault_types) > 1:
                return RowError(row, "primary_fault", "missing; required when there are several fault types", ref)
            primary = fault_types[0]
        if primary not in fault_types:
            return RowError(row, "primary_fault", f"{primary!r} is not among the fault types "
                            f"{', '.join(fault_types)}", ref)  # fmt: skip
        record["fault_types"], record["primary_fault"] = fault_types, primary
    if len(taxonomy.sentiment):
        sentiment = record.get("sentiment")
        sentiment = str(sentiment).strip() if sentiment is not None else ""
        if not sentiment:
            return RowError(row, "sentiment", "missing", ref)
        if sentiment not in taxonomy.sentiment.codes:
            return RowError(row, "sentiment", f"unknown code {sentiment!r} (expected one of "
                            f"{', '.join(taxonomy.sentiment.codes)})", ref)  # fmt: skip
        record["sentiment"] = sentiment
    aspects = parse_codes(record.get("aspects"), empty_is_unknown=False) or []
    unknown = [c for c in aspects if c not in taxonomy.aspects.codes]
    if unknown:
        return RowError(row, "aspects", f"unknown code(s) {', '.join(unknown)}", ref)
    record["aspects"] = list(dict.fromkeys(aspects))
    record["text"] = str(text).strip()
    return None
