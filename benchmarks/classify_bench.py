"""Throughput of ``classify`` end to end: read → normalise → segment → features → predict → write.

    .venv/bin/python benchmarks/classify_bench.py [--model DIR] [--n 20000] [--workers 1 2] [--hmm on off]
                                                  [--rounds 2] [--gold training/gold/real_gold.csv]

Texts are real reviews (waimai_10k and online_shopping_10_cats, from --public-dir) cut
to 40 characters, or generated demo texts when the public data is absent, written to a
CSV; each run is :func:`feedback_nlp.classification.classify_file` from that CSV to JSON
lines (model loaded beforehand, as ``feedback-nlp classify`` loads it once; with
``--workers`` the pool is started inside the run, as the command does). Two paths:

* ``fast``: the product (jieba-rs through FastCut when rjieba is installed, batch feature
  counting, one product for all heads, texts normalised once, JSON written by the workers);
* ``jieba``: the path before issue 18 inside the same ``classify_file``: jieba alone,
  scikit-learn's ``transform``, one product per head, texts normalised a second time.

They run interleaved, ``--rounds`` times each, so that load from other processes slows
both alike; the ratio (fast / jieba at the same workers) is the figure to compare. Prints
one row per (HMM, workers, path) with texts/s (wall clock), texts per CPU-second (all
processes: what each busy core delivers, whatever the load from others; on idle cores
``--workers N`` approaches N times it) and the peak RSS of the main process (the workers'
own memory is not included), then whether both paths wrote identical output files and,
when the gold set and the public data are there, gave the same labels and scores on
every gold text.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import jieba
import pandas as pd
import scipy.sparse as sp

from feedback_nlp.classification import Classification, classify_file
from feedback_nlp.classifiers.artifacts import resolve_model
from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.text import Segmenter


class TodaysTfidf(TfidfClassifier):
    """The baseline as it predicted before issue 18 (the reference of the ratio)."""

    predict_proba_normalised = None  # type: ignore[assignment]  # classify then normalises a second time

    def _features(self, texts: list[str], tokens: list[Any]) -> sp.csr_matrix:
        return sp.hstack(
            [self.char_vectorizer_.transform(texts), self.word_vectorizer_.transform(tokens)], format="csr"
        )

    def _proba_from_features(self, features: sp.csr_matrix, index: pd.Index | None) -> dict[str, pd.DataFrame]:
        return {head: pd.DataFrame(weights.proba(features), columns=self._codes(head), index=index)
                for head, weights in self.heads_.items()}  # fmt: skip


def texts_40(public_dir: Path, n: int) -> tuple[list[str], str]:
    try:
        frames = [
            pd.read_csv(public_dir / f)["review"] for f in ("waimai_10k.csv.gz", "online_shopping_10_cats.csv.gz")
        ]
        texts = [t[:40] for t in pd.concat(frames).dropna().astype(str) if len(t) >= 20]
        source = "real reviews"
    except FileNotFoundError:
        from feedback_nlp.datasets.corpus import demo_corpus

        texts = [t[:40] for t in demo_corpus(n, seed=9)["text"]]
        source = "demo texts"
    texts = (texts * (n // max(len(texts), 1) + 1))[:n]
    return texts, source


def job_for(model_path: Path, path: str, hmm: bool) -> Classification:
    if path == "fast":
        segmenter = Segmenter(hmm=hmm)
        return Classification(load_classifier(model_path, segmenter=segmenter), segmenter)
    segmenter = Segmenter(hmm=hmm, fast=False)
    return Classification(TodaysTfidf.load(model_path, segmenter=segmenter), segmenter)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def seconds(job: Classification, source: Path, out: Path, batch: int, workers: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all processes) of one classify_file run."""
    start, cpu = time.perf_counter(), _cpu()
    classify_file(job, source, out, batch_size=batch, progress=False, workers=workers)
    return time.perf_counter() - start, _cpu() - cpu


def gold_check(jobs: dict[str, Classification], gold: Path, public_dir: Path) -> str:
    from feedback_nlp.datasets.public import load_gold

    try:
        texts = load_gold(gold, public_dir)["text"].tolist()
    except Exception as exc:  # no gold file or no public data here: say so, the table stands
        return f"gold set: not checked ({exc})"
    fast, today = (jobs[path].classify(texts) for path in ("fast", "jieba"))
    keys = ("fault_types", "primary_fault", "sentiment", "aspects")
    same_labels = sum(all(a[k] == b[k] for k in keys) for a, b in zip(fast, today, strict=True))
    same_records = sum(a == b for a, b in zip(fast, today, strict=True))
    return (f"gold set {gold} ({len(texts)} texts): same labels for {same_labels}, identical records "
            f"(labels, scores, tokens, keywords) for {same_records}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory or NAME[@VERSION] (default: newest)")
    parser.add_argument("--model-dir", type=Path, default=Path("models"))
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--gold", type=Path, default=Path("training/gold/real_gold.csv"))
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2, help="runs of each path, interleaved")
    parser.add_argument("--hmm", choices=["on", "off"], nargs="+", default=["on"], help="jieba HMM")
    args = parser.parse_args()
    jieba.setLogLevel(logging.INFO)
    model_path = resolve_model(args.model, args.model_dir)
    texts, source = texts_40(args.public_dir, args.n)
    print(f"model {model_path}, {len(texts)} {source} of <= 40 characters, batches of {args.batch}, "
          f"{args.rounds} interleaved rounds\n")  # fmt: skip
    print(f"{'jieba HMM':>9} {'workers':>7} {'path':<6} {'texts/s':>9} {'ratio':>6} {'texts/CPU-s':>11} "
          f"{'ratio':>6} {'peak RSS MiB':>13}")  # fmt: skip
    outputs: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        source_csv = Path(tmp) / "texts.csv"
        pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(source_csv, index=False)
        for hmm in args.hmm:
            jobs = {path: job_for(model_path, path, hmm == "on") for path in ("jieba", "fast")}
            for job in jobs.values():
                job.classify(texts[: args.batch])  # warm-up: memos, caches, the counter's hash table
            for workers in args.workers:
                spent = {"jieba": 0.0, "fast": 0.0}
                cpu = {"jieba": 0.0, "fast": 0.0}
                for _ in range(args.rounds):
                    for path, job in jobs.items():
                        wall, used = seconds(job, source_csv, Path(tmp) / f"{path}.jsonl", args.batch, workers)
                        spent[path] += wall
                        cpu[path] += used
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                same_file = (Path(tmp) / "fast.jsonl").read_bytes() == (Path(tmp) / "jieba.jsonl").read_bytes()
                outputs.append(f"HMM {hmm}, {workers} workers: output files {'identical' if same_file else 'DIFFER'}")
                for path in ("jieba", "fast"):
                    rate, cpu_rate = (args.rounds * len(texts) / t for t in (spent[path], cpu[path]))
                    ratio, cpu_ratio = spent["jieba"] / spent[path], cpu["jieba"] / cpu[path]
                    print(f"{hmm:>9} {workers:>7} {path:<6} {rate:>9,.0f} {ratio:>5.2f}x {cpu_rate:>11,.0f} "
                          f"{cpu_ratio:>5.2f}x {rss:>13,.0f}")  # fmt: skip
            if hmm == args.hmm[0]:
                gold_line = gold_check(jobs, args.gold, args.public_dir)
    print("\n" + "\n".join(outputs))
    print(gold_line)


if __name__ == "__main__":
    main()
