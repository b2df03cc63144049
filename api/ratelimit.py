"""Per-key rate limits: a token bucket for every API key.

Each key has a bucket of ``burst`` tokens that refills at ``rate`` tokens a second; a
request takes one token. An empty bucket answers 429 ``rate_limited`` with
``Retry-After`` (whole seconds until the next token). A key's own ``rate_per_s`` and
``burst`` (in its spec) override the server's ``api.rate_limit_per_s`` and
``api.rate_limit_burst``; a rate of 0 means no limit. Buckets live in memory, one per
process: with several workers, each enforces the limit on its own share of requests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed on the API key's identity (its hash), created on first use."""

    def __init__(self, rate_per_s: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def limits(self, rate_per_s: float | None, burst: int | None) -> tuple[float, int]:
        """The (rate, burst) that apply to a key with these own settings."""
        return (self.rate_per_s if rate_per_s is None else rate_per_s), (self.burst if burst is None else burst)

    def take(self, key_id: str, rate_per_s: float | None = None, burst: int | None = None) -> float:
        """Take one token of ``key_id``'s bucket: 0.0 when allowed, else the seconds until a token is back."""
        rate, size = self.limits(rate_per_s, burst)
        if rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(float(size), now)
            else:
                bucket.tokens = min(float(size), bucket.tokens + (now - bucket.updated) * rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    @staticmethod
    def retry_after(wait_s: float) -> int:
        """``Retry-After`` in whole seconds (at least 1) for a wait of ``wait_s``."""
        return max(1, math.ceil(wait_s))
