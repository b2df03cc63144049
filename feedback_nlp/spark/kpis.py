"""The KPI set on Spark: the same KPI families, the same SQL, over Parquet tables.

:func:`compute_kpis_spark` is :func:`feedback_nlp.kpis.compute_kpis` with a
:class:`~feedback_nlp.spark.reader.SparkReader` in place of the store's reader: every
family (:data:`feedback_nlp.kpis.compute.FAMILIES`) builds its statements exactly as for
DuckDB, and Spark runs them (translated by :mod:`feedback_nlp.spark.dialect`), so the two
paths cannot drift apart formula by formula. The results, their reasons, targets and
order are those of the DuckDB path.

The two theme KPIs (``top_fault_themes``, ``emerging_themes``) are not SQL families: they
come from :mod:`feedback_nlp.spark.themes` (counts in Spark, the statistics of
:mod:`feedback_nlp.themes` on the driver).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from feedback_nlp.errors import FeedbackNLPError, PredictionsError
from feedback_nlp.kpis import text as text_kpis
from feedback_nlp.kpis.catalogue import KPI_IDS, get_definition
from feedback_nlp.kpis.compute import FAMILIES, USES_PREDICTIONS
from feedback_nlp.kpis.context import Context
from feedback_nlp.kpis.results import KpiReport, KpiResult
from feedback_nlp.kpis.targets import TargetsArg, resolve_targets
from feedback_nlp.predictions import split_model_key
from feedback_nlp.query import Query
from feedback_nlp.spark.reader import SparkReader
from feedback_nlp.spark.tables import prediction_models, register_tables
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

#: Passed as the families' ``store`` argument: only the theme KPIs read the store, and
#: those are answered from Spark here (text KPIs get their theme ids removed first).
_NO_STORE = cast(Store, None)


def resolve_model(spark: SparkSession, requested: str | None, active: str | None = None) -> str | None:
    """:func:`feedback_nlp.predictions.resolve_prediction_model` over the predictions view."""
    known = prediction_models(spark)
    if requested is not None:
        split_model_key(requested)
        if requested not in known:
            have = ", ".join(sorted(known)) or "none"
            raise PredictionsError(f"no predictions for model {requested!r} in the Parquet predictions "
                                   f"(there: {have}); pass --predictions PATH of `feedback-nlp spark classify` "
                                   "output or of the store's predictions")  # fmt: skip
        return requested
    if active is not None and active in known:
        return active
    return known[0] if known else None


def compute_kpis_spark(spark: SparkSession, tables: str | Path, query: Query | None = None, *,
                       ids: Sequence[str] | None = None, targets: TargetsArg = None, model: str | None = None,
                       active_model: str | None = None, timezone: str = "Asia/Shanghai",
                       taxonomy: Taxonomy | None = None,
                       predictions: str | Path | None = None) -> KpiReport:  # fmt: skip
    """The KPIs ``ids`` (default: all) for ``query`` over the Parquet tables in ``tables``.

    Arguments as :func:`feedback_nlp.kpis.compute_kpis`, plus ``tables`` (the folder of
    ``db export --parquet``, see :mod:`feedback_nlp.spark.tables`) and ``predictions`` (a
    Parquet path of predictions; default ``tables/predictions.parquet`` when present).
    ``timezone`` is the zone of the window dates and periods (the store's zone on the DuckDB path).

    Raises:
        InputFileError: the folder or a table file cannot be read.
        UnknownKpiError, QueryError, PredictionsError: as the DuckDB path.
    """
    query = query or Query()
    wanted = list(dict.fromkeys(ids)) if ids is not None else list(KPI_IDS)
    for kpi_id in wanted:
        get_definition(kpi_id)
    register_tables(spark, tables, predictions)
    chosen = None
    if model is not None or USES_PREDICTIONS.intersection(wanted):
        chosen = resolve_model(spark, model, active_model)
    reader = SparkReader(spark, timezone)
    taxonomy = taxonomy or Taxonomy.default()
    ctx = Context(
        reader=reader, query=query, timezone=timezone, targets=resolve_targets(targets), model=chosen, taxonomy=taxonomy
    )
    results: list[KpiResult] = []
    try:
        for family_ids, run in FAMILIES:
            asked = [i for i in wanted if i in family_ids]
            if family_ids is text_kpis.IDS:
                themes = [i for i in asked if i in text_kpis.THEME_IDS]
                asked = [i for i in asked if i not in text_kpis.THEME_IDS]
                results += [_theme_kpi(spark, ctx, i, timezone, taxonomy) for i in themes]
            if not asked:
                continue
            started = time.perf_counter()
            results += run(ctx, asked, _NO_STORE)
            logger.debug("spark kpis %s: %.3fs", ",".join(asked), time.perf_counter() - started)
    finally:
        ctx.close()
    order = {kpi_id: i for i, kpi_id in enumerate(wanted)}
    results.sort(key=lambda r: (order[r.id], r.group is None, r.group or "", r.period or date.min))
    return KpiReport(query=query, results=results, model=chosen, timezone=timezone, window=ctx.window)


def _theme_kpi(spark: SparkSession, ctx: Context, kpi_id: str, timezone: str, taxonomy: Taxonomy) -> KpiResult:
    """A theme KPI as :mod:`feedback_nlp.kpis.text` wraps it, from :mod:`feedback_nlp.spark.themes`."""
    from feedback_nlp.spark import themes

    if ctx.model is None:
        return ctx.result(kpi_id, None, reason=text_kpis.NO_PREDICTIONS)
    try:
        if kpi_id == "top_fault_themes":
            items = themes.top_themes_spark(spark, ctx.query, model=ctx.model, timezone=timezone, taxonomy=taxonomy)
            field = "themes"
            listed = [item.to_dict() for item in items]
        else:
            alerts = themes.emerging_issues_spark(
                spark, ctx.query, model=ctx.model, timezone=timezone, taxonomy=taxonomy
            )
            field = "alerts"
            listed = [item.to_dict() for item in alerts]
    except (FeedbackNLPError, ValueError) as exc:
        return ctx.result(kpi_id, None, reason=f"{kpi_id}: {exc}")
    return ctx.result(kpi_id, len(listed), sample_size=len(listed), details={field: listed, "model": ctx.model})


__all__ = ["compute_kpis_spark", "resolve_model"]
