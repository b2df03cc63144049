"""Load test of the HTTP API on loopback: requests/s and p50/p99 latency.

    .venv/bin/python benchmarks/api_load.py [--model baseline@v1] [--seconds 8] [--tickets 2000]

Starts the API (uvicorn, one process, access log off) on a free loopback port with a
fresh store seeded with demo data and a one-off API key, then measures for at most
``--seconds`` each:

- ``POST /v1/classify`` with single texts and with batches of 32, at concurrency 1, 16, 64;
- ``GET /v1/kpis`` (the whole catalogue) at concurrency 1, 16, 64;
- a burst of 1,000 concurrent single-text requests (the goal: zero errors);
- the library's own throughput on the same texts in this process (batch 1,000, as
  ``benchmarks/classify_bench.py``), and the API's batched figure as a share of it.

The load generator runs on the same machine and shares its cores with the server, so
the figures are a floor. Nothing leaves the machine: the server binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify_bench import texts_40  # noqa: E402

from api.security import generate_key, hash_key  # noqa: E402


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    texts_per_request: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        n = len(self.latencies)
        rps = n / self.seconds if self.seconds else 0.0
        p50 = statistics.median(self.latencies) * 1000 if n else float("nan")
        p99 = _quantile(self.latencies, 0.99) * 1000 if n else float("nan")
        texts = f"{rps * self.texts_per_request:>9,.0f}" if self.texts_per_request else f"{'':>9}"
        return (f"{self.name:<22} {self.concurrency:>5} {n:>8,} {self.errors:>6} {rps:>9,.1f} {texts} "
                f"{p50:>8.1f} {p99:>8.1f}")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed_store(data_dir: Path, n_tickets: int) -> None:
    from feedback_nlp.bootstrap import ensure_demo
    from feedback_nlp.store import Store

    with Store(data_dir / "feedback.duckdb") as store:
        ensure_demo(store, data_dir, timezone="Asia/Shanghai", max_text_length=5000, n_tickets=n_tickets)


_SERVER = """
import sys, uvicorn
from api.app import create_app
from feedback_nlp.config import get_settings
uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning",
            timeout_keep_alive=int(get_settings().api.keep_alive_s))
"""


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("server did not become ready in 180 s")


async def _timed(result: Result, request: Awaitable[httpx.Response]) -> None:
    """Await one request; record its latency when it answered 200, else count an error."""
    start = time.perf_counter()
    try:
        status = (await request).status_code
        kind = None if status == 200 else f"HTTP {status}"
    except httpx.HTTPError as exc:
        kind = type(exc).__name__
    if kind is None:
        result.latencies.append(time.perf_counter() - start)
    else:
        result.errors += 1
        result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1


async def run_load(client: httpx.AsyncClient, name: str, concurrency: int, seconds: float,
                   make_request, texts_per_request: int = 0) -> Result:  # noqa: ANN001
    """``concurrency`` workers send requests back to back until ``seconds`` pass."""
    result = Result(name, concurrency, texts_per_request=texts_per_request)
    stop = time.perf_counter() + seconds
    counter = 0

    async def worker() -> None:
        nonlocal counter
        while time.perf_counter() < stop:
            counter += 1
            await _timed(result, make_request(client, counter))

    began = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    result.seconds = time.perf_counter() - began
    return result


async def burst(client: httpx.AsyncClient, texts: list[str], n: int) -> Result:
    """``n`` single-text requests all at once."""
    result = Result(f"burst {n} single", n, texts_per_request=1)

    began = time.perf_counter()
    await asyncio.gather(*[
        _timed(result, client.post("/v1/classify", json={"text": texts[i % len(texts)]}, timeout=300))
        for i in range(n)
    ])
    result.seconds = time.perf_counter() - began
    return result


def library_rate(model_dir: Path, model: str | None, texts: list[str], batch: int) -> float:
    """Texts/s of ``Classification.classify`` in this process (warmed up), with the service's inference settings."""
    from feedback_nlp.classification import Classification
    from feedback_nlp.classifiers.artifacts import resolve_model
    from feedback_nlp.config import get_settings

    job = Classification.from_settings(resolve_model(model, model_dir), get_settings())
    job.classify(texts[:batch])
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        job.classify(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - start)


async def measure(base: str, key: str, texts: list[str], seconds: float, concurrencies: list[int],
                  burst_n: int) -> list[Result]:
    headers = {"X-API-Key": key}
    limits = httpx.Limits(max_connections=max(burst_n, max(concurrencies)) + 8, max_keepalive_connections=256)
    results = []
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:

        def single(c: httpx.AsyncClient, i: int):  # noqa: ANN202
            return c.post("/v1/classify", json={"text": texts[i % len(texts)]})

        def batch32(c: httpx.AsyncClient, i: int):  # noqa: ANN202
            start = (i * 32) % (len(texts) - 32)
            return c.post("/v1/classify", json={"texts": texts[start : start + 32]})

        def kpis(c: httpx.AsyncClient, i: int):  # noqa: ANN202
            return c.get("/v1/kpis")

        await run_load(client, "warm-up", 4, 2.0, single)
        for c in concurrencies:
            results.append(await run_load(client, "classify single", c, seconds, single, 1))
        for c in concurrencies:
            results.append(await run_load(client, "classify batch 32", c, seconds, batch32, 32))
        await kpis(client, 0)  # warm-up: DuckDB caches
        for c in concurrencies:
            results.append(await run_load(client, "kpis (all)", c, seconds, kpis))
        results.append(await burst(client, texts, burst_n))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="NAME@VERSION to activate (default: the default model)")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--public-dir", type=Path, default=ROOT.parent / "shared" / "data" / "public")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--burst", type=int, default=1000, help="concurrent single-text requests in the burst")
    parser.add_argument("--tickets", type=int, default=2000, help="demo tickets in the store /v1/kpis reads")
    parser.add_argument("--n", type=int, default=5000, help="texts to cycle through")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    texts, source = texts_40(args.public_dir, args.n)
    key = generate_key()
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        data_dir = Path(tmp)
        print(f"seeding a store with {args.tickets:,} demo tickets …", flush=True)
        _seed_store(data_dir, args.tickets)
        if args.model:
            from feedback_nlp.classifiers.registry import activate
            from feedback_nlp.store import Store

            with Store(data_dir / "feedback.duckdb") as store:
                activate(store, args.model, args.model_dir)
        env = {**os.environ, "FEEDBACK_NLP_DATA_DIR": str(data_dir), "FEEDBACK_NLP_MODEL_DIR": str(args.model_dir),
               "FEEDBACK_NLP_API__API_KEYS": json.dumps([{"name": "load", "key_sha256": hash_key(key),
                                                         "scopes": ["read", "classify"]}])}
        port = _free_port()
        server = start_server(port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            model = httpx.get(f"{base}/ready", timeout=5).json()["model"]
            print(f"model {model}; {len(texts):,} {source} of <= 40 characters; {os.cpu_count()} CPUs; "
                  f"{args.seconds:g} s per measurement\n")
            results = asyncio.run(measure(base, key, texts, args.seconds, args.concurrency, args.burst))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{'scenario':<22} {'conc.':>5} {'requests':>8} {'errors':>6} {'req/s':>9} {'texts/s':>9} "
          f"{'p50 ms':>8} {'p99 ms':>8}")
    for result in results:
        print(result.row())
    lib = library_rate(args.model_dir, args.model, texts[:3000], 1000)
    best = max((len(r.latencies) * 32 / r.seconds for r in results if r.name == "classify batch 32"), default=0.0)
    print(f"\nlibrary (in process, batch 1,000): {lib:,.0f} texts/s; API batches of 32, best: {best:,.0f} texts/s "
          f"= {best / lib:.0%} of the library")
    burst_result = next(r for r in results if r.name.startswith("burst"))
    if burst_result.error_kinds:
        print(f"burst errors by kind: {burst_result.error_kinds}")
    print(f"burst of {args.burst:,} concurrent single-text requests: {burst_result.errors} errors, "
          f"all done in {burst_result.seconds:.1f} s")


if __name__ == "__main__":
    main()
