"""The baseline (and optionally the fine-tuned transformer) on public benchmarks, next to the figures others report.

    .venv/bin/python benchmarks/public_sets.py [--public-dir ../shared/data/public] [--only chnsenticorp chezhi-date]
    .venv/bin/python benchmarks/public_sets.py --only chnsenticorp --transformer [--n-layers 4 --max-length 128
        --epochs 2 --max-minutes 30 --learning-rate 2e-4 --base-model models/base/e5-small-zh]

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
from typing import Any

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


def _score(model: Any, test: pd.DataFrame) -> str:
    summary = evaluate_model(model, test).summary()
    if "sentiment_accuracy" in summary:
        return f"{100 * summary['sentiment_accuracy']:.2f} acc"
    return f"{100 * summary['fault_micro_f1']:.1f} / {100 * summary['fault_macro_f1']:.1f}"


def _finetune(args: argparse.Namespace, sets: dict[str, pd.DataFrame], taxonomy: Any,
              baseline: TfidfClassifier) -> tuple[str, str, float]:
    """Fine-tune the transformer on the set; its test score alone and blended with ``baseline``."""
    from feedback_nlp.classifiers.transformer import FinetuneConfig, TransformerClassifier
    from feedback_nlp.encoder.convert import ensure_base_model

    base = ensure_base_model(args.base_model)
    config = FinetuneConfig(n_layers=args.n_layers, max_length=args.max_length, epochs=args.epochs,
                            max_minutes=args.max_minutes, learning_rate=args.learning_rate,
                            head_learning_rate=args.head_learning_rate, random_state=0)  # fmt: skip
    start = time.perf_counter()
    model = TransformerClassifier(taxonomy, base_model=base, name="bench", config=config)
    valid_texts = sets["valid"]["text"].tolist()
    model.fit(sets["train"]["text"].tolist(), sets["train"], X_valid=valid_texts, y_valid=sets["valid"])
    seconds = time.perf_counter() - start
    alone = _score(model, sets["test"])
    model.blend_with(baseline, valid_texts, sets["valid"])
    return alone, _score(model, sets["test"]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--only", nargs="+", default=list(REPORTED), choices=list(REPORTED))
    parser.add_argument("--transformer", action="store_true", help="Also fine-tune and score the transformer.")
    parser.add_argument("--base-model", type=Path, default=Path("models/base/e5-small-zh"))
    parser.add_argument("--n-layers", type=int, default=4, help="Encoder layers kept (transformer).")
    parser.add_argument("--max-length", type=int, default=128, help="Tokens per text (transformer).")
    parser.add_argument("--epochs", type=int, default=2, help="Epochs at most (transformer).")
    parser.add_argument("--max-minutes", type=float, default=None, help="Training budget (transformer).")
    parser.add_argument("--learning-rate", type=float, default=2e-4, help="Encoder learning rate (transformer).")
    parser.add_argument("--head-learning-rate", type=float, default=2e-3, help="Heads' learning rate (transformer).")
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
        ours = _score(model, sets["test"])
        row = [name, len(sets["train"]), len(sets["test"]), ours, REPORTED[name], f"{seconds:.0f}"]
        if args.transformer:
            alone, blended, tuned_s = _finetune(args, sets, taxonomy, model)
            row += [alone, blended, f"{tuned_s:.0f}"]
            print(f"done {name}: baseline {ours}, transformer {alone}, blended {blended}", flush=True)
        else:
            print(f"done {name}: {ours}", flush=True)
        rows.append(tuple(row))
    header: tuple[str, ...] = ("set", "train", "test", "TF-IDF (acc or micro/macro F1)", "others report", "train s")
    if args.transformer:
        header += (f"transformer ({args.n_layers} layers)", "blended", "fine-tune s")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
