"""Dependencies shared by the routers: the app's services and the API-key check per scope."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.background_training import BackgroundTraining
from api.errors import ApiError
from api.heavy import HeavyWork
from api.metrics import ApiMetrics
from api.query import QueryParams
from api.ratelimit import RateLimiter
from api.runtime import ModelService
from api.security import KeyRing, Principal
from feedback_nlp.config import ApiScope, Settings
from feedback_nlp.store import Store


@dataclass
class Services:
    """Everything the lifespan handler builds, kept on ``app.state.services``."""

    settings: Settings
    #: None in a classify-only worker (``FEEDBACK_NLP_API__STORE=none``): use :attr:`store`.
    store_or_none: Store | None
    models: ModelService
    keys: KeyRing
    metrics: ApiMetrics
    ingest_lock: Any  # threading.Lock: one ingest at a time keeps each run's report exact
    heavy: HeavyWork  # the capped pool and result cache of the KPI and theme routes
    limiter: RateLimiter  # the token bucket of every API key
    training: BackgroundTraining | None = None  # a background fine-tune this server started

    @property
    def store(self) -> Store:
        """The store, or 503 ``store_unavailable`` in a classify-only worker."""
        if self.store_or_none is None:
            raise ApiError(503, "store_unavailable", "this worker serves classification only "
                           "(FEEDBACK_NLP_API__STORE=none); send store requests to the server that holds the store")
        return self.store_or_none

    def result_key(self, route: tuple[Any, ...], params: QueryParams) -> tuple[Any, ...]:
        """The cache key of a KPI or theme result: route and its parameters, the query, the model
        asked for and the one serving, and the store's data version (every write changes it)."""
        return (*route, json.dumps(params.query.to_dict(), ensure_ascii=False), params.model,
                self.models.active_ref, self.store.data_version())


async def get_services(request: Request) -> Services:
    # async: a plain function dependency would cost a thread hop per request
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:  # only before start-up finished or after shutdown
        raise ApiError(503, "not_ready", "the service is starting or stopping")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (`fnlp_…`).")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


async def _principal(services: ServicesDep, api_key: str | None = Security(_api_key_header),
               bearer: HTTPAuthorizationCredentials | None = Security(_bearer)) -> Principal:
    key = api_key or (bearer.credentials if bearer is not None else None)
    if not key:
        raise ApiError(401, "unauthorized", "an API key is required: send X-API-Key or Authorization: Bearer",
                       headers={"WWW-Authenticate": "Bearer"})
    principal = services.keys.authenticate(key)
    if principal is None:
        raise ApiError(401, "unauthorized", "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    if principal.expired():
        raise ApiError(401, "unauthorized", "expired API key", headers={"WWW-Authenticate": "Bearer"})
    wait = services.limiter.take(principal.client_id, principal.rate_per_s, principal.burst)
    if wait > 0:
        retry = services.limiter.retry_after(wait)
        rate, burst = services.limiter.limits(principal.rate_per_s, principal.burst)
        raise ApiError(429, "rate_limited", f"API key {principal.name!r} is over its rate limit "
                       f"({rate:g} requests/s, burst {burst}); retry in {retry} s",
                       {"key": principal.name, "rate_per_s": rate, "burst": burst},
                       headers={"Retry-After": str(retry)})
    return principal


def require(scope: ApiScope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through keys holding ``scope`` (or ``admin``)."""

    async def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if not principal.allows(scope):
            raise ApiError(403, "forbidden", f"this API key lacks the {scope!r} scope",
                           {"required_scope": scope, "key": principal.name})
        return principal

    check.__name__ = f"require_{scope}"
    return check


#: Any valid key, whatever its scopes (GET /v1/me).
AnyKey = Annotated[Principal, Depends(_principal)]
ReadKey = Annotated[Principal, Depends(require("read"))]
ClassifyKey = Annotated[Principal, Depends(require("classify"))]
IngestKey = Annotated[Principal, Depends(require("ingest"))]
AdminKey = Annotated[Principal, Depends(require("admin"))]
