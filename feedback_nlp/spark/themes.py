"""Themes on Spark: top fault themes and emerging issues over Parquet (``feedback-nlp spark themes``).

The functions of :mod:`feedback_nlp.themes` do two things: one aggregating statement per
question (mentions per fault type, keyword and window, with ``unnest``/``GROUP BY``), then
the statistics on the few rows it returns (ranking, shares, the binomial test and
Benjamini–Hochberg, keyword ranking, sub-themes). Here the same functions run with a
:class:`SparkThemeStore` in place of the store: the aggregation is Spark SQL over the
views (translated by :mod:`feedback_nlp.spark.dialect`), distributed; the statistics run
unchanged on the driver. So emerging issues and the theme counts are those of the DuckDB
path.

One difference, by construction: the top themes' text sample (keywords, examples,
sub-themes) is drawn by a hash of ``feedback_id``, and Spark has no DuckDB ``hash()``;
Spark draws an equally deterministic sample with ``xxhash64``, so that evidence may differ.

Input: a tables folder with predictions (:func:`feedback_nlp.spark.tables.register_tables`),
or a classified Parquet (``spark classify`` output of the feedback table), which
:func:`register_classified` turns into the ``feedback`` and ``predictions`` views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from feedback_nlp.query import Query
from feedback_nlp.schema import TABLES
from feedback_nlp.spark.reader import SparkReader
from feedback_nlp.spark.tables import (
    PREDICTIONS,
    SPARK_TYPES,
    canonical_frame,
    prediction_models,
    predictions_frame,
    read_parquet,
    uncache_view,
)
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.themes import EmergingIssue, Theme, emerging_issues, top_themes

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkThemeStore:
    """What :mod:`feedback_nlp.themes` asks of a store: its zone, a reader, the models with predictions."""

    def __init__(self, spark: SparkSession, timezone: str) -> None:
        self.spark = spark
        self.timezone = timezone

    def reader(self, timezone: str | None = None) -> SparkReader:
        return SparkReader(self.spark, timezone or self.timezone)

    def prediction_models(self) -> pd.DataFrame:
        return pd.DataFrame({"model": prediction_models(self.spark)})

    def as_store(self) -> Store:
        """This object where the themes' signatures say ``Store`` (they call only the three methods above)."""
        return cast(Store, self)


def register_classified(spark: SparkSession, path: str) -> None:
    """Views ``feedback`` and ``predictions`` from one classified Parquet (texts are not in it: examples are empty)."""
    from pyspark.sql import functions as F

    frame = read_parquet(spark, path)
    for name in ("feedback", "tickets", "followups", "orders", PREDICTIONS):
        uncache_view(spark, name)
    if "text" not in frame.columns:  # local and Spark classify leave the text column out of their output
        frame = frame.withColumn("text", F.lit(""))
    feedback = frame.where(F.col("error").isNull()) if "error" in frame.columns else frame
    columns = [(F.col(c.name) if c.name in feedback.columns else F.lit(None)).cast(SPARK_TYPES[c.type]).alias(c.name)
               for c in TABLES["feedback"].columns]  # fmt: skip
    feedback.select(*columns).cache().createOrReplaceTempView("feedback")
    for name in ("tickets", "followups", "orders"):
        canonical_frame(spark, name, None).createOrReplaceTempView(name)
    predictions_frame(spark, path).cache().createOrReplaceTempView(PREDICTIONS)


def top_themes_spark(spark: SparkSession, query: Query, *, model: str, timezone: str, top: int = 10,
                     taxonomy: Taxonomy | None = None, **options: Any) -> list[Theme]:  # fmt: skip
    """:func:`feedback_nlp.themes.top_themes` over the Spark views (``options`` as there: sort, sample_size …)."""
    store = SparkThemeStore(spark, timezone).as_store()
    return top_themes(store, query, model=model, top=top, taxonomy=taxonomy, **options)


def emerging_issues_spark(spark: SparkSession, query: Query, *, model: str, timezone: str,
                          taxonomy: Taxonomy | None = None, **options: Any) -> list[EmergingIssue]:  # fmt: skip
    """:func:`feedback_nlp.themes.emerging_issues` over the Spark views (``options`` as there: min_count, alpha …)."""
    store = SparkThemeStore(spark, timezone).as_store()
    return emerging_issues(store, query, model=model, taxonomy=taxonomy, **options)


__all__ = ["SparkThemeStore", "emerging_issues_spark", "register_classified", "top_themes_spark"]
