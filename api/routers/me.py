"""GET /v1/me: who the caller's key is and what it may do (any valid key; the dashboard reads it)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyKey
from api.schemas.common import error_responses
from api.schemas.me import KeyInfo
from api.security import SCOPES

router = APIRouter(prefix="/v1", tags=["keys"])


@router.get("/me", response_model=KeyInfo, responses=error_responses(401))
async def me(principal: AnyKey) -> KeyInfo:
    """The calling key's name, scopes (as configured and as effective) and expiry."""
    return KeyInfo(name=principal.name, scopes=[s for s in SCOPES if s in principal.scopes],
                   allowed=[s for s in SCOPES if principal.allows(s)], expires_at=principal.expires_at)
