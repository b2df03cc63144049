"""GET /v1/models, POST /v1/models/{name}/activate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from api.deps import AdminKey, ReadKey, Services, ServicesDep
from api.runtime import MODEL_REF_PATTERN
from api.schemas.common import error_responses
from api.schemas.models import ActivateResponse, ModelItem, ModelsResponse, TrainingItem
from feedback_nlp import service

router = APIRouter(prefix="/v1/models", tags=["models"])


def _item(entry: dict[str, Any], services: Services) -> ModelItem:
    """A :func:`feedback_nlp.service.model_entry` row, with whether this process has the model loaded."""
    return ModelItem(ref=entry["ref"], name=entry["name"], version=entry["version"], kind=entry["kind"],
                     created_at=entry["created_at"], taxonomy=entry["taxonomy"], active=entry["active"],
                     loaded=services.models.is_loaded(entry["path"]), metrics=entry["metrics"])


@router.get("", response_model=ModelsResponse, responses=error_responses(401, 403))
def models(services: ServicesDep, principal: ReadKey) -> ModelsResponse:
    """The models in the model folder, newest first: which one is active and which are loaded."""
    active = services.models.active_ref  # the API's active model: the one serving
    entries = service.model_listing(services.models.model_dir, active)
    training = TrainingItem(**services.training.to_dict()) if services.training is not None else None
    return ModelsResponse(active=active, models=[_item(e, services) for e in entries], training=training)


@router.post("/{name}/activate", response_model=ActivateResponse, responses=error_responses(401, 403, 404, 422))
async def activate_model(
    services: ServicesDep,
    principal: AdminKey,
    name: str = Path(..., pattern=MODEL_REF_PATTERN, description="NAME (newest version) or NAME@VERSION."),
) -> ActivateResponse:
    """Load a model, record it as active in the store and serve it from the next request on."""
    info = await run_in_threadpool(services.models.activate, name)
    return ActivateResponse(active=info.ref, model=_item(service.model_entry(info, active=info.ref), services))
