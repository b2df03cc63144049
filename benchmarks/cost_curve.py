"""How cost grows with size: classify 10k / 100k / 1M texts, KPIs over 1M / 10M tickets.

    .venv/bin/python benchmarks/cost_curve.py                        # the issue's sizes
    .venv/bin/python benchmarks/cost_curve.py --texts 10000 100000 --tickets 1000000 --workers 1 2

Classify is the whole command a user runs, ``feedback-nlp classify --in F --out G``
(read → normalise → segment → features → predict → write JSON lines), in a child
process per size; its input is real reviews (waimai_10k, online_shopping_10_cats, cut to
40 characters, cycled to the size). KPIs are the full set (41 KPIs, last 12 months) on an
on-disk DuckDB store built by :mod:`benchmarks.analytics_store` (cached under
``benchmarks/out/``), cold (a fresh process) and warm (the median of three more calls),
through :mod:`benchmarks.kpi_bench`. Time is wall-clock seconds; peak memory is the
child's maximum resident set (``wait4``'s ``ru_maxrss``), so each row is one process's
own cost. Prints one table; ``--json`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.classify_bench import texts_40  # noqa: E402

OUT = Path(__file__).parent / "out"


def _run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of ``cmd`` run as a child process.

    ``wait4`` gives the child's peak resident set (with ``--workers``, the largest of it and
    its worker processes); ``subprocess`` would reap the child before we could ask.
    """
    started = time.perf_counter()
    out_path = OUT / f"cost-curve-{os.getpid()}.out"
    with open(out_path, "w", encoding="utf-8") as out_file:
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, out_file.fileno(), 1), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    out = out_path.read_text(encoding="utf-8")
    out_path.unlink()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed ({os.waitstatus_to_exitcode(status)})")
    return elapsed, usage.ru_maxrss / 1024, out


def classify_row(n: int, texts: list[str], model: str, workers: int) -> dict[str, float]:
    import pandas as pd

    src = OUT / f"cost-curve-{n}.csv"
    if not src.exists():
        reps = -(-n // len(texts))
        pd.DataFrame({"id": range(n), "text": (texts * reps)[:n]}).to_csv(src, index=False)
    dst = OUT / f"cost-curve-{n}.jsonl"
    cmd = [str(Path(sys.executable).with_name("feedback-nlp")), "classify", "--in", str(src), "--out", str(dst),
           "--model", model, "--no-progress", "--workers", str(workers)]
    elapsed, rss, _ = _run_measured(cmd)
    lines = sum(1 for _ in dst.open(encoding="utf-8"))
    dst.unlink()
    if lines != n:
        raise SystemExit(f"classify wrote {lines} lines for {n} texts")
    return {"n": n, "workers": workers, "seconds": elapsed, "texts_per_s": n / elapsed, "rss_mib": rss}


def kpi_row(n: int) -> dict[str, float]:
    from benchmarks.analytics_store import build_store

    started = time.perf_counter()
    db = build_store(OUT / f"analytics_{n}.duckdb", n_tickets=n, n_feedback=n, n_followups=n // 2, n_orders=n)
    built = time.perf_counter() - started
    cmd = [sys.executable, str(ROOT / "benchmarks" / "kpi_bench.py"), "--child", str(db), "--scenario", "full set"]
    _, rss, out = _run_measured(cmd)
    figures = json.loads(out.strip().splitlines()[-1])
    return {"n": n, "cold": figures["cold"], "warm": figures["warm"], "rss_mib": rss,
            "db_mib": db.stat().st_size / 2**20, "store_build_s": built}


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--tickets", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--model", default="baseline", help="model NAME[@VERSION] or directory for classify")
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict[str, list[dict[str, float]]] = {"classify": [], "kpis": []}
    if args.texts:
        texts, source = texts_40(args.public_dir, 20_000)
        print(f"classify: `feedback-nlp classify --model {args.model}`, {source}, end to end, one process per row")
        print(f"{'texts':>10} {'workers':>8} {'seconds':>9} {'texts/s':>9} {'peak RSS MiB':>13}")
        for n in args.texts:
            for workers in args.workers:
                row = classify_row(n, texts, args.model, workers)
                result["classify"].append(row)
                print(f"{n:>10,} {workers:>8} {row['seconds']:>9.1f} {row['texts_per_s']:>9,.0f} "
                      f"{row['rss_mib']:>13,.0f}", flush=True)
    if args.tickets:
        print("\nKPIs: the full set (41 KPIs, 12 months), DuckDB on disk, 2 threads, 1 GB cap")
        print(f"{'tickets':>12} {'cold s':>8} {'warm s':>8} {'peak RSS MiB':>13} {'store MiB':>10} {'build s':>8}")
        for n in args.tickets:
            row = kpi_row(n)
            result["kpis"].append(row)
            print(f"{n:>12,} {row['cold']:>8.2f} {row['warm']:>8.2f} {row['rss_mib']:>13,.0f} "
                  f"{row['db_mib']:>10,.0f} {row['store_build_s']:>8.0f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
