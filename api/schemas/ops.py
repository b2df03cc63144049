"""Liveness and readiness."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    schema_version: int | None = Field(None, description="None in a classify-only worker (no store).")
    tables: dict[str, int] = Field(default_factory=dict, description="Row counts; empty without a store.")
    model: str
    store: bool = Field(True, description="False in a classify-only worker (FEEDBACK_NLP_API__STORE=none).")
