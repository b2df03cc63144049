"""GET /v1/kpis, /v1/kpis/catalogue, /v1/kpis/{kpi_id}.

The KPIs are computed through :class:`api.heavy.HeavyWork` (capped, off the event loop, cached
per store data version); the catalogue is static and answered directly.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.deps import ReadKey, Services, ServicesDep
from api.errors import ApiError
from api.query import QueryDep, QueryParams
from api.schemas.analytics import KpiCatalogueResponse, KpisResponse
from api.schemas.common import error_responses
from api.security import Principal
from feedback_nlp import service
from feedback_nlp.kpis import UnknownKpiError, get_definition

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

_KPI_ID = r"^[a-z][a-z0-9_]*$"


@router.get("", response_model=KpisResponse, responses=error_responses(401, 403, 404, 422, 503))
async def kpis(
    services: ServicesDep,
    principal: ReadKey,
    params: QueryDep,
    ids: Annotated[list[str] | None, Query(description="KPI ids (repeat or comma-separate); default: all.")] = None,
) -> Response:
    """Every KPI of the catalogue (or those in ``ids``) for the window, filters, grouping and period."""
    wanted = [i.strip() for value in ids or [] for i in value.split(",") if i.strip()] or None
    return await _respond(services, principal, params, wanted)


@router.get("/catalogue", response_model=KpiCatalogueResponse, responses=error_responses(401, 403))
def catalogue(services: ServicesDep, principal: ReadKey) -> dict[str, Any]:
    """The KPI catalogue: id, Chinese name, unit, formula, target."""
    return {"kpis": service.kpi_catalogue(services.settings)}


@router.get("/{kpi_id}", response_model=KpisResponse, responses=error_responses(401, 403, 404, 422, 503))
async def kpi(
    services: ServicesDep,
    principal: ReadKey,
    params: QueryDep,
    kpi_id: Annotated[str, Path(pattern=_KPI_ID, max_length=100, description="A KPI id of the catalogue.")],
) -> Response:
    """One KPI for the window, filters, grouping and period."""
    try:
        get_definition(kpi_id)
    except UnknownKpiError:
        raise ApiError(404, "kpi_not_found", f"unknown KPI {kpi_id!r}; see GET /v1/kpis/catalogue",
                       {"kpi_id": kpi_id}) from None
    return await _respond(services, principal, params, [kpi_id])


async def _respond(services: Services, principal: Principal, params: QueryParams, ids: list[str] | None) -> Response:
    key = services.result_key(("kpis", tuple(ids) if ids else None), params)
    return await services.heavy.respond("kpis", key, lambda: _compute(services, params, ids), KpisResponse,
                                        client=principal.client_id)


def _compute(services: Services, params: QueryParams, ids: list[str] | None) -> dict[str, Any]:
    """The report as the CLI computes it; the API's active model is the one serving (else the recorded one)."""
    report = service.kpi_report(services.store, services.settings, params.query, ids=ids, model=params.model,
                                active=services.models.active_ref)
    return report.to_dict()
