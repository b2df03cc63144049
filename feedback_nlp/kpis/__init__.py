"""The after-sales KPI set (``shared/spec/kpis.md``): catalogue, computation, results.

    from feedback_nlp.kpis import Query, compute_kpis
    report = compute_kpis(store, Query(start="2026-10-01", end="2026-10-31", group_by="region"),
                          targets=settings.kpi_targets)
    report.to_frame()

Every KPI is a :class:`KpiDefinition` in :data:`CATALOGUE`; :func:`compute_kpis`
pushes the filtering and aggregation of each KPI family into DuckDB and returns a
:class:`KpiReport` of :class:`KpiResult` (value, numerator/denominator, target, met,
or null with a reason).
"""

from feedback_nlp.kpis.catalogue import (
    CATALOGUE,
    CATEGORIES,
    KPI_IDS,
    KpiDefinition,
    UnknownKpiError,
    catalogue_frame,
    get_definition,
)
from feedback_nlp.kpis.compute import compute_kpi, compute_kpis
from feedback_nlp.kpis.results import MISSING_GROUP, KpiReport, KpiResult
from feedback_nlp.kpis.targets import resolve_targets
from feedback_nlp.query import Query, QueryError

__all__ = [
    "CATALOGUE",
    "CATEGORIES",
    "KPI_IDS",
    "KpiDefinition",
    "KpiReport",
    "KpiResult",
    "MISSING_GROUP",
    "Query",
    "QueryError",
    "UnknownKpiError",
    "catalogue_frame",
    "compute_kpi",
    "compute_kpis",
    "get_definition",
    "resolve_targets",
]
