"""KPI targets: the settings' :class:`~feedback_nlp.config.KpiTargets`, optionally overridden.

Targets are read by KPI id. A definition names the ``KpiTargets`` field holding its
target (``first_response_time`` → ``first_response_hours``); an override may use
either the KPI id or that field name.
"""

from __future__ import annotations

from collections.abc import Mapping

from feedback_nlp.config import KpiTargets
from feedback_nlp.kpis.catalogue import CATALOGUE
from feedback_nlp.query import QueryError

TargetsArg = KpiTargets | Mapping[str, float | None] | None


def resolve_targets(targets: TargetsArg = None, *, base: KpiTargets | None = None) -> dict[str, float | None]:
    """KPI id → target (None: no target) for every catalogue entry.

    ``targets`` is a ``KpiTargets`` (used as is) or a mapping of overrides applied on
    top of ``base`` (default: ``KpiTargets()``'s defaults). Raises :class:`QueryError`
    naming an override key that is neither a KPI id with a target nor a target field.
    """
    if isinstance(targets, KpiTargets):
        base, overrides = targets, {}
    else:
        base, overrides = base or KpiTargets(), dict(targets or {})
    by_key = {d.target_key: d.id for d in CATALOGUE.values() if d.target_key}
    values = base.model_dump()
    out = {d.id: (None if d.target_key is None else values.get(d.target_key)) for d in CATALOGUE.values()}
    for key, value in overrides.items():
        kpi_id = key if key in CATALOGUE and CATALOGUE[key].target_key else by_key.get(key)
        if kpi_id is None:
            valid = ", ".join(sorted(by_key.values()))
            raise QueryError(f"target {key!r}: not a KPI with a target; use one of {valid}")
        try:
            out[kpi_id] = None if value is None else float(value)
        except (TypeError, ValueError):
            raise QueryError(f"target {key!r}: {value!r} is not a number") from None
    return out
