"""Micro-batching: concurrent classify requests share one model call.

The model's cost is mostly per call, not per text (a baseline call on 1 text takes
about as long as on 32), so under load requests queue while a batch runs and the next
batch takes all of them at once. An idle batcher waits at most ``max_wait_ms`` for
company before running a lone request. Calls run in a worker thread (an executor), so
the event loop keeps accepting requests meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Gathers submitted item lists into batches of at most ``max_size`` items for ``fn``.

    ``fn`` maps a list of items to a list of results of the same length, in order; it
    runs in ``executor``. A submission larger than ``max_size`` runs as a batch of its
    own (never split, so its items stay together). If ``fn`` raises, every submission
    of that batch gets the exception. ``on_batch(n_items)`` is called per batch (metrics).
    """

    def __init__(self, fn: Callable[[list[T]], Sequence[R]], executor: Executor, *, max_size: int = 256,
                 max_wait_ms: float = 2.0, on_batch: Callable[[int], None] | None = None) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be >= 1, got {max_size}")
        self.fn = fn
        self.executor = executor
        self.max_size = max_size
        self.max_wait_s = max(max_wait_ms, 0.0) / 1000.0
        self.on_batch = on_batch
        self._queue: asyncio.Queue[tuple[list[T], asyncio.Future[list[R]]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: tuple[list[T], asyncio.Future[list[R]]] | None = None
        #: Submissions waiting for or in a batch (admission control reads it).
        self.waiting = 0

    def _ensure_started(self) -> asyncio.Queue[tuple[list[T], asyncio.Future[list[R]]]]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None or self._task.done():
            self._loop = loop
            self._queue = asyncio.Queue()
            self._pending = None
            self._task = loop.create_task(self._run(), name="micro-batcher")
        return self._queue

    async def submit(self, items: Sequence[T]) -> list[R]:
        """Results for ``items``, in order, once the batch holding them has run."""
        items = list(items)
        if not items:
            return []
        queue = self._ensure_started()
        future: asyncio.Future[list[R]] = asyncio.get_running_loop().create_future()
        self.waiting += 1
        try:
            await queue.put((items, future))
            return await future
        finally:
            self.waiting -= 1

    async def close(self) -> None:
        """Stop the worker task; submissions waiting get ``CancelledError``."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        queue, self._queue = self._queue, None
        pending = [self._pending] if self._pending else []
        while queue is not None and not queue.empty():
            pending.append(queue.get_nowait())
        for _, future in pending:
            if not future.done():
                future.cancel()

    async def _next_batch(self) -> list[tuple[list[T], asyncio.Future[list[R]]]]:
        assert self._queue is not None
        first = self._pending or await self._queue.get()
        self._pending = None
        batch, size = [first], len(first[0])
        if self.max_wait_s > 0 and self._queue.empty() and size < self.max_size:
            # Idle: give concurrent requests a moment to join. Under load the queue is
            # never empty here, so nobody waits.
            await asyncio.sleep(self.max_wait_s)
        while size < self.max_size and not self._queue.empty():
            nxt = self._queue.get_nowait()
            if size + len(nxt[0]) > self.max_size:
                self._pending = nxt  # the first of the next batch
                break
            batch.append(nxt)
            size += len(nxt[0])
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            live = [(items, fut) for items, fut in batch if not fut.done()]  # cancelled clients
            if not live:
                continue
            flat: list[T] = [item for items, _ in live for item in items]
            if self.on_batch is not None:
                self.on_batch(len(flat))
            try:
                results: Any = await loop.run_in_executor(self.executor, self.fn, flat)
                if len(results) != len(flat):
                    raise RuntimeError(f"batch function returned {len(results)} results for {len(flat)} items")
            except asyncio.CancelledError:
                for _, fut in live:
                    if not fut.done():
                        fut.cancel()
                raise
            except Exception as exc:  # every waiter learns of it; the loop goes on
                for _, fut in live:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            start = 0
            for items, fut in live:
                if not fut.done():
                    fut.set_result(list(results[start : start + len(items)]))
                start += len(items)
