"""Compute KPIs of the catalogue for one :class:`~feedback_nlp.query.Query`.

Each KPI family (one module) answers its KPIs with one or two SQL statements
grouped by dimension and period, so the cost grows with the number of families
asked for, not with the number of groups.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date

from feedback_nlp.kpis import backlog, quality, repeats, retention, satisfaction, text, tickets_core, workload
from feedback_nlp.kpis.catalogue import CATALOGUE, KPI_IDS, get_definition
from feedback_nlp.kpis.context import Context
from feedback_nlp.kpis.results import KpiReport, KpiResult
from feedback_nlp.kpis.targets import TargetsArg, resolve_targets
from feedback_nlp.predictions import resolve_prediction_model
from feedback_nlp.query import Query
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

Family = Callable[[Context, list[str], Store], list[KpiResult]]


def _plain(fn: Callable[[Context, list[str]], list[KpiResult]]) -> Family:
    return lambda ctx, ids, store: fn(ctx, ids)


FAMILIES: tuple[tuple[tuple[str, ...], Family], ...] = (
    (tickets_core.IDS, _plain(tickets_core.compute)),
    (backlog.IDS, _plain(backlog.compute)),
    (repeats.IDS, _plain(repeats.compute)),
    (workload.IDS, _plain(workload.compute)),
    (quality.IDS, _plain(quality.compute)),
    (satisfaction.IDS, _plain(satisfaction.compute)),
    (retention.IDS, _plain(retention.compute)),
    (text.IDS, text.compute),
)

# KPIs that read predictions: the text KPIs, and those using a ticket's effective fault
# (agent-coded, else predicted) — these still work without predictions.
USES_PREDICTIONS = frozenset({d.id for d in CATALOGUE.values() if d.text} | {
    "fault_type_distribution", "fault_rate", "early_failure_rate", "failure_age_distribution",
    "repeat_problem_rate", "repeat_complaint_rate"})


def compute_kpis(store: Store, query: Query | None = None, *, ids: Sequence[str] | None = None,
                 targets: TargetsArg = None, model: str | None = None, active_model: str | None = None,
                 timezone: str | None = None, taxonomy: Taxonomy | None = None) -> KpiReport:
    """Compute the KPIs ``ids`` (default: the whole catalogue) for ``query``.

    Parameters
    ----------
    store:
        The store to read (read-only access is enough).
    query:
        Window, filters, grouping and period (default: everything, ungrouped).
    ids:
        KPI ids, in the order wanted; :class:`~feedback_nlp.kpis.UnknownKpiError`
        names an unknown one and lists the valid ids.
    targets:
        ``KpiTargets`` (e.g. ``settings.kpi_targets``) or a mapping of overrides by KPI
        id or target field; default: the ``KpiTargets`` defaults.
    model:
        ``name@version`` whose stored predictions the text KPIs read; must have
        predictions (else :class:`~feedback_nlp.predictions.PredictionsError`).
        Default: ``active_model`` when it has predictions, else the model predicted
        most recently; with none, text KPIs are null with a reason.
    active_model:
        The active classification model; default: the one recorded in the store.
    timezone:
        Zone of the window dates and periods; default: the store's.
    taxonomy:
        Maps agent-coded Chinese fault names to codes; default: the shipped taxonomy.

    Returns a :class:`KpiReport` with one result per KPI × group × period, ordered as
    ``ids`` then by group and period.
    """
    query = query or Query()
    wanted = list(dict.fromkeys(ids)) if ids is not None else list(KPI_IDS)
    for kpi_id in wanted:
        get_definition(kpi_id)
    resolved_targets = resolve_targets(targets)
    tz = timezone or store.timezone
    chosen = None
    if model is not None or USES_PREDICTIONS.intersection(wanted):
        if active_model is None:
            from feedback_nlp.classifiers.registry import active_model as recorded_active

            active_model = recorded_active(store)
        chosen = resolve_prediction_model(store, model, active_model)
    # One read session (one cursor) for the whole computation, in the computation's zone.
    reader = store.reader(tz)
    ctx = Context(reader=reader, query=query, timezone=tz, targets=resolved_targets, model=chosen,
                  taxonomy=taxonomy or Taxonomy.default())
    results: list[KpiResult] = []
    try:
        for family_ids, run in FAMILIES:
            asked = [i for i in wanted if i in family_ids]
            if not asked:
                continue
            started = time.perf_counter()
            results += run(ctx, asked, store)
            logger.debug("kpis %s: %.3fs", ",".join(asked), time.perf_counter() - started)
    finally:
        ctx.close()
    order = {kpi_id: i for i, kpi_id in enumerate(wanted)}
    results.sort(key=lambda r: (order[r.id], r.group is None, r.group or "", r.period or date.min))
    return KpiReport(query=query, results=results, model=chosen, timezone=tz, window=ctx.window)


def compute_kpi(store: Store, kpi_id: str, query: Query | None = None, **kwargs: object) -> list[KpiResult]:
    """The results of one KPI (one per group × period); keyword arguments as :func:`compute_kpis`."""
    return compute_kpis(store, query, ids=[kpi_id], **kwargs).results  # type: ignore[arg-type]
