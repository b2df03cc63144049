"""The dashboard's first full render and a filter change, against a real server on a large store.

    .venv/bin/python benchmarks/dashboard_render.py [--rows 1000000] [--db-threads 2] [--browser] [--repeat 3]

The store (``--rows`` tickets and feedback rows with predictions of ``bench@v1``, as
``benchmarks/analytics_store.py`` builds it, cached under ``benchmarks/out/``) is served by
a ``feedback-nlp serve`` process (``FEEDBACK_NLP_API__DB_THREADS``: DuckDB's threads). What
is timed is what the page asks the ``/v1`` API for, in the page's order (``app.js``):

* **first render**: the KPI catalogue and the data's "as of" date, then every panel at
  once (KPIs of the window and of the previous one, top themes, emerging issues, the
  negative share per week, aspect × sentiment, theme impact), at most 6 requests in
  flight (a browser's limit per host), on a freshly started server (empty result cache);
* **theme click**: the first theme's trend and product models;
* **filter change**: every panel again for a region never asked before (cache misses);
* **cached**: the first render's panels again (the result cache keyed on the store's version).

With ``--browser`` (Debian's ``chromium`` and ``chromium-driver``) the same is timed in
headless Chromium from navigation to the last panel drawn, on a new server. Goal (issue 17):
first render < 2 s and a filter change < 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.security import hash_key  # noqa: E402

#: One GET: path and query parameters.
Request = tuple[str, dict[str, Any]]
#: Requests a browser sends to one host at once over HTTP/1.1.
BROWSER_CONNECTIONS = 6
HEADLINE = "first_time_fix_rate,repeat_repair_rate,resolution_time,resolution_rate,csat_rate,nps,complaint_rate," \
           "negative_rate,backlog"  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db_path: Path, db_threads: int, key: str) -> Iterator[str]:
    """A ``feedback-nlp serve`` process on ``db_path`` (no model: the panels read stored predictions)."""
    folder = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    (folder / "models").mkdir()
    keys = [{"name": "bench", "key_sha256": hash_key(key), "scopes": ["read", "classify"]}]
    env = {
        **os.environ,
        "FEEDBACK_NLP_DB_PATH": str(db_path),
        "FEEDBACK_NLP_DATA_DIR": str(folder / "data"),
        "FEEDBACK_NLP_MODEL_DIR": str(folder / "models"),
        "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(folder / "none"),
        "FEEDBACK_NLP_API__API_KEYS": json.dumps(keys),
        "FEEDBACK_NLP_API__DB_THREADS": str(db_threads),
    }
    port = _free_port()
    log = (folder / "server.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedback_nlp.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise SystemExit(f"the server exited:\n{log.read()[-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 300 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def panel_requests(window: dict[str, str], previous: dict[str, str], filters: dict[str, str]) -> list[Request]:
    """The requests ``app.js`` sends for every panel of one filter state (``refresh()``)."""
    current = {**window, **filters}
    return [
        ("/v1/kpis", {"ids": HEADLINE, **current}),
        ("/v1/kpis", {"ids": HEADLINE, **previous, **filters}),
        ("/v1/themes/top", {"top": 10, **current}),
        ("/v1/themes/emerging", {"top": 20, **current}),
        ("/v1/kpis", {"ids": "negative_rate", "period": "week", **current}),
        ("/v1/themes/aspects", current),
        ("/v1/themes/impact", current),
    ]


def fetch_all(http: httpx.Client, requests: list[Request]) -> list[Any]:
    """All ``requests`` at once (at most :data:`BROWSER_CONNECTIONS` in flight); each must answer 200."""

    def one(request: Request) -> Any:
        response = http.get(request[0], params=request[1])
        if response.status_code != 200:
            raise SystemExit(f"{request[0]} {request[1]}: {response.status_code} {response.text[:300]}")
        return response.json()

    with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
        return list(pool.map(one, requests))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def windows(latest: date, days: int = 30) -> tuple[dict[str, str], dict[str, str]]:
    start = latest - timedelta(days=days - 1)
    before_end = start - timedelta(days=1)
    return (
        {"from": start.isoformat(), "to": latest.isoformat()},
        {"from": (before_end - timedelta(days=days - 1)).isoformat(), "to": before_end.isoformat()},
    )


def api_run(url: str, key: str, region: str, *, warm_up: bool) -> dict[str, float]:
    """A first render, a theme click, a filter change and a cached render, through the API.

    ``warm_up``: first answer every panel for another window (the 7 days before the page's),
    as a server that has served anyone before has: one-time imports and DuckDB's first reads
    are then paid, but the page's own view is still not in the result cache.
    """
    with httpx.Client(
        base_url=url, headers={"X-API-Key": key}, timeout=300, limits=httpx.Limits(max_connections=BROWSER_CONNECTIONS)
    ) as http:
        latest = date.fromisoformat(http.get("/v1/kpis", params={"ids": "backlog"}).json()["window"]["backlog_at"][:10])
        window, previous = windows(latest)
        if warm_up:
            fetch_all(http, panel_requests(*windows(latest - timedelta(days=30), 7), {}))

        def first_render() -> list[Any]:
            fetch_all(http, [("/v1/kpis/catalogue", {})])
            fetch_all(http, [("/v1/kpis", {"ids": "backlog"})])  # the page asks for its "as of" date first
            return fetch_all(http, panel_requests(window, previous, {}))

        first_s, answers = timed(first_render)
        fault_type = answers[2]["themes"][0]["fault_type"]
        click_s, _ = timed(lambda: fetch_all(http, [
            ("/v1/themes/trend", {"fault_type": fault_type, **window}),
            ("/v1/themes/products", {"fault_type": fault_type, "top": 10, **window})]))  # fmt: skip
        change_s, _ = timed(lambda: fetch_all(http, panel_requests(window, previous, {"region": region})))
        cached_s, _ = timed(lambda: fetch_all(http, panel_requests(window, previous, {})))
    if not warm_up:
        return {"first render, fresh process": first_s}
    return {"first render": first_s, "theme click": click_s, "filter change": change_s, "cached render": cached_s}


def browser_run(url: str, key: str, region: str) -> dict[str, float]:
    """The same in headless Chromium after the same warm-up: navigation → every panel drawn; filter submit →
    every panel drawn again."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=300) as http:  # as api_run's warm-up
        latest = date.fromisoformat(http.get("/v1/kpis", params={"ids": "backlog"}).json()["window"]["backlog_at"][:10])
        fetch_all(http, panel_requests(*windows(latest - timedelta(days=30), 7), {}))
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    loaded = (
        "return !document.getElementById('app').hidden && document.querySelectorAll('#kpi-tiles .tile').length > 0"
        " && !document.getElementById('app').innerText.includes('加载中')"
    )
    try:
        driver.get(f"{url}/static/dashboard/style.css")  # same origin, no data: the key goes in first
        driver.execute_script("sessionStorage.setItem('feedback-nlp.api-key', arguments[0])", key)
        started = time.perf_counter()
        driver.get(f"{url}/")
        WebDriverWait(driver, 120, poll_frequency=0.02).until(lambda d: d.execute_script(loaded))
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        driver.execute_script(
            "const f = document.getElementById('filters'); f.region.value = arguments[0];f.requestSubmit();", region
        )
        WebDriverWait(driver, 120, poll_frequency=0.02).until(
            lambda d: "region=" in d.current_url and d.execute_script(loaded)
        )
        change_s = time.perf_counter() - started
    finally:
        driver.quit()
    return {"browser first render": first_s, "browser filter change": change_s}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets and feedback rows")
    parser.add_argument("--path", type=Path, default=None, help="default: benchmarks/out/analytics_<rows>.duckdb")
    parser.add_argument("--db-threads", type=int, default=2, help="DuckDB threads of the server (goal: 2 cores)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh servers per measurement (median)")
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args(argv)
    path = args.path or ROOT / "benchmarks" / "out" / f"analytics_{args.rows}.duckdb"
    from benchmarks.analytics_store import build_store

    path.parent.mkdir(parents=True, exist_ok=True)
    seconds, _ = timed(
        lambda: build_store(
            path, n_tickets=args.rows, n_feedback=args.rows, n_followups=args.rows // 2, n_orders=args.rows
        )
    )
    print(f"store {path} ready in {seconds:.0f} s ({args.rows:,} tickets and feedback rows)")
    key = "fnlp_" + secrets.token_urlsafe(24)
    runs: dict[str, list[float]] = {}
    regions = iter(["华东", "华南", "华北", "华中", "西南", "西北", "东北"] * 4)
    for _ in range(args.repeat):
        for warm_up in (False, True):
            with serving(path, args.db_threads, key) as url:
                for name, value in api_run(url, key, next(regions), warm_up=warm_up).items():
                    runs.setdefault(name, []).append(value)
        if args.browser:
            with serving(path, args.db_threads, key) as url:
                for name, value in browser_run(url, key, next(regions)).items():
                    runs.setdefault(name, []).append(value)
    results = {name: statistics.median(values) for name, values in runs.items()}
    goals = {
        "first render, fresh process": 2.0,
        "first render": 2.0,
        "filter change": 1.0,
        "browser first render": 2.0,
        "browser filter change": 1.0,
    }
    print(f"DuckDB threads={args.db_threads}, os.cpu_count()={os.cpu_count()}, repeat={args.repeat} (median)")
    width = max(len(n) for n in results)
    for name, value in results.items():
        goal = goals.get(name)
        verdict = "" if goal is None else f"  goal < {goal:.0f} s: {'met' if value < goal else 'MISSED'}"
        print(f"{name:<{width}}  {value:7.3f} s{verdict}")
    return results


if __name__ == "__main__":
    main()
