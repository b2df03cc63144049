"""Liveness and readiness."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    schema_version: int
    tables: dict[str, int]
    model: str
