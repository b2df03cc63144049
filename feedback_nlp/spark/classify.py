"""``feedback-nlp spark classify``: classify a file or a lake folder with Spark's ``mapInPandas``.

Each Python worker classifies its partitions batch by batch with the same
:class:`~feedback_nlp.classification.Classification` as local ``classify``, so the records
are the same; they are written as Parquet with the columns of the local output (the
input's other columns, then ``fault_types``, ``primary_fault``, ``sentiment``, ``aspects``,
``scores`` (head → {code: p}), ``tokens``, ``keywords``, ``model``, ``error``).

**The model, once per worker.** The model is loaded on first use in a Python worker and
kept in :data:`_MODELS`, a module-level cache keyed on the artifact path and the text
settings; Spark reuses its Python workers between tasks (``spark.python.worker.reuse``, on
by default), so a worker loads it once, not once per partition or batch. The artifact
directory reaches the workers in one of two ways:

* shipped (default): the driver registers a copy of the directory with
  ``SparkContext.addFile(…, recursive=True)``; each executor fetches it once to its local
  disk and the workers read it through ``SparkFiles.get``. This needs nothing shared
  between machines, suits artifacts of any size (a file fetch per executor, unlike a
  broadcast of the bytes, which every worker would hold in memory), and is what
  ``spark-submit --files``/``--archives`` do for a submitted job.
* shared (``shared_model=True``): the workers read the path as given — a path every node
  sees at the same place (NFS, a mounted bucket, the image).

**Bad rows** (text missing, empty, too long, without a letter or digit; a missing id when
an id column is named) are classified as local ``classify`` does: the row is kept in the
output with an ``error`` and no labels. Each worker also counts its rows and the rows it
rejected per partition in an accumulator (keyed by partition, so a retried task does not
count twice); the driver turns those into the rejects report: the count, and the rows
(position in the input as Spark reads it, file, id, reason), listed up to
:data:`MAX_LISTED_REJECTS`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from feedback_nlp.classification import OUTPUT_KEYS, Classification
from feedback_nlp.config import TextSettings
from feedback_nlp.errors import ConfigError, InputFileError
from feedback_nlp.spark.session import spark_error_line
from feedback_nlp.tabular import CSV_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES
from feedback_nlp.text import Segmenter

if TYPE_CHECKING:
    from pyspark import Accumulator
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

FORMATS = ("parquet", "csv", "jsonl")
#: Output columns after the passed-through input columns, in the local output's key order.
RESULT_COLUMNS = (*OUTPUT_KEYS, "error")
RESULT_DDL = ("fault_types array<string>, primary_fault string, sentiment string, aspects array<string>, "
              "scores map<string, map<string, double>>, tokens array<string>, keywords array<string>, "
              "model string, error string")  # fmt: skip
#: Rejected rows listed per partition and in total (all are counted, and all keep their ``error`` in the output).
MAX_LISTED_REJECTS = 10_000
_ROW = "__feedback_nlp_row"
_FILE = "__feedback_nlp_file"


@dataclass(frozen=True)
class WorkerModel:
    """What a Python worker needs to build the :class:`Classification` (sent with the task, so picklable)."""

    path: str
    shipped_name: str | None
    text: TextSettings
    max_text_length: int = 5000
    quantize: bool = False
    num_threads: int | None = None
    runtime: str = "torch"

    def local_path(self) -> str:
        """The artifact directory on this worker."""
        if self.shipped_name is None:
            return self.path
        from pyspark import SparkFiles

        return SparkFiles.get(self.shipped_name)

    @classmethod
    def from_settings(cls, path: str | Path, settings: Any, *, shipped_name: str | None = None) -> WorkerModel:
        return cls(str(path), shipped_name, settings.text, settings.ingest.max_text_length,
                   settings.inference.quantize, settings.inference.threads, settings.inference.runtime)  # fmt: skip


#: One :class:`Classification` per artifact path and settings, per Python worker process.
_MODELS: dict[str, Classification] = {}


def worker_classification(model: WorkerModel) -> Classification:
    """The cached :class:`Classification` of ``model`` in this process (loaded on first use)."""
    path = model.local_path()
    key = json.dumps([path, asdict(model)], default=str, sort_keys=True)
    job = _MODELS.get(key)
    if job is None:
        started = time.perf_counter()
        job = Classification.from_model(path, Segmenter.from_settings(model.text),
                                        max_text_length=model.max_text_length, quantize=model.quantize,
                                        num_threads=model.num_threads, runtime=model.runtime)  # fmt: skip
        _MODELS[key] = job
        logger.info("loaded %s in %.1fs", job.model_ref, time.perf_counter() - started)
    return job


@dataclass(frozen=True)
class PartitionJob:
    """The columns a partition is classified on and what is passed through."""

    model: WorkerModel
    text_column: str
    id_column: str | None
    passthrough: tuple[str, ...]


def _id_problem(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "id is missing"
    if isinstance(value, str) and not value.strip():
        return "id is empty"
    return None


def classify_partition(job: PartitionJob, counts: Accumulator[dict[int, Any]],
                       batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:  # fmt: skip
    """``mapInPandas`` body: each batch classified into the output columns; rows and rejects counted."""
    from pyspark import TaskContext

    context = TaskContext.get()
    partition = context.partitionId() if context is not None else 0
    classification = worker_classification(job.model)
    n_rows = 0
    n_rejected = 0
    listed: list[tuple[int, str | None, Any, str]] = []
    for batch in batches:
        texts = batch[job.text_column].astype(object).tolist()
        records = classification.classify(texts)
        if job.id_column is not None:
            for i, value in enumerate(batch[job.id_column].astype(object).tolist()):
                problem = _id_problem(value)
                if problem is not None:
                    records[i] = {"error": problem, "model": classification.model_ref}
        out = batch[list(job.passthrough)].reset_index(drop=True)
        for column in RESULT_COLUMNS:
            out[column] = [r.get(column) for r in records]
        files = batch[_FILE].tolist() if _FILE in batch.columns else [None] * len(batch)
        ids = batch[job.id_column].astype(object).tolist() if job.id_column is not None else [None] * len(batch)
        for i, record in enumerate(records):
            if "error" in record:
                n_rejected += 1
                if len(listed) < MAX_LISTED_REJECTS:
                    listed.append((n_rows + i, files[i], _plain(ids[i]), str(record["error"])))
        n_rows += len(batch)
        yield out
    counts.add({partition: {"rows": n_rows, "rejected": n_rejected, "listed": listed}})


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


@dataclass
class SparkClassifyReport:
    """What a ``spark classify`` run did; ``rejects`` lists up to :data:`MAX_LISTED_REJECTS` rows."""

    rows: int
    classified: int
    rejected: int
    seconds: float
    partitions: int
    model: str
    out_path: str
    rejects_path: str | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "classified": self.classified, "rejected": self.rejected,
                "seconds": round(self.seconds, 3), "rows_per_s": round(self.rows_per_s, 1),
                "partitions": self.partitions, "model": self.model, "out": self.out_path,
                "rejects_path": self.rejects_path}  # fmt: skip


def input_format(path: str, fmt: str | None = None) -> str:
    """``parquet``, ``csv`` or ``jsonl``: ``fmt`` when given, else from the suffix (a folder: Parquet)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
        return fmt
    name = path.rstrip("/").lower()
    for kind, suffixes in (("parquet", PARQUET_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("csv", CSV_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    if "://" not in path and Path(path).is_dir():
        return "parquet"
    raise InputFileError(f"{path}: cannot tell the format from the name; pass --format {' | '.join(FORMATS)}")


def read_input(spark: SparkSession, path: str, fmt: str | None = None, *, encoding: str = "UTF-8") -> DataFrame:
    """``path`` as a DataFrame: Parquet, CSV (header row, every column text, empty cells stay ''), JSON lines.

    CSV is read as local ``classify`` reads it: all columns as text and an empty cell as an
    empty string (``text is empty``), not NULL.
    """
    kind = input_format(path, fmt)
    if "://" not in path and not Path(path).exists():
        raise InputFileError(f"{path}: no such file")
    reader = spark.read
    try:
        if kind == "parquet":
            return reader.parquet(path)
        if kind == "jsonl":
            return reader.json(path, encoding=encoding)
        sep = "\t" if path.lower().endswith((".tsv", ".tsv.gz")) else ","
        return reader.csv(path, header=True, sep=sep, encoding=encoding, multiLine=True, escape='"',
                          inferSchema=False, nullValue="\u0000", emptyValue="")  # fmt: skip
    except Exception as exc:
        first = spark_error_line(exc)
        raise InputFileError(f"{path}: cannot be read as {kind}: {first}") from exc


def ship_model(spark: SparkSession, path: str | Path) -> str:
    """Register a copy of the artifact directory with ``SparkContext.addFile``; the name workers ask for.

    The copy's name carries a hash of the source path and its files' times, so two models
    whose folders share a name (``…/v1``) never clash in one Spark application.
    """
    source = Path(path).resolve()
    stamp = hashlib.sha1(str(source).encode())
    for item in sorted(source.rglob("*")):
        stamp.update(f"{item.relative_to(source)}:{item.stat().st_mtime_ns}".encode())
    name = f"feedback-nlp-model-{stamp.hexdigest()[:16]}"
    staging = Path(tempfile.gettempdir()) / "feedback-nlp-spark" / name
    if not staging.exists():
        partial = staging.with_name(name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial)
        partial.replace(staging)
    spark.sparkContext.addFile(str(staging), recursive=True)
    return name


def _dict_accumulator(spark: SparkSession) -> Accumulator[dict[int, Any]]:
    from pyspark.accumulators import AccumulatorParam

    class _Merge(AccumulatorParam[dict[int, Any]]):
        def zero(self, value: dict[int, Any]) -> dict[int, Any]:
            return {}

        def addInPlace(self, value1: dict[int, Any], value2: dict[int, Any]) -> dict[int, Any]:
            value1.update(value2)  # keyed by partition: a retried task overwrites, never adds
            return value1

    return spark.sparkContext.accumulator({}, _Merge())


def classify_spark(spark: SparkSession, model: WorkerModel, in_path: str, out_path: str, *,
                   text_column: str = "text", id_column: str | None = None, fmt: str | None = None,
                   encoding: str = "UTF-8", partitions: int | None = None, rejects_path: str | None = None,
                   batch_size: int = 1000, overwrite: bool = False) -> SparkClassifyReport:  # fmt: skip
    """Classify every row of ``in_path`` into Parquet at ``out_path``; see the module docstring.

    ``model.shipped_name`` None reads the model from ``model.path`` on every worker; use
    :func:`ship_model` to ship it. ``partitions`` (default: at least Spark's default
    parallelism) spreads the rows over that many tasks, keeping their order. Rejects are
    written as JSON lines to ``rejects_path`` when given and any row was rejected.

    Raises:
        InputFileError: the input cannot be read or lacks the text (or id) column.
        ConfigError: the output exists and ``overwrite`` is False.
    """
    from pyspark.sql import functions as F

    frame = read_input(spark, in_path, fmt, encoding=encoding)
    for needed, what in ((text_column, "text"), (id_column, "id")):
        if needed is not None and needed not in frame.columns:
            raise InputFileError(f"{in_path}: no {needed!r} {what} column (found: {', '.join(frame.columns)})")
    if not overwrite and "://" not in out_path and Path(out_path).exists():
        raise ConfigError(f"{out_path}: exists; choose another --out or pass --overwrite")
    model_ref = _model_ref(model.path)  # reads metadata.json: a path that is no model fails here, in one line
    passthrough = tuple(c for c in frame.columns if c != text_column and c not in RESULT_COLUMNS)
    frame = frame.withColumn(_FILE, F.input_file_name())
    wanted = partitions or spark.sparkContext.defaultParallelism
    if frame.rdd.getNumPartitions() < wanted:
        # Range partitioning on the read order keeps the rows in order across partitions.
        frame = (frame.withColumn(_ROW, F.monotonically_increasing_id()).repartitionByRange(wanted, _ROW)
                 .sortWithinPartitions(_ROW).drop(_ROW))  # fmt: skip
    n_partitions = frame.rdd.getNumPartitions()
    schema = ", ".join([*(f"`{f.name}` {f.dataType.simpleString()}" for f in frame.schema.fields
                          if f.name in passthrough), RESULT_DDL])  # fmt: skip
    counts = _dict_accumulator(spark)
    job = PartitionJob(model, text_column, id_column, passthrough)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_size))
    started = time.perf_counter()
    classified = frame.mapInPandas(functools.partial(classify_partition, job, counts), schema)
    try:
        classified.write.mode("overwrite" if overwrite else "errorifexists").parquet(out_path)
    except Exception as exc:
        first = spark_error_line(exc)
        raise InputFileError(f"spark classify {in_path} failed: {first}") from exc
    seconds = time.perf_counter() - started
    per_partition: dict[int, Any] = counts.value
    offset = 0
    rejects: list[dict[str, Any]] = []
    for part in sorted(per_partition):
        entry = per_partition[part]
        for row, file, row_id, reason in entry["listed"]:
            if len(rejects) < MAX_LISTED_REJECTS:
                rejects.append({"row": offset + row, "file": file, "id": row_id, "reason": reason})
        offset += entry["rows"]
    n_rows = sum(e["rows"] for e in per_partition.values())
    n_rejected = sum(e["rejected"] for e in per_partition.values())
    report = SparkClassifyReport(
        rows=n_rows,
        classified=n_rows - n_rejected,
        rejected=n_rejected,
        seconds=seconds,
        partitions=n_partitions,
        model=model_ref,
        out_path=out_path,
        rejects=rejects,
    )
    if rejects_path is not None and rejects:
        Path(rejects_path).parent.mkdir(parents=True, exist_ok=True)
        with Path(rejects_path).open("w", encoding="utf-8") as fh:
            for item in rejects:
                fh.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
        report.rejects_path = rejects_path
    return report


def _model_ref(path: str) -> str:
    from feedback_nlp.classifiers.artifacts import read_metadata

    meta = read_metadata(path)
    return f"{meta.get('name')}@{meta.get('version')}"


__all__ = ["MAX_LISTED_REJECTS", "RESULT_COLUMNS", "PartitionJob", "SparkClassifyReport", "WorkerModel",
           "classify_partition", "classify_spark", "input_format", "read_input", "ship_model",
           "worker_classification"]  # fmt: skip
