"""POST /v1/ingest/{table}: the ingestion report."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Rejection(BaseModel):
    """One problem of one rejected row (a row with two bad cells appears twice)."""

    row: int | None = Field(None, description="Row as a person sees it (CSV header = 1; posted rows from 1).")
    sheet: str | None = None
    column: str | None = None
    value: str | None = None
    reason: str


class IngestResponse(BaseModel):
    """What happened: counts, rejected rows with reasons, ignored columns, warnings."""

    table: str
    source: str
    format: str
    encoding: str | None = None
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    accepted: int
    rejections: list[Rejection]
    problems_not_listed: int = 0
    sheets_read: list[str] = Field(default_factory=list)
    sheets_skipped: dict[str, str] = Field(default_factory=dict)
    column_mapping: dict[str, str] = Field(default_factory=dict)
    ignored_columns: list[str] = Field(default_factory=list)
    notes_as_feedback: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    run_id: str = ""
    started_at: str = ""
    duration_s: float = 0.0
    extra: dict[str, Any] = Field(default_factory=dict, description="Other report fields, as the CLI writes them.")
