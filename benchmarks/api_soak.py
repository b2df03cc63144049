"""Soak test of the HTTP API under a mixed workload: no errors, /health always answers.

    .venv/bin/python benchmarks/api_soak.py [--clients 50 200] [--seconds 30] [--tickets 5000]

Starts the API (uvicorn, one process, default settings: rate limits, heavy-request caps,
result cache as shipped) on a free loopback port with a store of demo data whose feedback
is classified, then, for each client count, runs that many clients for ``--seconds``.
Each client sends requests back to back (after a 429 or 503 it waits the ``Retry-After``
the server sent, at most 10 s, as a well-behaved client does; ``--no-backoff``: it does
not), drawn at random:

- 80 % ``POST /v1/classify`` of one real text (public reviews of <= 40 characters);
- 15 % analytics: ``GET /v1/kpis`` with one of 12 parameter sets (group-by, period, KPI
  ids: some repeat, as dashboards do, so the cache is met and missed), ``/v1/themes/top``
  or ``/v1/themes/emerging``;
- 5 % ``POST /v1/ingest/feedback`` of 20 new feedback rows (each ingest changes the
  store's data version, so cached analytics are computed again).

Meanwhile a probe (a process of its own) asks ``GET /health`` ten times a second. The clients share ten API
keys (round robin), as several services would. The table gives, per route: requests,
answers 200, deliberate refusals (429 over a key's rate or cap, 503 busy), other
errors, and p50/p95/p99 latency of the answered requests, plus the total throughput
and the /health p99. Goals (issue 16, 2 cores): no errors other than 429/503,
/health p99 <= 100 ms, single classify p99 <= 500 ms while KPIs run. The load generator
shares the machine's cores with the server, so the figures are a floor. A last row gives
classify's latency as the app itself measured it (``/metrics``, the bucket bound of each
quantile): the difference to the clients' figures is the time before the app sees a
request (the socket, a busy event loop, the generator).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import _free_port, _quantile, _seed_store, start_server  # noqa: E402
from classify_bench import texts_40  # noqa: E402

from api.security import generate_key, hash_key  # noqa: E402

KPI_PARAMS: list[dict[str, str]] = [
    {}, {"group_by": "product_line"}, {"group_by": "region"}, {"period": "month"},
    {"period": "week", "ids": "resolution_rate,first_time_fix_rate"}, {"group_by": "channel", "period": "month"},
    {"ids": "csat_rate"}, {"ids": "repeat_repair_rate", "group_by": "product_line"},
    {"from": "2026-01-01", "to": "2026-06-30"}, {"from": "2026-07-01", "to": "2026-10-31", "group_by": "region"},
    {"ids": "resolution_time", "period": "month"}, {"group_by": "engineer_id", "ids": "first_time_fix_rate"},
]  # fmt: skip


#: Whether clients honour Retry-After (``--no-backoff``: they send their next request at once).
BACKOFF = True


@dataclass
class Route:
    latencies: list[float] = field(default_factory=list)
    refused: int = 0  # 429 and 503: the server said "not now", as designed
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.latencies) + self.refused + sum(self.errors.values())

    def row(self, name: str) -> str:
        q = [(_quantile(self.latencies, p) * 1000 if self.latencies else float("nan")) for p in (0.5, 0.95, 0.99)]
        errors = sum(self.errors.values())
        return (f"{name:<22} {self.n:>8,} {len(self.latencies):>8,} {self.refused:>7,} {errors:>6,} "
                f"{q[0]:>8.1f} {q[1]:>8.1f} {q[2]:>8.1f}")


async def _timed(route: Route, request: asyncio.Future[httpx.Response] | object) -> None:
    start = time.perf_counter()
    try:
        response = await request  # type: ignore[misc]
        status = response.status_code
        kind = None if status == 200 else f"HTTP {status}"
    except httpx.HTTPError as exc:
        status, kind = 0, type(exc).__name__
    if kind is None:
        route.latencies.append(time.perf_counter() - start)
    elif status in (429, 503):
        route.refused += 1
        if BACKOFF:  # a well-behaved client waits as long as the server asks before its next request
            await asyncio.sleep(min(float(response.headers.get("Retry-After", "1")), 10.0))
    else:
        route.errors[kind] = route.errors.get(kind, 0) + 1


async def soak(base: str, keys: list[str], texts: list[str], clients: int, seconds: float,
               seed: int, mix: tuple[float, float, float] = (80, 15, 5)) -> tuple[dict[str, Route], Route, float]:
    routes: dict[str, Route] = defaultdict(Route)
    health = Route()
    rng = random.Random(seed)
    classify_share, analytics_share = mix[0] / sum(mix), (mix[0] + mix[1]) / sum(mix)
    stop = time.perf_counter() + seconds
    ingest_n = 0
    limits = httpx.Limits(max_connections=clients + 16, max_keepalive_connections=clients + 16)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:

        async def client(i: int) -> None:
            nonlocal ingest_n
            headers = {"X-API-Key": keys[i % len(keys)]}
            while time.perf_counter() < stop:
                draw = rng.random()
                if draw < classify_share:
                    await _timed(routes["classify single"], http.post(
                        "/v1/classify", json={"text": rng.choice(texts)}, headers=headers))
                elif draw < analytics_share:
                    pick = rng.random()
                    if pick < 0.7:
                        params = rng.choice(KPI_PARAMS)
                        await _timed(routes["kpis"], http.get("/v1/kpis", params=params, headers=headers))
                    elif pick < 0.85:
                        await _timed(routes["themes top"], http.get(
                            "/v1/themes/top", params={"top": rng.choice(["5", "10"])}, headers=headers))
                    else:
                        await _timed(routes["themes emerging"], http.get("/v1/themes/emerging", headers=headers))
                else:
                    ingest_n += 1
                    rows = [{"feedback_id": f"SOAK-{clients}-{ingest_n}-{j}", "text": rng.choice(texts),
                             "source": "review", "created_at": "2026-10-20 10:00"} for j in range(20)]
                    await _timed(routes["ingest 20 rows"], http.post("/v1/ingest/feedback", json=rows,
                                                                      headers=headers))

        # The probe is a process of its own: in this one, its timings would include the waits of
        # this event loop, busy with the clients.
        probe = await asyncio.create_subprocess_exec(sys.executable, "-c", _PROBE, base, str(seconds),
                                                     stdout=asyncio.subprocess.PIPE)
        began = time.perf_counter()
        await asyncio.gather(*[client(i) for i in range(clients)])
        elapsed = time.perf_counter() - began
        out, _ = await probe.communicate()
    for item in json.loads(out):
        if isinstance(item, float):
            health.latencies.append(item)
        else:
            health.errors[item] = health.errors.get(item, 0) + 1
    return dict(routes), health, elapsed


_PROBE = """
import json, sys, time, httpx
base, seconds = sys.argv[1], float(sys.argv[2])
out, stop = [], time.perf_counter() + seconds
with httpx.Client(base_url=base, timeout=10) as http:
    while time.perf_counter() < stop:
        start = time.perf_counter()
        try:
            status = http.get("/health").status_code
            out.append(time.perf_counter() - start if status == 200 else f"HTTP {status}")
        except httpx.HTTPError as exc:
            out.append(type(exc).__name__)
        time.sleep(0.1)
print(json.dumps(out))
"""


def _classify_store(data_dir: Path, model_dir: Path) -> int:
    from feedback_nlp.classification import Classification
    from feedback_nlp.classifiers.artifacts import resolve_model
    from feedback_nlp.config import get_settings
    from feedback_nlp.predictions import classify_store
    from feedback_nlp.store import Store

    job = Classification.from_settings(resolve_model(None, model_dir), get_settings())
    with Store(data_dir / "feedback.duckdb") as store:
        return int(classify_store(store, job).n_stored)


_BUCKET_LINE = "feedback_nlp_http_request_duration_seconds_bucket{"


def _server_buckets(base: str) -> dict[float, float]:
    """The cumulative latency histogram of POST /v1/classify as the app measured it (from /metrics)."""
    buckets: dict[float, float] = {}
    for line in httpx.get(f"{base}/metrics", timeout=30).text.splitlines():
        if line.startswith(_BUCKET_LINE) and 'route="/v1/classify"' in line and 'method="POST"' in line:
            labels, value = line[len(_BUCKET_LINE):].rsplit("} ", 1)
            le = labels.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(value)
    return buckets


def _bucket_quantile(buckets: dict[float, float], q: float) -> float:
    """The upper bound of the bucket holding quantile ``q`` of a cumulative histogram (nan when empty)."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0
    if not total:
        return float("nan")
    return next(b for b in bounds if buckets[b] >= q * total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--tickets", type=int, default=5000, help="demo tickets in the store")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--public-dir", type=Path, default=ROOT.parent / "shared" / "data" / "public")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-backoff", action="store_true",
                        help="clients ignore Retry-After and send their next request at once")
    parser.add_argument("--mix", type=float, nargs=3, default=[80, 15, 5], metavar=("CLASSIFY", "ANALYTICS", "INGEST"),
                        help="shares of the workload (default 80 15 5)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    global BACKOFF
    BACKOFF = not args.no_backoff

    texts, source = texts_40(args.public_dir, 3000)
    keys = [generate_key() for _ in range(10)]
    specs = [{"name": f"soak-{i}", "key_sha256": hash_key(k), "scopes": ["read", "classify", "ingest"]}
             for i, k in enumerate(keys)]
    with tempfile.TemporaryDirectory(prefix="api-soak-") as tmp:
        data_dir = Path(tmp)
        os.environ["FEEDBACK_NLP_MODEL_DIR"] = str(args.model_dir)
        print(f"seeding a store with {args.tickets:,} demo tickets and classifying its feedback …", flush=True)
        _seed_store(data_dir, args.tickets)
        n_pred = _classify_store(data_dir, args.model_dir)
        env = {**os.environ, "FEEDBACK_NLP_DATA_DIR": str(data_dir), "FEEDBACK_NLP_MODEL_DIR": str(args.model_dir),
               "FEEDBACK_NLP_API__API_KEYS": json.dumps(specs)}
        port = _free_port()
        server = start_server(port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            model = httpx.get(f"{base}/ready", timeout=5).json()["model"]
            print(f"model {model}; {n_pred:,} predictions; {len(texts):,} {source}; {os.cpu_count()} CPUs; "
                  f"{args.seconds:g} s per run; 10 keys\n")
            runs = []
            for c in args.clients:
                before = _server_buckets(base)
                result = asyncio.run(soak(base, keys, texts, c, args.seconds, args.seed, tuple(args.mix)))
                after = _server_buckets(base)
                runs.append((c, *result, {k: after[k] - before.get(k, 0) for k in after}))
        finally:
            server.terminate()
            server.wait(timeout=30)

    header = (f"{'route':<22} {'requests':>8} {'ok':>8} {'429/503':>7} {'errors':>6} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    failed = False
    for clients, routes, health, elapsed, server in runs:
        total = sum(r.n for r in routes.values())
        print(f"## {clients} clients: {total:,} requests in {elapsed:.1f} s = {total / elapsed:,.1f} requests/s")
        print(header)
        for name in ("classify single", "kpis", "themes top", "themes emerging", "ingest 20 rows"):
            if name in routes:
                print(routes[name].row(name))
        print(health.row("/health (probe)"))
        q = [_bucket_quantile(server, p) for p in (0.5, 0.95, 0.99)]
        print(f"{'classify, server side':<22} {'':>8} {'':>8} {'':>7} {'':>6} "
              + " ".join(f"{'≤' + format(v * 1000, '.0f'):>8}" for v in q)
              + "   (the app's own time, from /metrics: bucket bounds)")
        errors = {k: v for r in (*routes.values(), health) for k, v in r.errors.items()}
        if errors:
            print(f"errors by kind: {errors}")
        health_p99 = _quantile(health.latencies, 0.99) * 1000 if health.latencies else float("inf")
        classify = routes.get("classify single", Route())
        classify_p99 = _quantile(classify.latencies, 0.99) * 1000 if classify.latencies else float("inf")
        goals = [("no errors but 429/503", not errors), ("/health p99 <= 100 ms", health_p99 <= 100),
                 ("single classify p99 <= 500 ms", classify_p99 <= 500)]
        print("goals: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in goals) + "\n")
        failed |= not all(ok for _, ok in goals)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
