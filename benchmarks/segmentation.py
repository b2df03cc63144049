"""Segmentation speed: jieba against jieba-rs (rjieba, through FastCut), same dictionary, same words.

    .venv/bin/python benchmarks/segmentation.py [--n 100000] [--hmm on off] [--public-dir ../shared/data/public]

Texts: every text of the public data sets (~97k reviews and complaints, read from
--public-dir, normalised as classify does), repeated to --n. Both segmenters are the
product's :class:`Segmenter` with the shipped user dictionary, one with ``fast=False``
(jieba alone, the reference). They run interleaved, chunk by chunk, so that load from
other processes slows both alike; the ratio is the figure to compare across machines.
Prints one row per (HMM, segmenter): texts/s, ratio to jieba, share of texts cut into
exactly jieba's words, and the share that FastCut handed to jieba.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import jieba

from feedback_nlp.datasets import public
from feedback_nlp.text import Segmenter, normalise
from feedback_nlp.text.fast_cut import fast_cut_available

CHUNK = 2000


def real_texts(public_dir: Path, n: int) -> list[str]:
    texts = [normalise(text) for name in public.FILES for text in public.read_raw(public_dir, name)["text"]]
    return (texts * (n // len(texts) + 1))[:n]


def compare(texts: list[str], hmm: bool) -> list[tuple[str, float, float, float, float]]:
    reference, fast = Segmenter(hmm=hmm, fast=False), Segmenter(hmm=hmm)
    seconds = {"jieba": 0.0, "rjieba": 0.0}
    same = 0
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        began = time.perf_counter()
        expected = [reference.cut(text) for text in chunk]
        seconds["jieba"] += time.perf_counter() - began
        began = time.perf_counter()
        got = [fast.cut(text) for text in chunk]
        seconds["rjieba"] += time.perf_counter() - began
        same += sum(a == b for a, b in zip(expected, got, strict=True))
    fast_cut = fast._loaded.fast_cut
    routed = 100.0 * sum(fast_cut.needs_jieba(t, hmm) for t in texts) / len(texts) if fast_cut else 100.0
    n = len(texts)
    jieba_rate = n / seconds["jieba"]
    return [
        ("jieba", jieba_rate, 1.0, 100.0, 100.0),
        (f"{fast.engine} (FastCut)", n / seconds["rjieba"], seconds["jieba"] / seconds["rjieba"], 100.0 * same / n,
         routed),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--hmm", choices=["on", "off"], nargs="+", default=["on", "off"], help="jieba HMM")
    args = parser.parse_args()
    jieba.setLogLevel(logging.INFO)
    if not fast_cut_available():
        raise SystemExit("rjieba is not installed: pip install rjieba==0.2.2")
    texts = real_texts(args.public_dir, args.n)
    print(f"{len(texts):,} real texts, {sum(map(len, texts)) / len(texts):.0f} characters on average, "
          f"interleaved in chunks of {CHUNK:,}\n")  # fmt: skip
    print(f"{'HMM':>3}  {'segmenter':<18} {'texts/s':>9} {'ratio':>6} {'identical tokens %':>19} {'to jieba %':>10}")
    for hmm in args.hmm:
        for name, rate, ratio, same, routed in compare(texts, hmm == "on"):
            print(f"{hmm:>3}  {name:<18} {rate:>9,.0f} {ratio:>5.2f}x {same:>19.3f} {routed:>10.2f}")


if __name__ == "__main__":
    main()
