"""From raw string chunks to typed, valid rows plus a list of rejections.

Three steps, each reporting instead of guessing:

1. **Headers** are mapped onto canonical columns through the user's mapping file
   (if any), then the built-in Chinese/English aliases. Unknown headers are ignored
   and reported; a required column that is missing refuses the file (or the sheet).
2. **Cells** are coerced column by column (see :mod:`feedback_nlp.ingest.coerce`).
3. **Rows** are checked: required values, ranges and enums, time order, text length,
   undecodable bytes. A row with any problem is rejected as a whole, and every
   problem it has is reported with its row number, column, value and reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_nlp.errors import InputFileError, MappingError
from feedback_nlp.ingest import coerce
from feedback_nlp.ingest.readers import RawChunk
from feedback_nlp.schema import TABLE_NAMES, Column, Table, alias_index, enum_index, normalise_header

REJECTION_COLUMNS = ["row", "sheet", "column", "value", "reason"]
IGNORE = "__ignore__"
Reject = Callable[[pd.Series, str | None, pd.Series | None, str | pd.Series], None]
"""Records the rows of a mask as rejected: (mask, column, values, reason)."""
_VALUE_PREVIEW = 80
_HEADERS_LISTED = 40  # in a message about missing columns
_DEFAULTS: dict[str, dict[str, object]] = {"orders": {"quantity": 1}}


@dataclass
class HeaderMapping:
    """How one header row maps onto a table."""

    columns: dict[str, str]  # source header -> canonical column
    ignored: list[str] = field(default_factory=list)  # headers that match no column
    shadowed: dict[str, str] = field(default_factory=dict)  # extra header -> column already taken
    missing_required: list[str] = field(default_factory=list)

    @property
    def canonical(self) -> list[str]:
        return list(self.columns.values())


def load_mapping_file(path: Path, table: str) -> dict[str, str]:
    """Read a user mapping file: source header → canonical column.

    YAML or JSON, either flat (``{"单据号": "ticket_id"}``) or per table
    (``{"tickets": {"单据号": "ticket_id"}, "followups": {...}}``). Map a header to
    ``null`` or ``"ignore"`` to drop it without a report line.
    """
    if not path.exists():
        raise MappingError(f"mapping file {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # yaml and json raise different types
        raise MappingError(f"mapping file {path.name} is not valid YAML/JSON: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingError(f"mapping file {path.name}: expected a mapping of source header to column name")
    if any(k in TABLE_NAMES for k in data) and all(isinstance(v, dict) for v in data.values()):
        data = data.get(table) or {}
    from feedback_nlp.schema import get_table

    valid = set(get_table(table).column_names)
    mapping: dict[str, str] = {}
    for source, target in data.items():
        if target is None or str(target).strip().lower() in ("ignore", "skip", ""):
            mapping[str(source)] = IGNORE
            continue
        target = str(target).strip()
        if target not in valid:
            raise MappingError(
                f"mapping file {path.name}: {source!r} maps to {target!r}, which is not a column of {table}; "
                f"columns are {', '.join(sorted(valid))}"
            )
        mapping[str(source)] = target
    return mapping


def map_headers(table: Table, headers: Sequence[str], user_mapping: Mapping[str, str] | None = None) -> HeaderMapping:
    """Map source headers onto ``table``'s columns; the user's mapping wins over aliases.

    When two headers map to one column the first wins and the other is reported.
    """
    aliases = alias_index(table)
    user = {normalise_header(k): v for k, v in (user_mapping or {}).items()}
    result = HeaderMapping(columns={})
    taken: dict[str, str] = {}
    for header in headers:
        folded = normalise_header(header)
        target = user.get(folded) or aliases.get(folded)
        if target == IGNORE:
            continue
        if target is None:
            result.ignored.append(header)
        elif target in taken:
            result.shadowed[header] = target
        else:
            taken[target] = header
            result.columns[header] = target
    result.missing_required = [c for c in table.required if c not in taken]
    return result


def missing_columns_message(table: Table, mapping: HeaderMapping, headers: Sequence[str]) -> str:
    wanted = ", ".join(f"{c} ({table.column(c).label})" for c in mapping.missing_required)
    found = [_preview(h, 40) for h in headers[:_HEADERS_LISTED]]
    if len(headers) > _HEADERS_LISTED:
        found.append(f"… ({len(headers) - _HEADERS_LISTED} more)")
    return (
        f"missing required column(s) for {table.name}: {wanted}. Found headers: {', '.join(found)}. "
        "Rename them or map them with --mapping FILE"
    )


@dataclass
class ValidChunk:
    """Typed valid rows (``_row``, ``_sheet`` + canonical columns) and the rejections."""

    frame: pd.DataFrame
    rejections: pd.DataFrame
    rows_read: int
    columns: list[str]


class ChunkValidator:
    """Validates chunks for one table; keeps per-header-set mappings it has seen."""

    def __init__(
        self,
        table: Table,
        *,
        timezone: str,
        max_text_length: int,
        user_mapping: Mapping[str, str] | None = None,
        encoding: str | None = None,
    ) -> None:
        self.table = table
        self.timezone = timezone
        self.max_text_length = max_text_length
        self.user_mapping = dict(user_mapping or {})
        self.encoding = encoding
        self._mappings: dict[tuple[str, ...], HeaderMapping] = {}
        self.ignored: dict[str, None] = {}
        self.shadowed: dict[str, str] = {}
        self.column_mapping: dict[str, str] = {}

    def mapping_for(self, headers: Sequence[str]) -> HeaderMapping:
        key = tuple(headers)
        if key not in self._mappings:
            mapping = map_headers(self.table, headers, self.user_mapping)
            self._mappings[key] = mapping
            self.ignored.update(dict.fromkeys(mapping.ignored))
            self.shadowed.update(mapping.shadowed)
            for source, target in mapping.columns.items():
                self.column_mapping.setdefault(source, target)
        return self._mappings[key]

    def header_problem(self, headers: list[str]) -> str | None:
        """Why a header row cannot hold this table (None when it can)."""
        mapping = map_headers(self.table, headers, self.user_mapping)
        return missing_columns_message(self.table, mapping, headers) if mapping.missing_required else None

    def file_header_problem(self, headers: list[str], *, forced_encoding: str | None = None) -> str | None:
        """Why a file with this header row cannot hold this table (None when it can).

        When no header is a column at all, the message says that the encoding (if it
        was forced) or the table may be wrong: a wrong encoding garbles the header.
        """
        mapping = map_headers(self.table, headers, self.user_mapping)
        if not mapping.missing_required:
            return None
        message = missing_columns_message(self.table, mapping, headers)
        if not mapping.columns:
            hint = f"the encoding {forced_encoding!r} is wrong for this file or " if forced_encoding else ""
            message += f". No header is a column of {self.table.name}: {hint}the file is for another table"
        return message

    def validate(self, chunk: RawChunk, *, per_row_headers: bool = False) -> ValidChunk:
        """Coerce and check one chunk.

        ``per_row_headers`` is for JSON lines, where each record has its own keys: a
        missing required key is then a problem of that row, not of the file.
        """
        problems = [_problem(r, chunk.sheet, None, None, reason) for r, reason in chunk.problems]
        raw = chunk.frame
        n = len(raw)
        mapping = self.mapping_for([str(c) for c in raw.columns])
        if mapping.missing_required and not per_row_headers and n:
            raise InputFileError(missing_columns_message(self.table, mapping, list(raw.columns)))
        rows = pd.Series(np.asarray(chunk.rows, dtype=np.int64), index=raw.index)
        typed: dict[str, pd.Series] = {}
        bad_any = pd.Series(False, index=raw.index)
        found: list[pd.DataFrame] = []

        def reject(mask: pd.Series, column: str | None, values: pd.Series | None, reason: str | pd.Series) -> None:
            nonlocal bad_any
            if not mask.any():
                return
            idx = mask.index[mask.to_numpy()]
            bad_any |= mask
            value = values.loc[idx] if values is not None else pd.Series(None, index=idx, dtype=object)
            found.append(pd.DataFrame({
                "row": rows.loc[idx].to_numpy(),
                "sheet": chunk.sheet,
                "column": column,
                "value": value.map(_preview, na_action="ignore").astype(object).to_numpy(),
                "reason": reason.loc[idx].to_numpy() if isinstance(reason, pd.Series) else reason,
            }))

        if n:
            # Undecodable bytes were replaced on reading; such a row cannot be trusted.
            texts = {source: coerce.as_text(raw[source]) for source in raw.columns}
            if self.encoding is not None and chunk.may_have_replacements:
                for source, col in texts.items():
                    has_bad = col.str.contains("\ufffd", regex=False).fillna(False).astype(bool)
                    reject(has_bad, mapping.columns.get(str(source), str(source)), col,
                           f"bytes that do not decode as {self.encoding}; wrong encoding for this row?")
            for source, name in mapping.columns.items():
                column = self.table.column(name)
                text = coerce.blank_to_none(texts[source])
                out = self._coerce(column, text)
                reject(out.bad, name, texts[source], out.reason)
                typed[name] = out.values
                if column.required and name != self.table.text_column:  # texts get their own reason
                    reject(text.isna(), name, None, "required value is missing")
                if name == self.table.text_column:
                    self._check_text(name, text, reject)
            for name in self.table.required:
                if name not in typed:  # only reachable for JSON lines records lacking the key
                    reject(pd.Series(True, index=raw.index), name, None, "required value is missing")
            self._check_time_order(typed, reject)

        columns = [c for c in self.table.column_names if c in typed]
        for name, default in _DEFAULTS.get(self.table.name, {}).items():
            if name in typed:
                typed[name] = typed[name].fillna(default)
            else:
                typed[name] = pd.Series(default, index=raw.index)
                columns.append(name)
        good = ~bad_any
        frame = pd.DataFrame({"_row": rows[good], "_sheet": chunk.sheet,
                              **{c: typed[c][good] for c in columns}})
        rejections = pd.concat([pd.DataFrame(problems, columns=REJECTION_COLUMNS), *found], ignore_index=True) \
            if (problems or found) else pd.DataFrame(columns=REJECTION_COLUMNS)
        return ValidChunk(frame, rejections, n + len(chunk.problems), columns)

    # -- per-column rules ---------------------------------------------------------------
    def _coerce(self, column: Column, text: pd.Series) -> coerce.Coerced:
        if column.type == "timestamp":
            return coerce.coerce_timestamp(text, self.timezone)
        if column.type == "date":
            return coerce.coerce_date(text, self.timezone)
        if column.type == "enum":
            return coerce.coerce_enum(text, enum_index(column))
        if column.type == "bool":
            return coerce.coerce_bool(text)
        if column.type == "int":
            return coerce.coerce_int(text, column.min_value, column.max_value)
        if column.type == "decimal":
            return coerce.coerce_decimal(text, column.min_value, column.max_value)
        return coerce.coerce_text(text)

    def _check_text(self, name: str, text: pd.Series, reject: Reject) -> None:
        column = self.table.column(name)
        if column.required:
            reject(text.isna(), name, None, "text is empty or only whitespace")
        lengths = text.str.len().astype("Float64")
        too_long = (lengths > self.max_text_length).fillna(False).astype(bool)
        if too_long.any():
            reasons = lengths[too_long].map(
                lambda n: f"text is {int(n):,} characters, longer than the maximum {self.max_text_length:,} "
                "(FEEDBACK_NLP_INGEST__MAX_TEXT_LENGTH)"
            )
            reject(too_long, name, text, reasons)

    def _check_time_order(self, typed: dict[str, pd.Series], reject: Reject) -> None:
        for earlier, later in self.table.time_order:
            if earlier not in typed or later not in typed:
                continue
            a, b = typed[earlier], typed[later]
            wrong = (b < a).fillna(False).astype(bool)
            if wrong.any():
                reasons = pd.Series(
                    [f"{later} {y:%Y-%m-%d %H:%M} is before {earlier} {x:%Y-%m-%d %H:%M}"
                     for x, y in zip(a[wrong], b[wrong], strict=True)],
                    index=wrong.index[wrong.to_numpy()],
                )
                reject(wrong, later, b.dt.strftime("%Y-%m-%d %H:%M:%S%z"), reasons)


def _problem(row: int, sheet: str | None, column: str | None, value: str | None, reason: str) -> dict[str, object]:
    return {"row": row, "sheet": sheet, "column": column, "value": value, "reason": reason}


def _preview(value: object, limit: int = _VALUE_PREVIEW) -> str:
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} chars)"
