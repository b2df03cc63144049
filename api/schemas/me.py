"""GET /v1/me: the calling key's name, scopes and expiry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from feedback_nlp.config import ApiScope


class KeyInfo(BaseModel):
    """The API key that made the request (never the key itself), so a client can show what it may do."""

    name: str = Field(..., examples=["bi-dashboard"], description="Who holds the key, as configured.")
    scopes: list[ApiScope] = Field(..., examples=[["read"]], description="The scopes configured for the key.")
    allowed: list[ApiScope] = Field(..., examples=[["read"]],
                                    description="Every scope the key passes (admin implies all of them).")
    expires_at: datetime | None = Field(None, description="When the key stops working; None: never.")
