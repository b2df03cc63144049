"""Parquet tables of the canonical schema as Spark views, named as in the store.

A tables folder holds what ``feedback-nlp db export --parquet DIR`` writes: ``tickets``,
``feedback``, ``followups`` and ``orders``, each as ``NAME.parquet`` (one file) or ``NAME/``
(a folder of part files, as Spark and lake tools write). A table that is absent is an
empty view with the canonical columns (the store's empty table); a column that is absent
is NULL (an optional column the source did not have).

Predictions are not part of the export: they come from ``predictions.parquet`` in the
same folder or from any path given, in either of two shapes — the store's
``predictions`` table (``model_name``, ``model_version``, ``scores`` JSON …) or the output
of ``feedback-nlp spark classify`` run on feedback (``feedback_id`` passed through,
``model`` as ``name@version``, ``keywords``; rows with an ``error`` are left out, as
``classify-store`` stores no prediction for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_nlp.errors import InputFileError
from feedback_nlp.schema import TABLE_NAMES, TABLES
from feedback_nlp.spark.session import spark_error_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_TYPES: dict[str, str] = {
    "text": "string", "timestamp": "timestamp", "date": "date", "enum": "string", "int": "int", "bool": "boolean",
    "decimal": "decimal(18,2)",
}  # fmt: skip
PREDICTIONS = "predictions"
PREDICTION_COLUMNS = ("feedback_id", "model_name", "model_version", "fault_types", "primary_fault", "sentiment",
                      "aspects", "scores", "keywords", "predicted_at")  # fmt: skip
_PREDICTIONS_DDL = ("feedback_id string, model_name string, model_version string, fault_types array<string>, "
                    "primary_fault string, sentiment string, aspects array<string>, scores string, "
                    "keywords array<string>, predicted_at timestamp")  # fmt: skip


@dataclass(frozen=True)
class Registered:
    """What :func:`register_tables` found: the path read per table (None: empty), and the predictions' path."""

    tables: dict[str, str | None]
    predictions: str | None


def table_path(directory: str | Path, name: str) -> str | None:
    """``DIR/NAME.parquet`` or ``DIR/NAME/`` when either exists, else None."""
    root = Path(directory)
    for candidate in (root / f"{name}.parquet", root / name):
        if candidate.exists():
            return str(candidate)
    return None


def read_parquet(spark: SparkSession, path: str) -> DataFrame:
    """``path`` read by Spark, or :class:`InputFileError` in one line."""
    try:
        return spark.read.parquet(path)
    except Exception as exc:  # pyspark's AnalysisException and friends
        first = spark_error_line(exc)
        raise InputFileError(f"{path}: cannot be read as Parquet: {first}") from exc


def canonical_frame(spark: SparkSession, name: str, path: str | None) -> DataFrame:
    """Table ``name`` with exactly its canonical columns and types (absent ones NULL)."""
    from pyspark.sql import functions as F

    table = TABLES[name]
    ddl = ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in table.columns)
    if path is None:
        return spark.createDataFrame([], ddl)
    frame = read_parquet(spark, path)
    have = set(frame.columns)
    if table.key not in have:
        raise InputFileError(f"{path}: no {table.key!r} column; is this the {name} table? "
                             f"(found: {', '.join(frame.columns)})")  # fmt: skip
    return frame.select(*[
        (F.col(f"`{c.name}`") if c.name in have else F.lit(None)).cast(SPARK_TYPES[c.type]).alias(c.name)
        for c in table.columns
    ])  # fmt: skip


def predictions_frame(spark: SparkSession, path: str | None) -> DataFrame:
    """The predictions view: the store's shape or ``spark classify`` output, as :data:`PREDICTION_COLUMNS`."""
    from pyspark.sql import functions as F

    if path is None:
        return spark.createDataFrame([], _PREDICTIONS_DDL)
    frame = read_parquet(spark, path)
    have = set(frame.columns)
    if "feedback_id" not in have:
        raise InputFileError(f"{path}: predictions need a feedback_id column (found: {', '.join(frame.columns)})")
    if "error" in have:
        frame = frame.where(F.col("error").isNull())
    if "model_name" not in have:
        if "model" not in have:
            raise InputFileError(f"{path}: predictions need model_name and model_version, or model (NAME@VERSION)")
        frame = frame.withColumn("model_name", F.substring_index("model", "@", 1)).withColumn(
            "model_version", F.expr("substr(model, length(substring_index(model, '@', 1)) + 2)")
        )
    if "keywords" not in have:
        keywords = (F.from_json(F.get_json_object(F.col("scores").cast("string"), "$.keywords"), "array<string>")
                    if "scores" in have else F.lit(None))  # fmt: skip
        frame = frame.withColumn("keywords", keywords)
    if "scores" not in have or "model_name" not in have:  # the themes read keywords from the store's scores JSON
        frame = frame.withColumn("scores", F.to_json(F.struct(F.col("keywords").alias("keywords"))))
    if "predicted_at" not in have:
        frame = frame.withColumn("predicted_at", F.lit(None))
    types = dict(item.split(" ", 1) for item in _PREDICTIONS_DDL.split(", "))
    return frame.select(*[F.col(c).cast(types[c]).alias(c) for c in PREDICTION_COLUMNS])


def register_tables(spark: SparkSession, directory: str | Path, predictions: str | Path | None = None, *,
                    cache: bool = True) -> Registered:  # fmt: skip
    """Create the views ``tickets``, ``feedback``, ``followups``, ``orders`` and ``predictions``.

    With ``cache`` the views are cached (memory, spilling to disk): the KPI set reads the
    tickets about ten times, and the files only once this way.

    Raises:
        InputFileError: ``directory`` is not a folder, or a file there is not the table it is named after.
    """
    if not Path(directory).is_dir():
        raise InputFileError(f"{directory}: no such folder (expected the Parquet tables of db export --parquet)")
    found: dict[str, str | None] = {}
    for name in (*TABLE_NAMES, PREDICTIONS):
        uncache_view(spark, name)  # a view registered before (same session, other folder): free its cache
    for name in TABLE_NAMES:
        found[name] = table_path(directory, name)
        frame = canonical_frame(spark, name, found[name])
        (frame.cache() if cache else frame).createOrReplaceTempView(name)
    pred_path = str(predictions) if predictions is not None else table_path(directory, PREDICTIONS)
    if pred_path is not None and not Path(pred_path).exists() and "://" not in pred_path:
        raise InputFileError(f"{pred_path}: no such file or folder")
    frame = predictions_frame(spark, pred_path)
    (frame.cache() if cache else frame).createOrReplaceTempView(PREDICTIONS)
    return Registered(found, pred_path)


def uncache_view(spark: SparkSession, name: str) -> None:
    """Free the cache of view ``name`` when it exists (before it is registered again)."""
    if spark.catalog.tableExists(name):
        spark.catalog.uncacheTable(name)


def prediction_models(spark: SparkSession) -> list[str]:
    """``name@version`` of each model in the predictions view, the most recently predicted first."""
    from pyspark.sql import functions as F

    models = (spark.table(PREDICTIONS).groupBy("model_name", "model_version")
              .agg(F.max("predicted_at").alias("last"))
              .select(F.concat_ws("@", "model_name", "model_version").alias("model"), "last")
              .orderBy(F.col("last").desc_nulls_last(), "model"))  # fmt: skip
    return [str(r["model"]) for r in models.collect()]


__all__ = ["PREDICTIONS", "Registered", "canonical_frame", "predictions_frame", "prediction_models",
           "read_parquet", "register_tables", "table_path", "uncache_view"]  # fmt: skip
