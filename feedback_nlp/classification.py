"""Classify texts and files: normalise, segment, predict, and shape one record per text.

This is the one place that produces the classify output, so the CLI, the API and the
store's prediction table agree on it. Each record has at least ``fault_types``,
``primary_fault``, ``sentiment``, ``aspects``, ``scores`` (per head, ``{code: p}``),
``tokens`` (jieba segmentation of the normalised text), ``keywords`` and ``model``
(``name@version``). A text that cannot be classified (empty, over-long, not text, no letter or
digit: :func:`~feedback_nlp.text.has_content`) gets an ``error`` field instead of labels; it never
stops a batch.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from feedback_nlp.classifiers.base import decide
from feedback_nlp.errors import InputFileError
from feedback_nlp.tabular import iter_frames
from feedback_nlp.text import Segmenter, content_problem, normalise

logger = logging.getLogger(__name__)

#: Keys of a record besides the passed-through input columns.
OUTPUT_KEYS = ("fault_types", "primary_fault", "sentiment", "aspects", "scores", "tokens", "keywords", "model")
SCORE_DIGITS = 4


@dataclass
class Classification:
    """A classifier with the segmenter whose tokens it reads."""

    classifier: Any
    segmenter: Segmenter
    max_text_length: int = 5000
    n_keywords: int = 5

    @classmethod
    def from_model(cls, path: str | Path, segmenter: Segmenter, *, max_text_length: int = 5000,
                   quantize: bool = False, num_threads: int | None = None,
                   runtime: str = "torch") -> Classification:  # fmt: skip
        """Load the model directory ``path`` for inference (the one way CLI, API and store use)."""
        from feedback_nlp.classifiers.loading import load_classifier

        classifier = load_classifier(
            path, segmenter=segmenter, quantize=quantize, num_threads=num_threads, runtime=runtime
        )
        return cls(classifier, segmenter, max_text_length=max_text_length)

    @classmethod
    def from_settings(cls, path: str | Path, settings: Any, segmenter: Segmenter | None = None) -> Classification:
        """:meth:`from_model` with the segmentation, text limit and inference options of ``settings``."""
        return cls.from_model(
            path, segmenter or Segmenter.from_settings(settings.text), max_text_length=settings.ingest.max_text_length,
            quantize=settings.inference.quantize, num_threads=settings.inference.threads,
            runtime=settings.inference.runtime,
        )  # fmt: skip

    @property
    def model_ref(self) -> str:
        return f"{self.classifier.name}@{self.classifier.version}"

    def check_text(self, text: Any) -> str | None:
        """Why ``text`` cannot be classified, or ``None``."""
        if text is None or (isinstance(text, float) and math.isnan(text)):
            return "text is missing"
        if not isinstance(text, str):
            return f"text must be a string, got {type(text).__name__}"
        if not text.strip():
            return "text is empty"
        if len(text) > self.max_text_length:
            return f"text has {len(text)} characters; the limit is {self.max_text_length}"
        return content_problem(text)  # no letter or digit (zero-width, NUL, emoji only, ...), lone surrogates

    def classify(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        """One record per text, in order."""
        records: list[dict[str, Any]] = [{} for _ in texts]
        valid: list[int] = []
        for i, text in enumerate(texts):
            problem = self.check_text(text)
            if problem is None:
                valid.append(i)
            else:
                records[i] = {"error": problem, "model": self.model_ref}
        if not valid:
            return records
        normalised = [normalise(texts[i]) for i in valid]
        cuts = [self.segmenter.cut(t) for t in normalised]
        content = [self.segmenter.content_tokens(c) for c in cuts]
        # A classifier that can skip normalising the texts a second time is told they are.
        predict_normalised = getattr(self.classifier, "predict_proba_normalised", None)
        if predict_normalised is not None:
            proba = predict_normalised(normalised, content)
        else:
            proba = self.classifier.predict_proba(normalised, tokens=content)
        labels = decide(proba, self.classifier.thresholds_, self.classifier.taxonomy_)
        score_heads = [h for h in ("fault_types", "sentiment", "aspects") if h in proba]
        rounded = {h: np.round(proba[h].to_numpy(dtype=float), SCORE_DIGITS).tolist() for h in score_heads}
        columns = {h: list(proba[h].columns) for h in score_heads}
        ref = self.model_ref
        fault_types, primary = labels["fault_types"].tolist(), labels["primary_fault"].tolist()
        sentiment, aspects = labels["sentiment"].tolist(), labels["aspects"].tolist()
        for k, i in enumerate(valid):
            records[i] = {
                "fault_types": list(fault_types[k]),
                "primary_fault": primary[k],
                "sentiment": sentiment[k],
                "aspects": list(aspects[k]),
                "scores": {h: dict(zip(columns[h], rounded[h][k], strict=True)) for h in score_heads},
                "tokens": cuts[k],
                "keywords": self.segmenter.keywords_from_tokens(content[k], top_k=self.n_keywords),
                "model": ref,
            }
        return records


# -- files ------------------------------------------------------------------------------


def _count_rows(path: Path) -> int | None:
    """Line count for the progress bar (an estimate for CSVs with quoted newlines)."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".parquet", ".gz"}:
        return None
    with path.open("rb") as fh:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(n - (1 if path.suffix.lower() in {".csv", ".tsv", ".txt"} else 0), 0)


def iter_input(path: str | Path, *, batch_size: int = 1000, text_column: str = "text") -> Iterator[pd.DataFrame]:
    """Batches of an input file as frames with a ``text`` column: CSV/TSV (UTF-8, UTF-8 BOM or
    GB18030, like ingest), JSON lines, XLSX or Parquet, through :func:`feedback_nlp.tabular.iter_frames`.

    Raises :class:`InputFileError` when the file cannot be read or has no text column.
    """
    for chunk in iter_frames(path, batch_size=batch_size):
        if text_column not in chunk.columns:
            raise InputFileError(f"{path}: no {text_column!r} column (found: {', '.join(map(str, chunk.columns))})")
        yield chunk


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value


_WORKER_JOB: Classification | None = None


def _init_worker(classification: Classification) -> None:
    global _WORKER_JOB
    _WORKER_JOB = classification


def _batch_lines(classification: Classification, chunk: pd.DataFrame, text_column: str) -> tuple[str, int]:
    """The JSON lines of one input batch (text and trailing newlines) and how many hold an ``error``."""
    records = classification.classify(chunk[text_column].astype(object).tolist())
    if chunk.shape[1] > 1:  # pass the other input columns through; output keys win on a clash
        passthrough = chunk.drop(columns=[text_column]).to_dict(orient="records")
        lines = []
        for extra, record in zip(passthrough, records, strict=True):
            line = {k: _jsonable(v) for k, v in extra.items() if k not in record}
            line.update(record)
            lines.append(line)
    else:
        lines = records
    errors = sum("error" in record for record in records)
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), errors


def _lines_in_worker(chunk: pd.DataFrame, text_column: str) -> tuple[str, int]:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _batch_lines(_WORKER_JOB, chunk, text_column)


def _classified_lines(
    classification: Classification, batches: Iterator[pd.DataFrame], text_column: str, workers: int
) -> Iterator[tuple[int, str, int]]:
    """``(rows, JSON lines, errors)`` per batch in input order. With ``workers > 1`` batches run in
    worker processes that got the model once, at start (jieba and the vectorisers hold the
    GIL, so threads would not help); they also write the JSON, which leaves the main
    process only reading and appending. At most two batches per worker are in flight,
    so memory stays bounded."""
    if workers <= 1:
        for chunk in batches:
            yield len(chunk), *_batch_lines(classification, chunk, text_column)
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(classification,)) as pool:
        pending: deque[tuple[int, Future[tuple[str, int]]]] = deque()
        for chunk in batches:
            pending.append((len(chunk), pool.submit(_lines_in_worker, chunk, text_column)))
            if len(pending) >= 2 * workers:
                rows, future = pending.popleft()
                yield rows, *future.result()
        while pending:
            rows, future = pending.popleft()
            yield rows, *future.result()


def classify_file(
    classification: Classification,
    in_path: str | Path,
    out_path: str | Path,
    *,
    batch_size: int = 1000,
    text_column: str = "text",
    progress: bool = True,
    workers: int = 1,
) -> dict[str, int]:
    """Classify every row of ``in_path`` into JSON lines at ``out_path``, in input order.

    Input columns other than the text are passed through; output keys win on a clash.
    Streams in batches, so memory does not grow with the file; ``workers`` > 1 spreads
    batches over that many processes. Returns counts of ``rows``, ``classified`` and
    ``errors``.
    """
    in_path, out_path = Path(in_path), Path(out_path)
    if not in_path.is_file():
        raise InputFileError(f"{in_path}: no such file")
    counts = {"rows": 0, "classified": 0, "errors": 0}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".partial")
    bar = tqdm(total=_count_rows(in_path), unit="texts", disable=not progress, desc="classify")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            batches = iter_input(in_path, batch_size=batch_size, text_column=text_column)
            for rows, lines, errors in _classified_lines(classification, batches, text_column, workers):
                out.write(lines)
                counts["rows"] += rows
                counts["errors"] += errors
                counts["classified"] += rows - errors
                bar.update(rows)
        tmp.replace(out_path)
    finally:
        bar.close()
        tmp.unlink(missing_ok=True)
    return counts


__all__ = ["OUTPUT_KEYS", "Classification", "classify_file", "iter_input"]
