"""Throughput of ``classify`` (normalisation + jieba + features + model + keywords).

    .venv/bin/python benchmarks/classify_bench.py [--model DIR] [--n 20000] [--workers 1 2] [--hmm on off]

Texts are real reviews (waimai_10k and online_shopping_10_cats, from --public-dir) cut
to 40 characters, or generated demo texts when the public data is absent. Prints one
row per (jieba HMM, batch size, workers) with texts/s and the peak RSS of the main
process (the workers' own memory is not included).
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jieba

from feedback_nlp.classification import Classification
from feedback_nlp.classifiers.artifacts import resolve_model
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.text import Segmenter

_JOB: Classification | None = None


def _init(model_path: str, hmm: bool = True) -> None:
    global _JOB
    segmenter = Segmenter(hmm=hmm)
    _JOB = Classification(load_classifier(model_path, segmenter=segmenter), segmenter)


def _classify(texts: list[str]) -> int:
    assert _JOB is not None
    return len(_JOB.classify(texts))


def texts_40(public_dir: Path, n: int) -> tuple[list[str], str]:
    try:
        import pandas as pd

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


def run(model_path: Path, texts: list[str], batch: int, workers: int, hmm: bool) -> float:
    batches = [texts[i : i + batch] for i in range(0, len(texts), batch)]
    if workers == 1:
        _init(str(model_path), hmm)
        _classify(batches[0])  # warm-up
        start = time.perf_counter()
        done = sum(_classify(b) for b in batches)
    else:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(model_path), hmm)) as pool:
            list(pool.map(_classify, batches[:workers]))  # warm-up: every worker loads its model
            start = time.perf_counter()
            done = sum(pool.map(_classify, batches))
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory or NAME[@VERSION] (default: newest)")
    parser.add_argument("--model-dir", type=Path, default=Path("models"))
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch", type=int, nargs="+", default=[1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--hmm", choices=["on", "off"], nargs="+", default=["on", "off"], help="jieba HMM")
    args = parser.parse_args()
    jieba.setLogLevel(logging.INFO)
    model_path = resolve_model(args.model, args.model_dir)
    texts, source = texts_40(args.public_dir, args.n)
    print(f"model {model_path}, {len(texts)} {source} of <= 40 characters\n")
    print(f"{'jieba HMM':>9} {'batch':>6} {'workers':>7} {'texts/s':>9} {'peak RSS MiB':>13}")
    for hmm in args.hmm:
        for batch in args.batch:
            for workers in args.workers:
                rate = run(model_path, texts, batch, workers, hmm == "on")
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"{hmm:>9} {batch:>6} {workers:>7} {rate:>9,.0f} {rss:>13,.0f}")


if __name__ == "__main__":
    main()
