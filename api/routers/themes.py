"""GET /v1/themes/top, /emerging, /trend, /products, /impact, /aspects, computed through :class:`api.heavy.HeavyWork`.

The analysis is :mod:`feedback_nlp.service`'s, as in the CLI; the API's part is which model
is active (the one serving, never only recorded) and the loaded model's taxonomy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import ReadKey, Services, ServicesDep
from api.query import QueryDep, QueryParams
from api.schemas.analytics import ThemesResponse
from api.schemas.common import error_responses
from api.schemas.theme_views import (
    AspectSentimentResponse,
    ThemeImpactResponse,
    ThemeProductsResponse,
    ThemeTrendResponse,
)
from api.security import Principal
from feedback_nlp import service
from feedback_nlp.themes import SORTS

router = APIRouter(prefix="/v1/themes", tags=["themes"])

Sort = Literal[SORTS]  # type: ignore[valid-type]
Top = Annotated[int, Query(ge=1, le=100, description="How many themes or issues.")]
FaultType = Annotated[str, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=100,
                                 description="A fault type code of the model's taxonomy.")]


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


@router.get("/trend", response_model=ThemeTrendResponse, responses=error_responses(401, 403, 404, 422, 503))
async def trend(
    services: ServicesDep,
    principal: ReadKey,
    params: QueryDep,
    fault_type: FaultType,
) -> Response:
    """One fault type's mentions per ``period`` of the window (default week): count, negatives, classified texts."""
    every = params.query.period or "week"

    def compute() -> dict[str, Any]:
        return service.theme_view(services.store, services.settings, params.query, fault_type, view="trend",
                                  period=every, model=params.model, active=services.models.active_ref,
                                  taxonomy_of=services.models.taxonomy)

    return await _respond(services, principal, params, ("trend", fault_type, every), compute, ThemeTrendResponse)


@router.get("/products", response_model=ThemeProductsResponse,
            responses=error_responses(401, 403, 404, 422, 503))
async def products(services: ServicesDep, principal: ReadKey, params: QueryDep, fault_type: FaultType,
                   top: Top = 10) -> Response:
    """The product models that carry a fault type: mentions, share of the theme, rate in the model's feedback."""

    def compute() -> dict[str, Any]:
        return service.theme_view(services.store, services.settings, params.query, fault_type, view="products",
                                  top=top, model=params.model, active=services.models.active_ref,
                                  taxonomy_of=services.models.taxonomy)

    return await _respond(services, principal, params, ("products", fault_type, top), compute,
                          ThemeProductsResponse)


@router.get("/impact", response_model=ThemeImpactResponse, responses=error_responses(401, 403, 404, 422, 503))
async def impact(services: ServicesDep, principal: ReadKey, params: QueryDep) -> Response:
    """Each fault type's effect on satisfaction and NPS: the theme's texts vs. the rest, with n."""

    def compute() -> dict[str, Any]:
        return service.themes_impact(services.store, services.settings, params.query, model=params.model,
                                     active=services.models.active_ref, taxonomy_of=services.models.taxonomy)

    return await _respond(services, principal, params, ("impact",), compute, ThemeImpactResponse)


@router.get("/aspects", response_model=AspectSentimentResponse,
            responses=error_responses(401, 403, 404, 422, 503))
async def aspects(services: ServicesDep, principal: ReadKey, params: QueryDep) -> Response:
    """Service aspects × sentiment: texts naming each aspect per sentiment, and the window's sentiment totals."""

    def compute() -> dict[str, Any]:
        return service.aspects_by_sentiment(services.store, services.settings, params.query, model=params.model,
                                            active=services.models.active_ref, taxonomy_of=services.models.taxonomy)

    return await _respond(services, principal, params, ("aspects",), compute, AspectSentimentResponse)


async def _respond(services: Services, principal: Principal, params: QueryParams, route: tuple[Any, ...],
                   compute: Callable[[], dict[str, Any]], model: type[BaseModel] = ThemesResponse) -> Response:
    """``compute()`` through the capped pool, cached per route, parameters and store data version."""
    return await services.heavy.respond("themes", services.result_key(("themes", *route), params), compute,
                                        model, client=principal.client_id)
