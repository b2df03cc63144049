"""Micro-batching: concurrent classify requests share one model call.

The model's cost is mostly per call, not per text (a baseline call on 1 text takes
about as long as on 32), so under load requests queue while a batch runs and the next
batch takes all of them at once. An idle batcher waits at most ``max_wait_ms`` for
company before running a lone request. Calls run in a worker thread (an executor), so
the event loop keeps accepting requests meanwhile.

A submission that has waited longer than ``max_queue_ms`` when its batch is formed is
not run: it fails with :class:`QueueTimeout`, and while the oldest waiting submission is
that late, new ones are refused at once (the queue's sojourn time, as CoDel reads it, is
the signal; a count of waiting requests is not, because how long a batch takes depends
on what else holds the interpreter). Under overload the answered requests therefore
stay fast and the rest learn at once to come back later, instead of every request
waiting seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class QueueTimeout(Exception):
    """A submission waited (or would wait) longer than the batcher's ``max_queue_ms``."""

    def __init__(self, waited_ms: float, max_queue_ms: float) -> None:
        super().__init__(f"waited {waited_ms:.0f} ms for the model (at most {max_queue_ms:.0f} ms)")
        self.waited_ms = waited_ms
        self.max_queue_ms = max_queue_ms


_Entry = tuple[list[T], "asyncio.Future[list[R]]", float]  # items, their future, when submitted (loop time)


class MicroBatcher(Generic[T, R]):
    """Gathers submitted item lists into batches of at most ``max_size`` items for ``fn``.

    ``fn`` maps a list of items to a list of results of the same length, in order; it
    runs in ``executor``. A submission larger than ``max_size`` runs as a batch of its
    own (never split, so its items stay together). If ``fn`` raises, every submission
    of that batch gets the exception. ``on_batch(n_items)`` is called per batch (metrics).
    ``max_queue_ms`` > 0: the longest a submission may wait for its batch (see the module).
    """

    def __init__(self, fn: Callable[[list[T]], Sequence[R]], executor: Executor, *, max_size: int = 256,
                 max_wait_ms: float = 2.0, on_batch: Callable[[int], None] | None = None,
                 max_queue_ms: float = 0.0) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be >= 1, got {max_size}")
        self.fn = fn
        self.executor = executor
        self.max_size = max_size
        self.max_wait_s = max(max_wait_ms, 0.0) / 1000.0
        self.on_batch = on_batch
        self.max_queue_s = max(max_queue_ms, 0.0) / 1000.0
        self._queue: asyncio.Queue[_Entry[T, R]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: _Entry[T, R] | None = None
        #: Submissions waiting for or in a batch (admission control reads it).
        self.waiting = 0
        #: When each queued submission was made (loop time), oldest first, beside the queue.
        self._times: deque[float] = deque()

    def _ensure_started(self) -> asyncio.Queue[_Entry[T, R]]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None or self._task.done():
            self._loop = loop
            self._queue = asyncio.Queue()
            self._pending = None
            self._times.clear()
            self._task = loop.create_task(self._run(), name="micro-batcher")
        return self._queue

    async def submit(self, items: Sequence[T]) -> list[R]:
        """Results for ``items``, in order, once the batch holding them has run."""
        items = list(items)
        if not items:
            return []
        queue = self._ensure_started()
        loop = asyncio.get_running_loop()
        now = loop.time()
        oldest = self._oldest()
        if self.max_queue_s and oldest is not None and now - oldest > self.max_queue_s:
            raise QueueTimeout((now - oldest) * 1000, self.max_queue_s * 1000)  # behind: refuse at once
        future: asyncio.Future[list[R]] = loop.create_future()
        self.waiting += 1
        try:
            self._times.append(now)
            queue.put_nowait((items, future, now))  # unbounded: never waits
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
        self._times.clear()
        for _, future, _ in pending:
            if not future.done():
                future.cancel()

    async def _next_batch(self) -> list[_Entry[T, R]]:
        assert self._queue is not None
        first = self._pending or self._took(await self._queue.get())
        self._pending = None
        batch, size = [first], len(first[0])
        if self.max_wait_s > 0 and self._queue.empty() and size < self.max_size:
            # Idle: give concurrent requests a moment to join. Under load the queue is
            # never empty here, so nobody waits.
            await asyncio.sleep(self.max_wait_s)
        while size < self.max_size and not self._queue.empty():
            nxt = self._took(self._queue.get_nowait())
            if size + len(nxt[0]) > self.max_size:
                self._pending = nxt  # the first of the next batch
                break
            batch.append(nxt)
            size += len(nxt[0])
        return batch

    def _took(self, entry: _Entry[T, R]) -> _Entry[T, R]:
        """``entry``, just taken off the queue: its time leaves the queue's times."""
        if self._times:
            self._times.popleft()
        return entry

    def _oldest(self) -> float | None:
        """When the oldest submission not yet in a running batch was made (None: none waits)."""
        if self._pending is not None:
            return self._pending[2]
        return self._times[0] if self._times else None

    def _expire(self, batch: list[_Entry[T, R]], now: float) -> list[_Entry[T, R]]:
        """The live submissions of ``batch``; those that waited too long fail with QueueTimeout."""
        live = []
        for entry in batch:
            items, fut, since = entry
            if fut.done():  # the client went away
                continue
            if self.max_queue_s and now - since > self.max_queue_s:
                fut.set_exception(QueueTimeout((now - since) * 1000, self.max_queue_s * 1000))
                continue
            live.append(entry)
        return live

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            live = self._expire(batch, loop.time())
            if not live:
                continue
            flat: list[T] = [item for items, _, _ in live for item in items]
            if self.on_batch is not None:
                self.on_batch(len(flat))
            try:
                results: Any = await loop.run_in_executor(self.executor, self.fn, flat)
                if len(results) != len(flat):
                    raise RuntimeError(f"batch function returned {len(results)} results for {len(flat)} items")
            except asyncio.CancelledError:
                for _, fut, _ in live:
                    if not fut.done():
                        fut.cancel()
                raise
            except Exception as exc:  # every waiter learns of it; the loop goes on
                for _, fut, _ in live:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            start = 0
            for items, fut, _ in live:
                if not fut.done():
                    fut.set_result(list(results[start : start + len(items)]))
                start += len(items)
