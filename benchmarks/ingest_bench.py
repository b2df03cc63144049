"""Ingest throughput and peak memory on large generated tickets CSVs.

    .venv/bin/python benchmarks/ingest_bench.py            # 100k and 1M rows
    .venv/bin/python benchmarks/ingest_bench.py --rows 200000 1000000 2000000

Each size is ingested in a fresh subprocess into a fresh store. Peak resident memory
is the maximum over the child processes so far (sizes run smallest first), so a flat
column means memory does not grow with the file. DuckDB may use up to its memory cap
(--db-memory-limit, default 1GB as in the product) for the upsert's joins. Files are generated once and cached under
benchmarks/out/. The files use Chinese headers and the mixed formats of real exports
(three date styles, ￥ amounts, 是/否, Chinese enums) and ~0.5% invalid rows, so the
full validation path runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "out"
HEADER = ["工单号", "客户编号", "报修时间", "首次响应时间", "解决时间", "关闭时间", "工单状态", "渠道", "产品线",
          "产品型号", "序列号", "购买日期", "区域", "工程师编号", "服务团队", "故障类型", "严重程度", "上门次数",
          "首次修复", "重开次数", "是否投诉", "是否退货", "人工成本", "材料成本", "物流成本", "其他成本", "服务收入"]


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` tickets in blocks (the generator itself stays small in memory)."""
    rng = np.random.default_rng(seed)
    block = 200_000
    start = pd.Timestamp("2024-01-01")
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for lo in range(0, rows, block):
            n = min(block, rows - lo)
            ids = np.arange(lo, lo + n)
            created = start + pd.to_timedelta(rng.integers(0, 700 * 86400, n), unit="s")
            response = created + pd.to_timedelta(rng.lognormal(0.3, 0.8, n), unit="h")
            resolved = response + pd.to_timedelta(rng.lognormal(3.0, 0.9, n), unit="h")
            closed = resolved + pd.to_timedelta(rng.integers(1, 72, n), unit="h")
            style = rng.integers(0, 3, n)
            created_s = np.where(style == 0, created.strftime("%Y-%m-%d %H:%M:%S"),
                                 np.where(style == 1, created.strftime("%Y/%-m/%-d %H:%M:%S"),
                                          created.strftime("%Y年%-m月%-d日 %H:%M")))
            cost = rng.gamma(2.0, 80.0, n).round(2)
            frame = pd.DataFrame({
                "工单号": [f"T{i:08d}" for i in ids],
                "客户编号": [f"C{i:07d}" for i in rng.integers(0, rows // 2 + 1, n)],
                "报修时间": created_s,
                "首次响应时间": response.strftime("%Y-%m-%d %H:%M:%S"),
                "解决时间": resolved.strftime("%Y-%m-%d %H:%M:%S"),
                "关闭时间": closed.strftime("%Y-%m-%d %H:%M:%S"),
                "工单状态": rng.choice(["已关闭", "已解决", "处理中", "closed"], n, p=[0.6, 0.25, 0.1, 0.05]),
                "渠道": rng.choice(["电话", "在线", "App", "门店"], n),
                "产品线": rng.choice(["空调", "冰箱", "洗衣机", "手机", "汽车"], n),
                "产品型号": rng.choice(["KFR-35GW", "BCD-470", "XQG100", "X7 Pro", "星越L"], n),
                "序列号": [f"SN{i:010d}" for i in rng.integers(0, rows, n)],
                "购买日期": (created - pd.to_timedelta(rng.integers(1, 900, n), unit="D")).strftime("%Y-%m-%d"),
                "区域": rng.choice(["华东", "华南", "华北", "西南"], n),
                "工程师编号": [f"E{i:04d}" for i in rng.integers(0, 800, n)],
                "服务团队": rng.choice(["一组", "二组", "三组"], n),
                "故障类型": rng.choice(["制冷/制热/温控", "噪音/异响/振动", "", "漏水/渗漏"], n),
                "严重程度": rng.choice(["轻微", "一般", "严重", "致命"], n),
                "上门次数": rng.integers(0, 4, n),
                "首次修复": rng.choice(["是", "否", "Y", "N"], n),
                "重开次数": rng.integers(0, 3, n),
                "是否投诉": rng.choice(["是", "否"], n, p=[0.1, 0.9]),
                "是否退货": rng.choice(["否", "是"], n, p=[0.97, 0.03]),
                "人工成本": np.where(rng.random(n) < 0.3, [f"￥{c:,.2f}" for c in cost], cost.astype(str)),
                "材料成本": rng.gamma(1.5, 60.0, n).round(2),
                "物流成本": rng.gamma(1.0, 15.0, n).round(2),
                "其他成本": np.zeros(n),
                "服务收入": rng.gamma(1.0, 50.0, n).round(2),
            })
            bad = rng.random(n) < 0.005
            frame.loc[bad, "人工成本"] = "-12"
            frame.to_csv(fh, header=False, index=False)


def run_one(path: Path, db: Path, memory_limit: str) -> dict[str, float]:
    """Ingest in a child process; return its rows/s and peak RSS."""
    code = (
        "import json, time, sys\n"
        "from feedback_nlp.store import Store\n"
        "from feedback_nlp.ingest import ingest_file\n"
        f"store = Store({str(db)!r}, memory_limit={memory_limit!r})\n"
        f"t = time.perf_counter(); r = ingest_file(store, 'tickets', {str(path)!r})\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'read': r.rows_read, 'inserted': r.inserted,"
        " 'rejected': r.rejected}))\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the max over all children so far; sizes run in increasing order.
    result["peak_mib"] = max(peak_kib, before) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db-memory-limit", default="1GB", help="DuckDB memory cap (FEEDBACK_NLP_DB_MEMORY_LIMIT)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in sorted(args.rows):
        path = OUT / f"tickets_{rows}.csv"
        if not path.exists():
            t = time.perf_counter()
            make_csv(path, rows)
            print(f"generated {path} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        db = OUT / f"bench_{rows}.duckdb"
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
        r = run_one(path, db, args.db_memory_limit)
        results.append((rows, path.stat().st_size / 2**20, r))
    print(f"\nDuckDB memory limit {args.db_memory_limit}; peak RSS is the whole ingest process")
    print(f"{'rows':>10} {'file MiB':>9} {'seconds':>8} {'rows/s':>9} {'rejected':>9} {'peak RSS MiB':>13}")
    for rows, mib, r in results:
        print(f"{rows:>10,} {mib:>9.0f} {r['seconds']:>8.1f} {r['read'] / r['seconds']:>9,.0f} "
              f"{r['rejected']:>9,} {r['peak_mib']:>13.0f}")


if __name__ == "__main__":
    main()
