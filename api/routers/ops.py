"""Liveness, readiness and Prometheus metrics (no API key: probes and scrapers have none)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import ServicesDep
from api.errors import ApiError
from api.metrics import CONTENT_TYPE_LATEST
from api.schemas.common import error_responses
from api.schemas.ops import Health, Ready
from feedback_nlp import __version__

router = APIRouter(tags=["ops"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """Liveness: the process answers (on the event loop: no thread pool it could wait for)."""
    return Health(status="ok", version=__version__)


@router.get("/ready", response_model=Ready, responses=error_responses(503))
def ready(services: ServicesDep) -> Ready:
    """Readiness: the store is open and migrated and a model is loaded."""
    info = services.store.info() if services.store_or_none is not None else None
    model = services.models.active
    if model is None:
        raise ApiError(503, "not_ready", f"no model loaded: {services.models.load_error or 'none'}",
                       {"store": info is not None, "model": None})
    if info is None:  # a classify-only worker: ready when its model is
        return Ready(status="ready", model=model.ref, store=False)
    return Ready(status="ready", schema_version=info.schema_version, tables=info.tables, model=model.ref)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}})
def metrics(request: Request, services: ServicesDep) -> Response:
    """Prometheus metrics: requests and latencies per route, classify batch sizes, the model in use."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
