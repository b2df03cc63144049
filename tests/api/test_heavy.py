"""Heavy requests cannot starve light ones (issue 16, rows 7 and 8): capped pool, 503 busy, result cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.heavy import ResultCache
from feedback_nlp import service
from feedback_nlp.text import Segmenter
from tests.api.conftest import assert_error, auth, make_settings
from tests.conftest import TICKET_HEADER, ticket_row, write_csv
from tests.servers import serving_in_thread

R = auth("read")


class SlowKpis:
    """Stands in for ``compute_kpis``: counts calls, signals the start, sleeps, then computes for real."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.threads: set[str] = set()
        self.started = threading.Event()
        self._real = service.compute_kpis
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            self.threads.add(threading.current_thread().name)
        self.started.set()
        time.sleep(self.delay)
        return self._real(*args, **kwargs)


@pytest.fixture
def serve(tmp_path: Path, model_dir: Path, segmenter: Segmenter) -> Iterator[Any]:
    """``serve(**api_settings)`` → the base URL of a real uvicorn server running the app in a thread."""
    with ExitStack() as servers:

        def start(**api: Any) -> str:
            app = create_app(make_settings(tmp_path, model_dir, **api), segmenter=segmenter)
            return servers.enter_context(serving_in_thread(app))

        yield start


def test_a_full_kpi_pool_answers_busy_while_health_and_ready_answer_at_once(
        serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = SlowKpis(delay=2.0)
    monkeypatch.setattr(service, "compute_kpis", slow)
    url = serve(heavy_concurrency=1, heavy_queue_timeout_s=0.3)
    with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(base_url=url, timeout=30) as http:
        first = pool.submit(http.get, "/v1/kpis", params={"ids": "resolution_rate"}, headers=R)
        assert slow.started.wait(10), "the slow KPI computation did not start"

        for probe in ("/health", "/ready"):  # neither goes through the cap nor waits for its threads
            t0 = time.monotonic()
            answer = http.get(probe)
            assert time.monotonic() - t0 < 0.5, probe
            assert answer.status_code == 200, (probe, answer.text)

        t0 = time.monotonic()
        second = http.get("/v1/kpis", params={"ids": "csat_rate"}, headers=R)
        waited = time.monotonic() - t0
        body = assert_error(second, 503, "busy")
        assert second.headers["Retry-After"] == "1"
        assert body["details"]["route_class"] == "kpis"
        assert 0.3 <= waited < 1.5  # the queue timeout, not the slow request's 2 s

        # Themes have a cap of their own: a full KPI pool does not make them busy.
        themes = http.get("/v1/themes/top", headers=R)
        assert themes.status_code != 503, themes.text

        assert first.result().status_code == 200
        assert slow.calls == 1  # the busy request never computed
        # On the heavy pool's own threads, not AnyIO's default pool that the sync routes share.
        assert all(name.startswith("heavy") for name in slow.threads), slow.threads
        # The slot is free again.
        assert http.get("/v1/kpis", params={"ids": "csat_rate"}, headers=R).status_code == 200


def test_identical_concurrent_requests_share_one_computation(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = SlowKpis(delay=0.5)
    monkeypatch.setattr(service, "compute_kpis", slow)
    url = serve(heavy_concurrency=1, heavy_queue_timeout_s=0.2)
    with ThreadPoolExecutor(max_workers=20) as pool, httpx.Client(base_url=url, timeout=30) as http:
        answers = list(pool.map(lambda _: http.get("/v1/kpis", headers=R), range(20)))
    assert [a.status_code for a in answers] == [200] * 20  # none busy: they wait for the one running
    assert slow.calls == 1
    assert len({a.content for a in answers}) == 1


def _tickets(tmp_path: Path, n: int) -> bytes:
    rows = [ticket_row(i, 产品线="空调" if i % 2 else "冰箱") for i in range(1, n + 1)]
    return write_csv(tmp_path / f"t{n}.csv", TICKET_HEADER, rows).read_bytes()


def test_b_identical_kpi_requests_compute_once_and_an_ingest_invalidates(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counted = SlowKpis(delay=0.0)
    monkeypatch.setattr(service, "compute_kpis", counted)
    ingest = auth("ingest")
    assert client.post("/v1/ingest/tickets", files={"file": ("t.csv", _tickets(tmp_path, 4))},
                       headers=ingest).status_code == 200
    query = {"ids": "resolution_rate", "group_by": "product_line"}
    first = client.get("/v1/kpis", params=query, headers=R)
    second = client.get("/v1/kpis", params=query, headers=R)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and counted.calls == 1
    # The same query written another way is the same entry (parameters are normalised).
    same = client.get("/v1/kpis?ids=resolution_rate,&group_by=product_line", headers=R)
    assert same.content == first.content and counted.calls == 1
    # Other parameters are another entry.
    assert client.get("/v1/kpis", params={"ids": "resolution_rate"}, headers=R).status_code == 200
    assert counted.calls == 2

    assert client.post("/v1/ingest/tickets", files={"file": ("t.csv", _tickets(tmp_path, 10))},
                       headers=ingest).status_code == 200
    third = client.get("/v1/kpis", params=query, headers=R)
    assert counted.calls == 3  # the ingest changed the store's data version
    denominators = [r["denominator"] for r in third.json()["results"]]
    assert sum(denominators) == 10 and sum(r["denominator"] for r in first.json()["results"]) == 4
    assert client.get("/v1/kpis", params=query, headers=R).content == third.content and counted.calls == 3


def test_theme_results_are_cached_until_predictions_are_written(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    feedback = [{"feedback_id": f"F{i}", "text": text, "source": "complaint", "created_at": "2024-03-05 10:00"}
                for i, text in enumerate(["空调不制冷，太差了", "冰箱噪音很大", "洗衣机漏水"], 1)]
    assert client.post("/v1/ingest/feedback", json=feedback, headers=auth("ingest")).status_code == 200

    def classify(n: int) -> None:
        stored = client.post("/v1/classify", json={"texts": [f["text"] for f in feedback[:n]],
                                                   "ids": [f["feedback_id"] for f in feedback[:n]],
                                                   "store": True}, headers=auth("all"))
        assert stored.json()["stored"] == n

    calls = 0
    real = service.top_themes

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "top_themes", counted)
    classify(2)
    first = client.get("/v1/themes/top", params={"sub_themes": "false"}, headers=R)
    assert first.status_code == 200 and calls == 1
    assert client.get("/v1/themes/top", params={"sub_themes": "false"}, headers=R).content == first.content
    assert calls == 1
    classify(3)  # a prediction write changes the data version
    again = client.get("/v1/themes/top", params={"sub_themes": "false"}, headers=R)
    assert again.status_code == 200 and calls == 2
    assert sum(t["count"] for t in again.json()["themes"]) > sum(t["count"] for t in first.json()["themes"])


def test_errors_are_not_cached(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # No predictions yet: 404 each time, computed each time (the next ingest or classify may fix it).
    assert_error(client.get("/v1/themes/emerging", headers=R), 404, "predictions_not_found")
    assert_error(client.get("/v1/themes/emerging", headers=R), 404, "predictions_not_found")
    assert len(client.app.state.services.heavy.cache) == 0


def test_the_cache_is_bounded_least_recently_used_first_out() -> None:
    cache = ResultCache(2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # a is now the most recent
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    assert len(cache) == 2
    off = ResultCache(0)
    off.put("a", b"1")
    assert off.get("a") is None


def test_one_key_cannot_queue_more_than_its_share_of_heavy_computations(
        serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = SlowKpis(delay=1.5)
    monkeypatch.setattr(service, "compute_kpis", slow)
    url = serve(heavy_concurrency=1, heavy_queue_timeout_s=5, heavy_per_key=1)
    with ThreadPoolExecutor(max_workers=2) as pool, httpx.Client(base_url=url, timeout=30) as http:
        first = pool.submit(http.get, "/v1/kpis", params={"ids": "resolution_rate"}, headers=R)
        assert slow.started.wait(10)
        # The same key, another computation: over its cap of 1, answered at once.
        refused = http.get("/v1/kpis", params={"ids": "csat_rate"}, headers=R)
        body = assert_error(refused, 429, "too_many_requests")
        assert body["details"] == {"route_class": "kpis", "per_key": 1} and "Retry-After" in refused.headers
        # The same computation again costs nothing and is not refused; another key may queue its own.
        same = pool.submit(http.get, "/v1/kpis", params={"ids": "resolution_rate"}, headers=R)
        other = http.get("/v1/kpis", params={"ids": "csat_rate"}, headers=auth("all"))
        assert other.status_code == 200, other.text
        assert first.result().status_code == same.result().status_code == 200
    assert slow.calls == 2  # the refused request never computed
    with httpx.Client(base_url=url, timeout=30) as http:  # the key's count went back to zero
        assert http.get("/v1/kpis", params={"ids": "csat_rate"}, headers=R).status_code == 200


@pytest.mark.slow
def test_a_one_text_classify_does_not_wait_for_a_bulk_request(serve: Any) -> None:
    """Issue 16, row 8: 1,000 texts of 2,000 characters run in the bulk lane; one text answers meanwhile."""
    url = serve()
    C = auth("classify")
    big = {"texts": [("空调不制冷，师傅上门两次都没修好，" * 120)[:2000] + str(i) for i in range(1000)]}
    with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(base_url=url, timeout=120) as http:
        assert http.post("/v1/classify", json={"texts": ["冰箱不制冷"]}, headers=C).status_code == 200  # warm
        t0 = time.monotonic()
        bulk = pool.submit(http.post, "/v1/classify", json=big, headers=C)
        time.sleep(0.5)  # the bulk request is being read and classified
        latencies = []
        for text in ("洗衣机漏水", "电视黑屏了", "安装师傅态度很好"):
            t1 = time.monotonic()
            one = http.post("/v1/classify", json={"texts": [text]}, headers=C)
            latencies.append(time.monotonic() - t1)
            assert one.status_code == 200 and len(one.json()["results"]) == 1
        still_running = not bulk.done()
        answer = bulk.result()
        bulk_s = time.monotonic() - t0
    assert answer.status_code == 200 and len(answer.json()["results"]) == 1000
    assert still_running, f"the bulk request finished in {bulk_s:.1f} s, before the one-text requests"
    assert max(latencies) < bulk_s / 3, (latencies, bulk_s)


def test_bulk_requests_over_the_lane_answer_busy(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from feedback_nlp.classification import Classification

    started = threading.Event()
    real = Classification.classify

    def slow(self: Classification, texts: Any) -> Any:
        if len(texts) > 2:
            started.set()
            time.sleep(1.5)
        return real(self, texts)

    monkeypatch.setattr(Classification, "classify", slow)
    url = serve(bulk_texts=2, bulk_concurrency=1, heavy_queue_timeout_s=0.3)
    C = auth("classify")
    with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(base_url=url, timeout=30) as http:
        first = pool.submit(http.post, "/v1/classify", json={"texts": ["空调坏了"] * 3}, headers=C)
        assert started.wait(10)
        busy = http.post("/v1/classify", json={"texts": ["冰箱坏了"] * 3}, headers=C)
        body = assert_error(busy, 503, "busy")
        assert body["details"]["route_class"] == "classify_bulk" and busy.headers["Retry-After"] == "1"
        small = http.post("/v1/classify", json={"texts": ["冰箱坏了", "洗衣机漏水"]}, headers=C)
        assert small.status_code == 200  # two texts: not bulk, not busy
        assert first.result().status_code == 200


def test_a_full_classify_queue_sheds_load_with_busy(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from feedback_nlp.classification import Classification

    started = threading.Event()
    real = Classification.classify

    def slow(self: Classification, texts: Any) -> Any:
        started.set()
        time.sleep(1.0)
        return real(self, texts)

    monkeypatch.setattr(Classification, "classify", slow)
    url = serve(classify_queue_limit=1)
    C = auth("classify")
    with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(base_url=url, timeout=30) as http:
        first = pool.submit(http.post, "/v1/classify", json={"text": "空调坏了"}, headers=C)
        assert started.wait(10)
        t0 = time.monotonic()
        shed = http.post("/v1/classify", json={"text": "冰箱坏了"}, headers=C)
        assert time.monotonic() - t0 < 0.5  # answered at once, not after the queue
        body = assert_error(shed, 503, "busy")
        assert body["details"] == {"route_class": "classify", "queue_limit": 1} and shed.headers["Retry-After"] == "1"
        assert first.result().status_code == 200
        assert http.post("/v1/classify", json={"text": "冰箱坏了"}, headers=C).status_code == 200  # room again


def test_a_late_classify_queue_answers_busy_and_keeps_answered_requests_fast(
        serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: a one-text request waits at most classify_queue_timeout_ms for the model, then 503 busy."""
    from feedback_nlp.classification import Classification

    started = threading.Event()
    real = Classification.classify

    def slow(self: Classification, texts: Any) -> Any:
        if "慢" in texts[0]:
            started.set()
            time.sleep(0.8)
        return real(self, texts)

    monkeypatch.setattr(Classification, "classify", slow)
    url = serve(classify_queue_timeout_ms=200)
    C = auth("classify")
    with ThreadPoolExecutor(max_workers=2) as pool, httpx.Client(base_url=url, timeout=30) as http:
        first = pool.submit(http.post, "/v1/classify", json={"text": "慢：空调坏了"}, headers=C)
        assert started.wait(10)
        queued = pool.submit(http.post, "/v1/classify", json={"text": "冰箱坏了"}, headers=C)
        time.sleep(0.4)  # the queued request is now late
        t0 = time.monotonic()
        refused = http.post("/v1/classify", json={"text": "洗衣机漏水"}, headers=C)
        assert time.monotonic() - t0 < 0.3  # refused at once, not after the batch
        body = assert_error(refused, 503, "busy")
        assert body["details"] == {"route_class": "classify", "queue_timeout_ms": 200.0}
        assert refused.headers["Retry-After"] == "1"
        assert first.result().status_code == 200
        assert_error(queued.result(), 503, "busy")  # it waited past the limit: never run
        assert http.post("/v1/classify", json={"text": "冰箱坏了"}, headers=C).status_code == 200  # caught up
