"""The baseline on public benchmarks, next to the figures others report.

    .venv/bin/python benchmarks/public_sets.py [--public-dir ../shared/data/public] [--only chnsenticorp chezhi-date]

Each row trains a fresh TF-IDF + logistic-regression model (the product's baseline
class, default parameters) on the set's training part and scores it on its test part:

- ``chnsenticorp``: published train / dev / test splits, sentiment only (accuracy).
- ``online_shopping`` and ``waimai``: sentiment, random 80/20 split (seed 42).
- ``chezhi-random``: 车质网 titles → system letters A–O, random 80/20 split (seed 42).
- ``chezhi-date``: the same by date, earlier 80 % train, later 20 % test (the README's
  worked example; harder, as production is).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import jieba
import pandas as pd

from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.datasets import public
from feedback_nlp.text import Segmenter
from feedback_nlp.training import evaluate_model

REPORTED = {  # shared/data/public/README.md: TF-IDF (char 1-3) + logistic regression
    "chnsenticorp": "92.25 acc",
    "online_shopping": "93.4 acc",
    "waimai": "89.5 acc",
    "chezhi-random": "78.9 / 65.3",
    "chezhi-date": "-",
}


def _random_split(frame: pd.DataFrame, seed: int = 42) -> dict[str, pd.DataFrame]:
    test = frame.sample(frac=0.2, random_state=seed)
    train = frame.drop(test.index)
    valid = train.sample(frac=0.1, random_state=seed)
    return {"train": train.drop(valid.index), "valid": valid, "test": test}


def _by_split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {s: frame[frame["split"] == s].reset_index(drop=True) for s in ("train", "valid", "test")}


def load(name: str, public_dir: Path):
    if name == "chnsenticorp":
        return _by_split(public.chnsenticorp_corpus(public_dir)), public.sentiment_taxonomy()
    if name in ("online_shopping", "waimai"):
        file = "online_shopping_10_cats" if name == "online_shopping" else "waimai_10k"
        raw = public.read_raw(public_dir, file)
        raw["sentiment"] = raw["label"].map({1: "positive", 0: "negative"})
        frame = raw[["text", "sentiment"]].reset_index(drop=True)
        return _random_split(frame), public.sentiment_taxonomy()
    corpus = public.car_letters_corpus(public_dir)
    if name == "chezhi-random":
        return _random_split(corpus.drop(columns=["split"]).reset_index(drop=True)), public.car_letter_taxonomy()
    return _by_split(corpus), public.car_letter_taxonomy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--only", nargs="+", default=list(REPORTED), choices=list(REPORTED))
    args = parser.parse_args()
    jieba.setLogLevel(logging.INFO)
    segmenter = Segmenter()
    rows = []
    for name in args.only:
        sets, taxonomy = load(name, args.public_dir)
        start = time.perf_counter()
        model = TfidfClassifier(taxonomy, segmenter=segmenter)
        model.fit(sets["train"]["text"].tolist(), sets["train"], X_valid=sets["valid"]["text"].tolist(),
                  y_valid=sets["valid"])  # fmt: skip
        seconds = time.perf_counter() - start
        summary = evaluate_model(model, sets["test"]).summary()
        if "sentiment_accuracy" in summary:
            ours = f"{100 * summary['sentiment_accuracy']:.2f} acc"
        else:
            ours = f"{100 * summary['fault_micro_f1']:.1f} / {100 * summary['fault_macro_f1']:.1f}"
        rows.append((name, len(sets["train"]), len(sets["test"]), ours, REPORTED[name], f"{seconds:.0f}"))
        print(f"done {name}: {ours}", flush=True)
    header = ("set", "train", "test", "ours (acc or micro/macro F1)", "others report", "train s")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
