"""Time the full KPI set on a large store: cold and warm, ungrouped, by region, by month.

    .venv/bin/python benchmarks/kpi_bench.py                 # 1M tickets, 1M feedback, 0.5M follow-ups, 1M orders
    .venv/bin/python benchmarks/kpi_bench.py --tickets 200000 --profile

The store is built once by :func:`benchmarks.analytics_store.build_store` and cached
under benchmarks/out/ (gitignored). Each measurement runs in a fresh child process:
"cold" is its first call (fresh connection, nothing cached by DuckDB), "warm" the
median of three more calls in the same process; cold is the median over three
children. DuckDB runs with 2 threads and the product's 1 GB memory cap; peak RSS is
the largest child's. ``--profile`` adds the warm time of each KPI family. Themes
(top_fault_themes, emerging_themes) come from feedback_nlp.themes and are timed
separately, since they are not this benchmark's code.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = Path(__file__).parent / "out"
THEMES = ("top_fault_themes", "emerging_themes")
SCENARIOS: dict[str, dict[str, str | None]] = {
    "full set": {},
    "by region": {"group_by": "region"},
    "by month": {"period": "month"},
}


def _child(db: str, scenario: str, with_themes: bool, profile: bool) -> None:
    """Run in a subprocess: print JSON with cold, warm times and peak RSS."""
    from feedback_nlp.kpis import KPI_IDS, Query, compute_kpis
    from feedback_nlp.kpis.compute import FAMILIES
    from feedback_nlp.store import Store

    ids = list(THEMES) if with_themes else [i for i in KPI_IDS if i not in THEMES]
    query = Query(start="2025-11-01", end="2026-10-31", **SCENARIOS[scenario])  # the last 12 months
    with Store(db, read_only=True, memory_limit="1GB") as store:
        store.connection().execute("SET threads = 2")
        times = []
        for _ in range(4):
            started = time.perf_counter()
            report = compute_kpis(store, query, ids=ids)
            times.append(time.perf_counter() - started)
        families = {}
        if profile:
            for family_ids, _run in FAMILIES:
                asked = [i for i in family_ids if i in ids]
                if asked:
                    started = time.perf_counter()
                    compute_kpis(store, query, ids=asked)
                    families[",".join(asked)] = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cold": times[0], "warm": statistics.median(times[1:]), "rss_mb": rss_mb,
                      "results": len(report.results), "families": families}))


def _measure(db: Path, scenario: str, *, with_themes: bool, profile: bool, repeats: int = 3) -> dict:
    runs = []
    for i in range(repeats):
        cmd = [sys.executable, __file__, "--child", str(db), "--scenario", scenario]
        if with_themes:
            cmd.append("--themes")
        if profile and i == 0:
            cmd.append("--profile")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"cold": statistics.median(r["cold"] for r in runs), "warm": statistics.median(r["warm"] for r in runs),
            "rss_mb": max(r["rss_mb"] for r in runs), "results": runs[0]["results"], "families": runs[0]["families"]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets; feedback = orders = tickets, "
                        "follow-ups = tickets / 2")
    parser.add_argument("--profile", action="store_true", help="also time each KPI family (warm)")
    parser.add_argument("--no-themes", action="store_true", help="skip timing the themes KPIs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", default="full set", help=argparse.SUPPRESS)
    parser.add_argument("--themes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.scenario, args.themes, args.profile)
        return {}

    from benchmarks.analytics_store import build_store

    n = args.tickets
    started = time.perf_counter()
    db = build_store(OUT / f"analytics_{n}.duckdb", n_tickets=n, n_feedback=n, n_followups=n // 2, n_orders=n)
    print(f"store {db} ready in {time.perf_counter() - started:.1f}s "
          f"({n:,} tickets, {n:,} feedback + predictions, {n // 2:,} follow-ups, {n:,} orders)")
    print("window 2025-11-01 … 2026-10-31; 2 DuckDB threads, 1GB DuckDB memory cap")
    print(f"{'scenario':<28}{'results':>8}{'cold s':>9}{'warm s':>9}{'peak RSS MB':>13}")
    summary: dict[str, dict] = {}
    for scenario in SCENARIOS:
        m = _measure(db, scenario, with_themes=False, profile=args.profile and scenario == "full set")
        summary[scenario] = m
        print(f"{scenario + ' (41 KPIs)':<28}{m['results']:>8}{m['cold']:>9.2f}{m['warm']:>9.2f}{m['rss_mb']:>13.0f}")
    if not args.no_themes:
        m = _measure(db, "full set", with_themes=True, profile=False)
        summary["themes"] = m
        print(f"{'themes (2 KPIs)':<28}{m['results']:>8}{m['cold']:>9.2f}{m['warm']:>9.2f}{m['rss_mb']:>13.0f}")
    families = summary["full set"]["families"]
    if families:
        print("\nwarm seconds per KPI family (full set):")
        for name, seconds in sorted(families.items(), key=lambda kv: -kv[1]):
            print(f"  {seconds:6.3f}  {name}")
    return summary


if __name__ == "__main__":
    main()
