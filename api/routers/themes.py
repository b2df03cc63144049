"""GET /v1/themes/top, /v1/themes/emerging, computed through :class:`api.heavy.HeavyWork`.

The analysis is :mod:`feedback_nlp.service`'s, as in the CLI; the API's part is which model
is active (the one serving, never only recorded) and the loaded model's taxonomy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ReadKey, Services, ServicesDep
from api.query import QueryDep, QueryParams
from api.schemas.analytics import ThemesResponse
from api.schemas.common import error_responses
from api.security import Principal
from feedback_nlp import service
from feedback_nlp.themes import SORTS

router = APIRouter(prefix="/v1/themes", tags=["themes"])

Sort = Literal[SORTS]  # type: ignore[valid-type]
Top = Annotated[int, Query(ge=1, le=100, description="How many themes or issues.")]


@router.get("/top", response_model=ThemesResponse, responses=error_responses(401, 403, 404, 422, 503))
async def top(
    services: ServicesDep,
    principal: ReadKey,
    params: QueryDep,
    top: Top = 10,
    sort: Annotated[Sort, Query(description="count | impact | nps_impact | negative_rate | change.")] = "count",
    sub_themes: Annotated[bool, Query(description="Cluster each theme into sub-themes.")] = True,
) -> Response:
    """The top fault themes: count, share, negative rate, change, keywords, sub-themes, impact, masked examples."""

    def compute() -> dict[str, Any]:
        return service.themes_top(services.store, services.settings, params.query, model=params.model,
                                  active=services.models.active_ref, taxonomy_of=services.models.taxonomy, top=top,
                                  sort=sort, sub_themes=sub_themes, segmenter=services.models.segmenter).to_dict()

    return await _respond(services, principal, params, ("top", top, sort, sub_themes), compute)


@router.get("/emerging", response_model=ThemesResponse, responses=error_responses(401, 403, 404, 422, 503))
async def emerging(services: ServicesDep, principal: ReadKey, params: QueryDep, top: Top = 10) -> Response:
    """Fault types or keywords whose mentions in the window rise significantly over their baseline."""

    def compute() -> dict[str, Any]:
        return service.emerging(services.store, services.settings, params.query, model=params.model,
                                active=services.models.active_ref, taxonomy_of=services.models.taxonomy,
                                top=top).to_dict()

    return await _respond(services, principal, params, ("emerging", top), compute)


async def _respond(services: Services, principal: Principal, params: QueryParams, route: tuple[Any, ...],
                   compute: Callable[[], dict[str, Any]]) -> Response:
    """``compute()`` through the capped pool, cached per route, parameters and store data version."""
    return await services.heavy.respond("themes", services.result_key(("themes", *route), params), compute,
                                        ThemesResponse, client=principal.client_id)

