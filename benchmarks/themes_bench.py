"""Latency of the theme analyses over a large store with stored predictions.

    .venv/bin/python benchmarks/themes_bench.py [--path benchmarks/out/analytics_1000000.duckdb] [--rows 1000000]
                                                [--threads 2] [--repeat 3]

The store (1M tickets, 1M feedback rows with predictions of model ``bench@v1``, 500k
follow-ups, 1M orders at the defaults) is built once by ``benchmarks/analytics_store.py``
and reused. Prints one row per measurement: top themes cold (first call in the process:
imports, DuckDB caches) and warm (median of ``--repeat``), top themes with text evidence
turned off (counts, shares, change and impact only), emerging issues, and the process's
peak RSS. Goal: top themes ≤ 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_nlp.query import Query  # noqa: E402
from feedback_nlp.store import Store  # noqa: E402
from feedback_nlp.themes import emerging_issues, top_themes  # noqa: E402

MODEL = "bench@v1"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=Path("benchmarks/out/analytics_1000000.duckdb"))
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets and feedback rows when building")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the goal is for 2 cores)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    if not args.path.exists():
        from benchmarks.analytics_store import build_store

        args.path.parent.mkdir(parents=True, exist_ok=True)
        seconds, _ = timed(lambda: build_store(args.path, n_tickets=args.rows, n_feedback=args.rows,
                                               n_followups=args.rows // 2, n_orders=args.rows))
        print(f"built {args.path} in {seconds:.0f} s")
    results: dict[str, float] = {}
    with Store(args.path, read_only=True, memory_limit="1GB") as store:
        store.connection().execute(f"SET threads = {int(args.threads)}")
        n = store.cursor().execute("SELECT count(*) FROM predictions WHERE model_name || '@' || model_version = ?",
                                   [MODEL]).fetchone()[0]
        last = store.cursor().execute("SELECT max(created_at)::DATE FROM feedback").fetchone()[0]
        month = Query(start=last.replace(day=1), end=last)
        runs: list[tuple[str, Callable[[], Any]]] = [
            ("top themes, all rows", lambda: top_themes(store, Query(), model=MODEL)),
            ("top themes, last month + previous", lambda: top_themes(store, month, model=MODEL)),
            ("top themes, counts + impact only", lambda: top_themes(store, Query(), model=MODEL, n_keywords=0,
                                                                    n_examples=0, sub_themes=False)),
            ("emerging issues (week)", lambda: emerging_issues(store, Query(), model=MODEL)),
            ("emerging issues (month)", lambda: emerging_issues(store, Query(period="month"), model=MODEL)),
        ]
        rows: list[tuple[str, str, str]] = []
        for name, fn in runs:
            cold, _ = timed(fn)
            warm = statistics.median(timed(fn)[0] for _ in range(args.repeat))
            rows.append((name, f"{cold:.3f}", f"{warm:.3f}"))
            results[f"{name} cold_s"] = cold
            results[f"{name} warm_s"] = warm
    results["peak_rss_mb"] = peak_rss_mb()
    width = max(len(r[0]) for r in rows)
    print(f"{n:,} predictions of {MODEL}, DuckDB threads={args.threads}")
    print(f"{'measurement':<{width}}  {'cold s':>8}  {'warm s':>8}")
    for name, cold_s, warm_s in rows:
        print(f"{name:<{width}}  {cold_s:>8}  {warm_s:>8}")
    print(f"peak RSS: {results['peak_rss_mb']:.0f} MB")
    return results


if __name__ == "__main__":
    main()
