"""Reading exported files in chunks of raw strings: CSV/TSV, Excel, JSON lines and Parquet.

Readers only turn bytes into rows of strings with their row numbers; mapping,
coercion and validation come later. Every reader streams (a chunk at a time), so
memory does not grow with the file. Row numbers are what a person sees: in a CSV or
a sheet the header is row 1 and the first record row 2; in JSON lines the line number;
in Parquet the record's position, from 1 (a file written by ``feedback-nlp db export``).

Encodings: a byte-order mark wins (UTF-8, UTF-16); otherwise the first megabyte is
tried as UTF-8, then as GB18030 (a superset of GBK and GB2312, which Chinese exports
often use). Anything else needs ``encoding=``, which must name a character set
(:func:`check_encoding`: not a bytes-to-bytes codec such as base64, and ``utf-16`` or
``utf-32`` only for a file that starts with a byte-order mark). Bytes that do not
decode are replaced, and the rows holding them are rejected one by one rather than
failing the file. Posted rows and JSON lines holding a lone surrogate (``"\\udc80"``,
not Unicode) or nested too deeply are rejected row by row too.

One module (~530 lines): the four formats share the chunk protocol, the row numbering
and the decoding rules above, which is what a reader of one format needs to see.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from feedback_nlp.errors import InputFileError
from feedback_nlp.tabular import PARQUET_SUFFIXES, check_encoding, detect_encoding

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) as a file is read."""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES

_DELIMITERS = (",", "\t", ";", "|")
#: A JSON escape of a surrogate code point (U+D800–U+DFFF): only such a line can hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# csv's default field limit (128 KiB) would abort the file on one huge cell; we want to
# read it and reject that row with a reason instead.
csv.field_size_limit(64 << 20)


@dataclass
class RawChunk:
    """Rows of one chunk as strings, keyed by the source headers.

    ``rows`` holds each record's row number; ``problems`` lists records that could
    not even be split into the header's fields, as (row, reason) pairs.
    """

    frame: pd.DataFrame
    rows: list[int]
    sheet: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)
    # False when the reader guarantees no bytes were replaced while decoding.
    may_have_replacements: bool = True


@dataclass
class SourceInfo:
    """What the reader found out about the file."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheets_read: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    header: list[str] | None = None  # a CSV's header row, as read


def read_chunks(
    path: Path,
    *,
    chunk_rows: int,
    encoding: str | None = None,
    sheet: str | None = None,
    accepts_headers: Callable[[list[str]], str | None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> tuple[SourceInfo, Iterator[RawChunk]]:
    """Open ``path`` and return what was detected plus an iterator of chunks.

    ``accepts_headers`` tells an Excel reader whether a sheet's headers fit the
    target table (None when they do, else the reason to skip the sheet).
    Raises InputFileError for a missing, empty or unreadable file.
    """
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, expected a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _excel_chunks(path, chunk_rows, sheet, accepts_headers, on_progress)
    if suffix in PARQUET_SUFFIXES:
        return SourceInfo("parquet"), _parquet_chunks(path, chunk_rows, on_progress)
    if suffix == ".xls":
        raise InputFileError(f"{path.name}: legacy .xls is not supported; save it as .xlsx or CSV")
    if encoding is not None and suffix not in EXCEL_SUFFIXES:
        check_encoding(path, encoding)
    if suffix in JSONL_SUFFIXES:
        enc = encoding or detect_encoding(path)
        return SourceInfo("jsonl", enc), _jsonl_chunks(path, enc, chunk_rows, on_progress)
    if suffix in CSV_SUFFIXES or not suffix:
        enc = encoding or detect_encoding(path)
        return _csv_chunks(path, enc, chunk_rows, on_progress)
    raise InputFileError(
        f"{path.name}: unsupported file type {suffix!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
    )


def frame_chunks(records: Sequence[Mapping[str, Any]], chunk_rows: int) -> tuple[SourceInfo, Iterator[RawChunk]]:
    """Chunks from in-memory records (rows posted to the API); row numbers start at 1."""

    def gen() -> Iterator[RawChunk]:
        for start in range(0, len(records), chunk_rows):
            part = records[start : start + chunk_rows]
            problems: list[tuple[int, str]] = []
            good: list[tuple[int, dict[Any, str]]] = []
            for i, r in enumerate(part):
                if not isinstance(r, dict):
                    problems.append((start + i + 1, "row is not a JSON object"))
                    continue
                cells, problem = _record_cells(r)
                if problem is not None:
                    problems.append((start + i + 1, problem))
                else:
                    good.append((start + i + 1, cells))
            frame = pd.DataFrame([cells for _, cells in good], dtype=object)
            yield RawChunk(frame, [n for n, _ in good], None, problems)

    return SourceInfo("records"), gen()


def _record_cells(record: dict[Any, Any], *, check_unicode: bool = True) -> tuple[dict[Any, str], str | None]:
    """A JSON object's cells as text, or why the row cannot be read (as a row rejection).

    ``check_unicode``: look for lone surrogates (JSON may escape them, ``"\\udc80"``;
    they are not text, and nothing downstream can encode them).
    """
    try:
        cells = {k: _cell_text(v) for k, v in record.items()}
    except RecursionError:
        return {}, "a value is nested too deeply"
    if check_unicode:
        try:  # one encode per row; the culprit is searched only when there is one
            "".join([*map(str, cells), *cells.values()]).encode("utf-8")
        except UnicodeEncodeError:
            for key, text in cells.items():
                for part in (str(key), text):
                    try:
                        part.encode("utf-8")
                    except UnicodeEncodeError as exc:
                        bad = part[exc.start : exc.start + 1]
                        return {}, f"{str(key)[:40]!r} holds {bad!r}, a lone surrogate, which is not Unicode text"
    return cells, None


# -- CSV ------------------------------------------------------------------------------------
def _open_text(path: Path, encoding: str) -> tuple[IO[bytes], io.TextIOWrapper]:
    raw = path.open("rb")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raw.close()
        raise InputFileError(f"{path.name}: unknown encoding {encoding!r}") from None
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _csv_chunks(
    path: Path, encoding: str, chunk_rows: int, on_progress: ProgressCallback | None
) -> tuple[SourceInfo, Iterator[RawChunk]]:
    raw, text = _open_text(path, encoding)
    try:
        first = text.readline()
        header_line = 1
        while first and not first.strip():
            first = text.readline()
            header_line += 1
    finally:
        raw.close()
    if not first.strip():
        raise InputFileError(f"{path.name}: the file has no header row (only blank lines)")
    delimiter = _sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    header = [h.strip().lstrip("\ufeff") for h in header]
    if "\ufffd" in "".join(header):
        raise InputFileError(
            f"{path.name}: the header row does not decode as {encoding}; the file is in another encoding. "
            "Pass the right one with --encoding (e.g. gb18030, utf-8, big5)"
        )
    info = SourceInfo("csv", encoding, delimiter, header=header)
    fast = header_line == 1 and len(set(header)) == len(header) and all(header)
    if fast:
        return info, _arrow_csv_chunks(path, encoding, delimiter, header, chunk_rows, on_progress)
    return info, _python_csv_chunks(path, encoding, delimiter, header, chunk_rows, on_progress, skip=0)


class _FallBack(Exception):
    """The fast reader met something only the forgiving reader handles."""


def _arrow_csv_chunks(
    path: Path, encoding: str, delimiter: str, header: list[str], chunk_rows: int,
    on_progress: ProgressCallback | None,
) -> Iterator[RawChunk]:
    """Arrow's C++ CSV reader: the fast path for well-formed files.

    At the first row it cannot take as is (wrong field count, bytes that are not
    valid text, an unterminated quote) it hands over to :func:`_python_csv_chunks`,
    which resumes after the records already yielded and reports each bad row.
    Record numbers agree between the two readers (header = 1, blank lines skipped).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    total = path.stat().st_size
    done = 0  # records yielded so far
    pending: RawChunk | None = None
    raw = path.open("rb")
    try:
        try:
            reader = pacsv.open_csv(
                raw,
                read_options=pacsv.ReadOptions(
                    encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                    block_size=8 << 20, use_threads=False, column_names=header, skip_rows=1),
                # No invalid-row handler: a malformed row raises, and the forgiving reader takes over.
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # the first block is read on opening
            raise _FallBack(str(exc)) from exc
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise _FallBack(str(exc)) from exc
            # The fast reader strips nothing; trailing-newline checks need the last chunk held back.
            frame = batch.to_pandas(types_mapper=pd.ArrowDtype)
            for lo in range(0, len(frame), chunk_rows):
                part = frame.iloc[lo : lo + chunk_rows]
                chunk = RawChunk(part.reset_index(drop=True), list(range(done + 2, done + 2 + len(part))),
                                 may_have_replacements=False)
                done += len(part)
                if pending is not None:
                    yield pending
                pending = chunk
            if on_progress:
                on_progress(raw.tell(), total)
    except _FallBack:
        raw.close()
        if pending is not None:
            done -= len(pending.rows)  # not yielded yet: the forgiving reader reads it again
        yield from _python_csv_chunks(path, encoding, delimiter, header, chunk_rows, on_progress, skip=done)
        return
    finally:
        raw.close()
    if pending is not None:
        if pending.rows and _ends_without_newline(path):
            last = pending.frame.iloc[-1]
            pending.problems.append((pending.rows[-1], _truncated_reason(str(last.iloc[-1]))))
            pending.frame = pending.frame.iloc[:-1]
            pending.rows = pending.rows[:-1]
        yield pending
    if on_progress:
        on_progress(total, total)


def _python_csv_chunks(
    path: Path, encoding: str, delimiter: str, header: list[str], chunk_rows: int,
    on_progress: ProgressCallback | None, *, skip: int,
) -> Iterator[RawChunk]:
    """Python's csv module: slower, but reads every row it can and reports the rest."""
    raw, text = _open_text(path, encoding)
    total = path.stat().st_size
    n_fields = len(header)
    buffer: list[list[str]] = []
    rows: list[int] = []
    problems: list[tuple[int, str]] = []
    row_no = 1
    last_pos = 0
    last_buffered = False
    try:
        line = text.readline()
        while line and not line.strip():
            line = text.readline()
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            row_no += 1
            if row_no - 1 <= skip:
                continue
            last_buffered = len(record) == n_fields
            if last_buffered:
                buffer.append(record)
                rows.append(row_no)
            else:
                problems.append((row_no, _field_count_reason(len(record), n_fields)))
            if len(buffer) >= chunk_rows or len(problems) >= chunk_rows:
                yield RawChunk(pd.DataFrame(buffer, columns=header, dtype=object), rows, None, problems)
                buffer, rows, problems = [], [], []
                if on_progress:
                    pos = raw.tell()
                    on_progress(pos, total)
                    last_pos = pos
        # A file cut off mid-row: the last record lacks its line end.
        if buffer and last_buffered and _ends_without_newline(path):
            last = buffer.pop()
            problems.append((rows.pop(), _truncated_reason(last[-1])))
        yield RawChunk(pd.DataFrame(buffer, columns=header, dtype=object), rows, None, problems)
    finally:
        if on_progress and total != last_pos:
            on_progress(total, total)
        raw.close()


def _truncated_reason(last_field: str) -> str:
    return f"the file ends in the middle of this row (truncated file?): last field read as {last_field[:40]!r}"


def _field_count_reason(found: int, expected: int) -> str:
    if found < expected:
        return f"row has {found} fields but the header has {expected} (row cut short or file truncated?)"
    return f"row has {found} fields but the header has {expected} (unquoted delimiter inside a value?)"


def _ends_without_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-min(4, path.stat().st_size), io.SEEK_END)
        # UTF-16LE puts a zero byte after the line end, UTF-32LE three.
        return not fh.read(4).endswith((b"\n", b"\r", b"\n\x00", b"\r\x00", b"\n\x00\x00\x00", b"\r\x00\x00\x00"))


# -- JSON lines -----------------------------------------------------------------------------
def _jsonl_chunks(path: Path, encoding: str, chunk_rows: int,
                  on_progress: ProgressCallback | None) -> Iterator[RawChunk]:
    raw, text = _open_text(path, encoding)
    total = path.stat().st_size
    try:
        records: list[dict[str, str]] = []
        rows: list[int] = []
        problems: list[tuple[int, str]] = []
        for line_no, line in enumerate(text, start=1):
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            if line_no == 1 and line.startswith("["):
                raise InputFileError(f"{path.name}: this is a JSON array; write one JSON object per line (JSON lines)")
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append((line_no, f"not valid JSON ({exc.msg} at column {exc.colno}); truncated line?"))
                continue
            except RecursionError:
                problems.append((line_no, "not valid JSON: nested too deeply"))
                continue
            except ValueError:  # an integer of more than 4,300 digits
                problems.append((line_no, "not valid JSON: a number has too many digits"))
                continue
            if not isinstance(obj, dict):
                problems.append((line_no, f"expected a JSON object, found {type(obj).__name__}"))
                continue
            cells, problem = _record_cells({str(k): v for k, v in obj.items()},
                                           check_unicode=_SURROGATE_ESCAPE.search(line) is not None)
            if problem is not None:
                problems.append((line_no, problem))
                continue
            records.append(cells)
            rows.append(line_no)
            if len(records) >= chunk_rows:
                yield RawChunk(pd.DataFrame(records, dtype=object), rows, None, problems)
                records, rows, problems = [], [], []
                if on_progress:
                    on_progress(raw.tell(), total)
        yield RawChunk(pd.DataFrame(records, dtype=object), rows, None, problems)
    finally:
        if on_progress:
            on_progress(total, total)
        raw.close()


# -- Excel ----------------------------------------------------------------------------------
def _excel_chunks(
    path: Path,
    chunk_rows: int,
    sheet: str | None,
    accepts_headers: Callable[[list[str]], str | None] | None,
    on_progress: ProgressCallback | None,
) -> tuple[SourceInfo, Iterator[RawChunk]]:
    import openpyxl  # only needed for Excel files

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"{path.name}: not a readable .xlsx workbook (damaged or truncated?): {exc}") from exc
    info = SourceInfo("xlsx")
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        book.close()
        raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets are {', '.join(names)}")
    selected: list[tuple[str, list[str]]] = []
    for name in [sheet] if sheet else names:
        ws = book[name]
        header = _sheet_header(ws)
        if header is None:
            info.sheets_skipped[name] = "sheet is empty"
            continue
        reason = accepts_headers(header) if accepts_headers else None
        if reason is not None and sheet is None:
            info.sheets_skipped[name] = reason
            continue
        selected.append((name, header))
        info.sheets_read.append(name)
    if not selected:
        book.close()
        skipped = "; ".join(f"{k}: {v}" for k, v in info.sheets_skipped.items())
        raise InputFileError(f"{path.name}: no sheet holds this table ({skipped})")

    def gen() -> Iterator[RawChunk]:
        try:
            for i, (name, header) in enumerate(selected):
                ws = book[name]
                records: list[list[str]] = []
                rows: list[int] = []
                started = False
                for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
                    cells = [_cell_text(v) for v in values]
                    if not started:
                        started = any(cells)
                        continue  # the header row (first non-empty row)
                    if not any(cells):
                        continue
                    cells = (cells + [""] * len(header))[: len(header)]
                    records.append(cells)
                    rows.append(row_no)
                    if len(records) >= chunk_rows:
                        yield RawChunk(pd.DataFrame(records, columns=header, dtype=object), rows, name)
                        records, rows = [], []
                yield RawChunk(pd.DataFrame(records, columns=header, dtype=object), rows, name)
                if on_progress:
                    on_progress(i + 1, len(selected))
        finally:
            book.close()

    return info, gen()


# -- Parquet --------------------------------------------------------------------------------
def _parquet_chunks(path: Path, chunk_rows: int, on_progress: ProgressCallback | None) -> Iterator[RawChunk]:
    """Record batches as text cells, like every other reader, so one validation path
    judges them (a typed Parquet column is rendered the way an export writes it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"{path.name}: not a readable Parquet file (damaged or truncated?): {exc}") from exc
    header = list(source.schema_arrow.names)
    total = max(source.metadata.num_rows, 1)
    done = 0
    try:
        for batch in source.iter_batches(batch_size=chunk_rows):
            columns = {name: [_cell_text(v) for v in batch.column(i).to_pylist()] for i, name in enumerate(header)}
            frame = pd.DataFrame(columns, columns=header, dtype=object)
            rows = list(range(done + 1, done + batch.num_rows + 1))
            done += batch.num_rows
            yield RawChunk(frame, rows, None, may_have_replacements=False)
            if on_progress:
                on_progress(done, total)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"{path.name}: cannot read Parquet after row {done}: {exc}") from exc
    if done == 0:
        yield RawChunk(pd.DataFrame(columns=header, dtype=object), [], None, may_have_replacements=False)


def _sheet_header(ws: Any) -> list[str] | None:
    for values in ws.iter_rows(values_only=True):
        cells = [_cell_text(v).strip() for v in values]
        if any(cells):
            while cells and not cells[-1]:
                cells.pop()
            return [c or f"column_{i + 1}" for i, c in enumerate(cells)]
    return None


def _cell_text(value: Any) -> str:
    """One cell as text, keeping dates readable and integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
