"""Heavy requests (KPIs, themes) cannot starve light ones: a capped pool and a result cache.

Each route class (``kpis``, ``themes``) may run ``concurrency`` computations at once, on
threads of a pool of its own (never AnyIO's default pool, which serves the sync routes
such as ``/ready`` and ingest, and never the event loop, which serves ``/health`` and
classify). A request that finds no free slot within ``queue_timeout_s`` is answered 503
``busy`` with ``Retry-After``.

One API key may have at most ``per_key`` computations of a route class queued or
running; another is answered 429 ``too_many_requests`` (joining a computation already in
flight, or a cached result, costs nothing and never counts).

Results are cached as the finished JSON bytes, keyed on the route, its normalised
parameters and :meth:`feedback_nlp.store.Store.data_version` (every ingest, prediction
write and activation changes it), least recently used first out. Identical requests
arriving while one is computed wait for that computation instead of starting their own,
so 200 identical dashboard requests cost one computation.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

from api.errors import ApiError

#: The route classes with a cap of their own.
ROUTE_CLASSES = ("kpis", "themes")


class ResultCache:
    """A thread-safe LRU of response bodies; ``max_size`` 0 keeps nothing."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if self.max_size <= 0:
            return
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class HeavyWork:
    """The capped pool of the heavy routes and their result cache (one per app, on ``Services``)."""

    def __init__(self, *, concurrency: int = 2, queue_timeout_s: float = 10.0, cache_size: int = 256,
                 per_key: int = 4) -> None:
        self.concurrency = concurrency
        self.queue_timeout_s = queue_timeout_s
        self.per_key = per_key
        self._per_key_count: dict[tuple[str, str], int] = {}
        self.cache = ResultCache(cache_size)
        self.executor = ThreadPoolExecutor(max_workers=concurrency * len(ROUTE_CLASSES), thread_name_prefix="heavy")
        self._slots = {name: asyncio.Semaphore(concurrency) for name in ROUTE_CLASSES}
        self._inflight: dict[Hashable, asyncio.Task[bytes]] = {}
        self._adapters: dict[Any, TypeAdapter[Any]] = {}

    async def respond(self, route_class: str, key: Hashable, compute: Callable[[], Any], model: Any, *,
                      client: str = "") -> Response:
        """The JSON response of ``compute()`` validated as ``model``: cached, shared or computed in a slot.

        ``client``: who asks (the API key's id), for the per-key cap on new computations.
        """
        body = self.cache.get(key)
        if body is None:
            task = self._inflight.get(key)
            if task is None or task.done():
                self._claim(route_class, client)
                task = asyncio.ensure_future(self._compute(route_class, key, compute, model))
                task.add_done_callback(lambda _: self._release(route_class, client))
                self._inflight[key] = task
                task.add_done_callback(lambda done: self._forget(key, done))
            # shield: a client that goes away does not cancel the others' computation
            body = await asyncio.shield(task)
        return Response(content=body, media_type="application/json")

    def _claim(self, route_class: str, client: str) -> None:
        """Count a new computation against ``client``'s cap, or answer 429 when it is at its cap."""
        slot = (route_class, client)
        running = self._per_key_count.get(slot, 0)
        if running >= self.per_key:
            retry = max(1, math.ceil(self.queue_timeout_s / 2))
            raise ApiError(429, "too_many_requests",
                           f"this API key already has {running} {route_class} computations queued or running; "
                           f"retry in {retry} s", {"route_class": route_class, "per_key": self.per_key},
                           headers={"Retry-After": str(retry)})
        self._per_key_count[slot] = running + 1

    def _release(self, route_class: str, client: str) -> None:
        slot = (route_class, client)
        left = self._per_key_count.get(slot, 1) - 1
        if left > 0:
            self._per_key_count[slot] = left
        else:
            self._per_key_count.pop(slot, None)

    def _forget(self, key: Hashable, task: asyncio.Task[bytes]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: every client that waited for it may have gone

    async def _compute(self, route_class: str, key: Hashable, compute: Callable[[], Any], model: Any) -> bytes:
        slot = self._slots[route_class]
        try:
            await asyncio.wait_for(slot.acquire(), timeout=self.queue_timeout_s)
        except TimeoutError:
            retry = max(1, math.ceil(self.queue_timeout_s))
            raise ApiError(503, "busy", f"too many {route_class} requests are running; retry in {retry} s",
                           {"route_class": route_class, "concurrency": self.concurrency,
                            "queue_timeout_s": self.queue_timeout_s},
                           headers={"Retry-After": str(retry)}) from None
        try:
            body = await asyncio.get_running_loop().run_in_executor(self.executor, self._render, compute, model)
        finally:
            slot.release()
        self.cache.put(key, body)
        return body

    def _render(self, compute: Callable[[], Any], model: Any) -> bytes:
        """On a heavy thread: compute, validate and serialise as FastAPI would for ``response_model``."""
        adapter = self._adapters.get(model)
        if adapter is None:
            adapter = self._adapters.setdefault(model, TypeAdapter(model))
        return adapter.dump_json(adapter.validate_python(compute()), by_alias=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
