"""API keys: generated once, configured as SHA-256 hashes, checked per route scope.

A client sends its key as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.
The server hashes it and compares with the configured hashes in constant time; the
key itself is never stored. Scopes: ``read`` (KPIs, themes, models), ``classify``,
``ingest``, ``admin`` (activate models; implies every other scope). No key or an
unknown key: 401; a known key without the route's scope: 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from feedback_nlp.config import ApiKeySpec, ApiScope

SCOPES: tuple[ApiScope, ...] = ("read", "classify", "ingest", "admin")
KEY_PREFIX = "fnlp_"


def generate_key() -> str:
    """A new random key (256 bits, URL-safe)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The hex SHA-256 that the settings hold for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_scopes(text: str | Iterable[str]) -> list[ApiScope]:
    """``"read,classify"`` → ``["read", "classify"]``; raises ``ValueError`` naming an unknown scope."""
    items = text.split(",") if isinstance(text, str) else list(text)
    scopes: list[ApiScope] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if item not in SCOPES:
            raise ValueError(f"unknown scope {item!r}; expected some of {', '.join(SCOPES)}")
        if item not in scopes:
            scopes.append(item)  # type: ignore[arg-type]
    if not scopes:
        raise ValueError(f"no scope given; expected some of {', '.join(SCOPES)}")
    return scopes


@dataclass(frozen=True)
class Principal:
    """Who made a request: the key's name and scopes."""

    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


class KeyRing:
    """The configured keys, looked up by the hash of a presented key."""

    def __init__(self, specs: Iterable[ApiKeySpec]) -> None:
        self._specs = [(spec.key_sha256.lower(), Principal(spec.name, frozenset(spec.scopes))) for spec in specs]

    def __len__(self) -> int:
        return len(self._specs)

    def authenticate(self, key: str) -> Principal | None:
        """The principal of ``key``, or ``None``; compares every hash in constant time."""
        digest = hash_key(key)
        found = None
        for stored, principal in self._specs:
            if hmac.compare_digest(stored, digest):
                found = principal
        return found


def demo_key_spec(key: str) -> ApiKeySpec:
    """A spec with every scope for the key ``serve --demo`` prints."""
    return ApiKeySpec(name="demo", key_sha256=hash_key(key), scopes=list(SCOPES))
