"""MicroBatcher: concurrent submissions share calls, keep their order, share failures."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.batching import MicroBatcher, QueueTimeout


class Recorder:
    """A batch function that records its calls and can be held back until released."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, items: list[str]) -> list[str]:
        self.gate.wait(5)
        self.calls.append(list(items))
        return [item.upper() for item in items]


def run(coro):  # noqa: ANN001, ANN201 - a tiny helper
    return asyncio.run(coro)


def test_submissions_waiting_while_a_batch_runs_form_the_next_batch() -> None:
    fn = Recorder()

    async def scenario() -> list[list[str]]:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(fn, pool, max_size=100, max_wait_ms=0)
            fn.gate.clear()  # the first batch blocks until the others have queued
            first = asyncio.create_task(batcher.submit(["a"]))
            await asyncio.sleep(0.05)
            rest = [asyncio.create_task(batcher.submit([c, c + c])) for c in "bcdef"]
            await asyncio.sleep(0.05)
            fn.gate.set()
            results = [await first] + [await t for t in rest]
            await batcher.close()
            return results

    results = run(scenario())
    assert results == [["A"], ["B", "BB"], ["C", "CC"], ["D", "DD"], ["E", "EE"], ["F", "FF"]]
    assert [len(c) for c in fn.calls] == [1, 10]


def test_batches_never_exceed_max_size_but_big_submissions_stay_whole() -> None:
    fn = Recorder()

    async def scenario() -> list[list[str]]:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(fn, pool, max_size=4, max_wait_ms=5)
            results = await asyncio.gather(*[batcher.submit([f"{i}a", f"{i}b", f"{i}c"]) for i in range(3)],
                                           batcher.submit([str(i) for i in range(9)]))
            await batcher.close()
            return list(results)

    results = run(scenario())
    assert results[0] == ["0A", "0B", "0C"] and results[3] == [str(i) for i in range(9)]
    sizes = sorted(len(c) for c in fn.calls)
    assert sizes == [3, 3, 3, 9]


def test_an_error_reaches_every_waiter_and_the_batcher_goes_on() -> None:
    calls = []

    def flaky(items: list[str]) -> list[str]:
        calls.append(items)
        if "bad" in items:
            raise ValueError("model failed")
        return items

    async def scenario() -> tuple[list[BaseException | list[str]], list[str]]:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(flaky, pool, max_size=10, max_wait_ms=20)
            outcome = await asyncio.gather(batcher.submit(["bad"]), batcher.submit(["ok"]), return_exceptions=True)
            after = await batcher.submit(["fine"])
            await batcher.close()
            return outcome, after

    outcome, after = run(scenario())
    assert all(isinstance(o, ValueError) for o in outcome)
    assert after == ["fine"]


def test_wrong_result_count_is_an_error_not_a_misalignment() -> None:
    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(lambda items: items[:-1], pool)
            try:
                await batcher.submit(["a", "b"])
            finally:
                await batcher.close()

    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        run(scenario())


def test_empty_submission_and_bad_size() -> None:
    with ThreadPoolExecutor(1) as pool:
        assert run(MicroBatcher(lambda items: items, pool).submit([])) == []
        with pytest.raises(ValueError):
            MicroBatcher(lambda items: items, pool, max_size=0)


def test_submissions_that_waited_too_long_fail_and_late_queues_refuse_newcomers_at_once() -> None:
    fn = Recorder()

    async def scenario() -> tuple[list[str], list[BaseException | list[str]], float, list[str]]:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(fn, pool, max_size=100, max_wait_ms=0, max_queue_ms=100)
            fn.gate.clear()  # the first batch holds the model for 300 ms
            first = asyncio.create_task(batcher.submit(["a"]))
            await asyncio.sleep(0.02)
            queued = [asyncio.create_task(batcher.submit([c])) for c in "bc"]  # wait behind it
            await asyncio.sleep(0.15)  # now the oldest waiting submission is 150 ms old
            loop = asyncio.get_running_loop()
            began = loop.time()
            with pytest.raises(QueueTimeout, match="at most 100 ms"):
                await batcher.submit(["late"])  # refused at once, not after waiting
            refused_after = loop.time() - began
            await asyncio.sleep(0.13)
            fn.gate.set()
            answered = await first
            outcome = list(await asyncio.gather(*queued, return_exceptions=True))
            after = await batcher.submit(["d"])  # the queue is empty again: served
            await batcher.close()
            return answered, outcome, refused_after, after

    answered, outcome, refused_after, after = run(scenario())
    assert answered == ["A"] and after == ["D"]
    assert all(isinstance(o, QueueTimeout) for o in outcome)  # expired in the queue, never run
    assert refused_after < 0.05
    assert ["b"] not in fn.calls and ["late"] not in fn.calls


def test_without_a_queue_timeout_everyone_waits_as_long_as_it_takes() -> None:
    fn = Recorder()

    async def scenario() -> list[list[str]]:
        with ThreadPoolExecutor(1) as pool:
            batcher = MicroBatcher(fn, pool, max_size=100, max_wait_ms=0)
            fn.gate.clear()
            first = asyncio.create_task(batcher.submit(["a"]))
            await asyncio.sleep(0.02)
            rest = [asyncio.create_task(batcher.submit([c])) for c in "bc"]
            await asyncio.sleep(0.2)
            fn.gate.set()
            results = [await first] + [await t for t in rest]
            await batcher.close()
            return results

    assert run(scenario()) == [["A"], ["B"], ["C"]]
