"""API keys: generated once, configured as SHA-256 hashes, checked per route scope.

A client sends its key as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.
The server hashes it and compares with the configured hashes in constant time; the
key itself is never stored. Scopes: ``read`` (KPIs, themes, models), ``classify``,
``ingest``, ``admin`` (activate models; implies every other scope). No key or an
unknown key: 401; an expired key: 401; a known key without the route's scope: 403.

Keys come from the settings and, when ``keys_file`` is set, from a JSON file that
:class:`KeyRing` re-reads while the server runs (``feedback-nlp api-key create/revoke
--file``): a cheap ``stat`` at most once a second, a reload when the file's size,
modification time or inode changed. A file that cannot be read keeps the keys it had.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from feedback_nlp.config import ApiKeySpec, ApiScope

logger = logging.getLogger(__name__)

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
            scopes.append(item)
    if not scopes:
        raise ValueError(f"no scope given; expected some of {', '.join(SCOPES)}")
    return scopes


@dataclass(frozen=True)
class Principal:
    """Who made a request: the key's name and scopes."""

    name: str
    scopes: frozenset[str]
    expires_at: datetime | None = None
    #: The key's identity for per-key limits: the start of its hash (never the key).
    key_id: str = ""
    rate_per_s: float | None = None  # None: the server's default rate limit
    burst: int | None = None

    @property
    def client_id(self) -> str:
        """Whom per-key limits count against: the key's hash prefix (its name for keys made in code)."""
        return self.key_id or self.name

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or datetime.now(UTC)) >= self.expires_at


_SPECS = TypeAdapter(list[ApiKeySpec])


def read_keys_file(path: Path) -> list[ApiKeySpec]:
    """The entries of a keys file; a missing file has none. Raises ``ValueError`` (bad JSON or entry) or ``OSError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    try:
        return _SPECS.validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ValueError(f"{path}: {where}: {first['msg']}") from None


def write_keys_file(path: Path, specs: Iterable[ApiKeySpec]) -> None:
    """Write ``specs`` to ``path`` atomically (a temporary file next to it, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [spec.model_dump(mode="json", exclude_none=True) for spec in specs]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entries, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)  # keep the mode the server's user can read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def keys_file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of the keys file ``path`` (a ``.lock`` file next to it).

    The server only reads the file (and each write is atomic), so it never takes this lock.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _entries(specs: Iterable[ApiKeySpec]) -> list[tuple[str, Principal]]:
    return [(spec.key_sha256.lower(), Principal(spec.name, frozenset(spec.scopes), spec.expires_at,
                                                key_id=spec.key_sha256.lower()[:16], rate_per_s=spec.rate_per_s,
                                                burst=spec.burst))
            for spec in specs]


class KeyRing:
    """The accepted keys, looked up by the hash of a presented key.

    ``keys_file``: more keys, re-read when the file changes (checked at most every
    ``check_interval_s`` seconds); a broken file keeps the previous keys and logs one warning.
    """

    def __init__(self, specs: Iterable[ApiKeySpec], keys_file: Path | None = None, *,
                 check_interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._static = _entries(specs)
        self._file_entries: list[tuple[str, Principal]] = []
        self.keys_file = Path(keys_file) if keys_file is not None else None
        self.check_interval_s = check_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._checked_at: float | None = None
        self.refresh(force=True)

    def __len__(self) -> int:
        return len(self._static) + len(self._file_entries)

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the keys file if it changed (and the last check is older than the interval)."""
        if self.keys_file is None:
            return
        now = self._clock()
        checked = self._checked_at
        if not force and checked is not None and now - checked < self.check_interval_s:
            return
        with self._lock:
            if not force and self._checked_at is not None and now - self._checked_at < self.check_interval_s:
                return  # another thread checked meanwhile
            self._checked_at = now
            try:
                st = os.stat(self.keys_file)
                signature = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:
                signature = (0, 0, 0)
            except OSError as exc:
                if self._signature != (-1, -1, -1):
                    logger.warning("keys file %s cannot be read (%s); keeping its previous %d keys",
                                   self.keys_file, exc, len(self._file_entries))
                self._signature = (-1, -1, -1)
                return
            if signature == self._signature:
                return
            self._signature = signature
            try:
                entries = _entries(read_keys_file(self.keys_file))
            except (OSError, ValueError) as exc:  # ValidationError and JSON errors are ValueErrors
                logger.warning("keys file %s not reloaded (%s); keeping its previous %d keys",
                               self.keys_file, " ".join(str(exc).split()), len(self._file_entries))
                return
            if entries != self._file_entries:
                logger.info("keys file %s: %d keys", self.keys_file, len(entries))
            self._file_entries = entries

    def authenticate(self, key: str) -> Principal | None:
        """The principal of ``key``, or ``None``; compares every hash in constant time.

        An expired key still authenticates here: check :meth:`Principal.expired`.
        """
        self.refresh()
        digest = hash_key(key)
        found = None
        for stored, principal in (*self._static, *self._file_entries):
            if hmac.compare_digest(stored, digest):
                found = principal
        return found


def demo_key_spec(key: str) -> ApiKeySpec:
    """A spec with every scope for the key ``serve --demo`` prints."""
    return ApiKeySpec(name="demo", key_sha256=hash_key(key), scopes=list(SCOPES))
