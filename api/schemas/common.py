"""The one error shape, and the responses every protected route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """Every error: a stable machine-readable type, a message for people, details as data."""

    type: str = Field(..., examples=["validation_error"], description="Stable error type, e.g. unauthorized.")
    message: str = Field(..., examples=["body.texts.3: String should have at least 1 character"])
    details: Any = Field(default_factory=dict, description="Field paths, limits, codes: whatever applies.")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries with the error shape for ``statuses``."""
    text = {400: "Bad request", 401: "No or unknown API key", 403: "The key lacks the route's scope",
            404: "Not found", 409: "Conflict", 413: "Request body too large", 422: "Invalid request (field path)",
            429: "Over the key's rate limit or heavy-request cap (see Retry-After)",
            503: "Not ready (no model or store), or busy (see Retry-After)"}
    if 401 in statuses and 429 not in statuses:  # every route that checks a key also rate-limits it
        statuses = (*statuses, 429)
    return {status: {"model": ErrorResponse, "description": text.get(status, "Error")}
            for status in sorted(statuses)}


AUTH_ERRORS = error_responses(401, 403, 422)
