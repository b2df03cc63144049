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


class TrainingItem(BaseModel):
    """A background fine-tune this server started (``api.background_finetune_minutes``)."""

    state: str = Field(..., examples=["running"], description="running | finished | failed")
    minutes: float = Field(..., description="Its fine-tuning budget.")
    started_at: str | None = None
    finished_at: str | None = None
    model: str | None = Field(None, description="The transformer it made.")
    activated: bool = Field(False, description="Whether the server switched to it.")
    reason: str | None = Field(None, description="Why it was (not) activated, or why the job failed.")
    log: str | None = Field(None, description="The job's output file.")
    predictions: int | None = Field(None, description="Stored feedback texts classified with the new model "
                                    "after the switch (themes read them).")


class ModelsResponse(BaseModel):
    active: str | None
    models: list[ModelItem]
    training: TrainingItem | None = Field(None, description="A background fine-tune, when this server runs one.")


class ActivateResponse(BaseModel):
    active: str = Field(..., examples=["baseline@v2"])
    model: ModelItem
