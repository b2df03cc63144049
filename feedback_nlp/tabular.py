"""One reader for every tabular input: CSV/TSV (UTF-8, UTF-8 with BOM, GB18030, or a named
character set), Excel, JSON lines and Parquet.

Ingest streams files through its own validating readers (``feedback_nlp.ingest.readers``)
but decides encodings here; ``classify`` (input files), the labelled-data reader of
training (:func:`feedback_nlp.labels.read_labelled`) and the labelling loop's tables read
through :func:`read_frame` / :func:`iter_frames`, so a file that ingests also classifies
and trains.

Encodings: a byte-order mark wins (UTF-8, UTF-16); otherwise the first megabyte is tried
as UTF-8, then as GB18030 (a superset of GBK and GB2312, which Chinese exports often
use). Anything else must be named, and must be a character set (:func:`check_encoding`).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.errors import InputFileError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES

_SAMPLE_BYTES = 1 << 20
#: Text codecs of Python that are no character set a file is written in (checked by name).
_NOT_FILE_ENCODINGS = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})
#: Codecs that read the byte order from a byte-order mark and fail without one.
_NEEDS_BOM: dict[str, tuple[bytes, ...]] = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}


def detect_encoding(path: Path) -> str:
    """Guess a text file's encoding from its byte-order mark or its first megabyte.

    Raises InputFileError when the file is empty or neither UTF-8 nor GB18030.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    if not sample:
        raise InputFileError(f"{path.name}: the file is empty (0 bytes)")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        # final=False: a multi-byte character cut at the sample's end (or at the end of
        # a truncated file) is not evidence against the encoding.
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputFileError(
        f"{path.name}: cannot tell the encoding: the text is neither UTF-8, UTF-16 nor GB18030/GBK. "
        "Pass the right one with --encoding (e.g. big5)"
    )


def check_encoding(path: Path, encoding: str) -> None:
    """Refuse an ``encoding`` a text file cannot be read with (InputFileError naming it).

    Unknown names, codecs that are not character sets (base64, bz2, zlib, hex, uu,
    quopri, rot13; idna, punycode, unicode_escape) and ``utf-16``/``utf-32`` for a
    file without a byte-order mark (name the byte order instead: ``utf-16-le``).
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError, TypeError):
        raise InputFileError(f"{path.name}: unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FILE_ENCODINGS:
        raise InputFileError(
            f"{path.name}: encoding {encoding!r} is not a character set of text files; "
            "use one such as utf-8, gb18030, big5, utf-16-le or utf-16-be"
        )
    boms = _NEEDS_BOM.get(info.name)
    if boms is not None:
        with path.open("rb") as fh:
            head = fh.read(4)
        if not head.startswith(boms):
            raise InputFileError(
                f"{path.name}: encoding {encoding!r} needs a byte-order mark at the start of the file, and this "
                f"file has none; name the byte order instead ({info.name}-le or {info.name}-be)"
            )


def file_kind(path: str | Path) -> str:
    """``csv``, ``excel``, ``jsonl`` or ``parquet`` from the file name, else :class:`InputFileError`."""
    name = Path(path).name.lower()
    for kind, suffixes in (("jsonl", JSONL_SUFFIXES), ("excel", EXCEL_SUFFIXES), ("parquet", PARQUET_SUFFIXES),
                           ("csv", CSV_SUFFIXES)):  # fmt: skip
        if name.endswith(suffixes):
            return kind
    raise InputFileError(f"{Path(path).name}: unsupported file type; use CSV/TSV, Excel (.xlsx), JSON lines or Parquet")


def _csv_options(path: Path, encoding: str | None) -> dict[str, Any]:
    name = path.name.lower()
    if name.endswith(".gz"):  # compressed: pandas unpacks it; the bytes on disk say nothing of the encoding
        encoding = encoding or "utf-8"
    elif encoding is not None:
        check_encoding(path, encoding)
    sep = "\t" if name.endswith((".tsv", ".tsv.gz")) else ","
    return {"sep": sep, "encoding": encoding or detect_encoding(path), "dtype": str, "keep_default_na": False,
            "na_values": [""]}  # fmt: skip


def read_frame(path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """The whole file as a frame (CSV cells as strings, empty cells missing).

    Raises :class:`InputFileError` naming the file and the reason.
    """
    return pd.concat(list(iter_frames(path, batch_size=None, encoding=encoding)), ignore_index=True)


def iter_frames(path: str | Path, *, batch_size: int | None = 1000, encoding: str | None = None
                ) -> Iterator[pd.DataFrame]:  # fmt: skip
    """The file in frames of ``batch_size`` rows, streamed (memory stays flat for CSV, JSON lines,
    Excel and Parquet); ``batch_size=None``: one frame of the whole file."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    kind = file_kind(path)
    try:
        if kind == "jsonl":
            if batch_size is None:
                yield pd.read_json(path, lines=True, dtype=False)
            else:
                yield from pd.read_json(path, lines=True, chunksize=batch_size, dtype=False)
        elif kind == "excel":
            yield from _excel_frames(path, batch_size)
        elif kind == "parquet":
            import pyarrow.parquet as pq

            if batch_size is None:
                yield pd.read_parquet(path)
            else:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
                    yield batch.to_pandas()
        elif batch_size is None:
            yield pd.read_csv(path, **_csv_options(path, encoding))
        else:
            yield from pd.read_csv(path, chunksize=batch_size, **_csv_options(path, encoding))
    except InputFileError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: cannot read: {exc}") from exc


def _excel_frames(path: Path, batch_size: int | None) -> Iterator[pd.DataFrame]:
    """The first sheet in batches, read row by row (openpyxl read-only: memory stays flat)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputFileError(f"{path}: the first sheet is empty")
        columns = [str(c) if c is not None else f"column_{i + 1}" for i, c in enumerate(header)]
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(row[: len(columns)]) + (None,) * (len(columns) - len(row)))
            if batch_size is not None and len(batch) == batch_size:
                yield pd.DataFrame(batch, columns=columns, dtype=object)
                batch = []
        if batch or batch_size is None:
            yield pd.DataFrame(batch, columns=columns, dtype=object)
    finally:
        book.close()
