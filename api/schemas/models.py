"""GET /v1/models and POST /v1/models/{name}/activate."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ModelItem(BaseModel):
    ref: str = Field(..., examples=["baseline@v1"])
    name: str
    version: str
    kind: str = Field(..., examples=["tfidf-linear"])
    created_at: str
    taxonomy: str
    active: bool = Field(..., description="Serving classify requests without a `model` parameter.")
    loaded: bool = Field(..., description="Loaded in this process.")
    metrics: dict[str, Any] = Field(default_factory=dict)


class ModelsResponse(BaseModel):
    active: str | None
    models: list[ModelItem]


class ActivateResponse(BaseModel):
    active: str = Field(..., examples=["baseline@v2"])
    model: ModelItem
