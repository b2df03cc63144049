"""Apache Spark for the large jobs: classify, KPIs and themes over Parquet, on ``local[*]`` or a cluster.

pyspark (the ``spark`` extra) is imported only inside these modules' functions; importing
this package does not need it. :func:`~feedback_nlp.spark.session.spark_session` raises a
one-line :class:`~feedback_nlp.errors.ConfigError` when pyspark or Java is missing.

    from feedback_nlp.spark import spark_session, compute_kpis_spark
    spark = spark_session("local[*]")
    report = compute_kpis_spark(spark, "lake/", Query(period="month"))
"""

from feedback_nlp.spark.classify import SparkClassifyReport, WorkerModel, classify_spark, ship_model
from feedback_nlp.spark.kpis import compute_kpis_spark
from feedback_nlp.spark.session import PYSPARK_MISSING, require_pyspark, spark_session
from feedback_nlp.spark.themes import emerging_issues_spark, register_classified, top_themes_spark

__all__ = [
    "PYSPARK_MISSING",
    "SparkClassifyReport",
    "WorkerModel",
    "classify_spark",
    "compute_kpis_spark",
    "emerging_issues_spark",
    "register_classified",
    "require_pyspark",
    "ship_model",
    "spark_session",
    "top_themes_spark",
]
