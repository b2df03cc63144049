"""How the real-text label batch of ``training/labels/`` was chosen (reproducible).

The public sets were pooled (gold and holdout texts removed) and picked with the
product's own loop, ``feedback_nlp.labelling.suggest``, using the baseline trained on
the rule-labelled corpus (``feedback-nlp train --minutes 0``):

- appliance / phone / computer / tablet reviews first: ``uncertainty`` (the baseline's
  smallest margins) and ``diverse`` (one text per TF-IDF cluster);
- 车质网 complaint titles: at least 30 of every system letter, the rest by uncertainty;
- delivery and hotel reviews: uncertainty and diverse picks (service aspects);
- other review categories: a small diverse pick (texts without faults);
- label coverage: for every fault type, aspect and the neutral class, the texts the
  baseline scores highest for it (class-balanced sampling, so rare labels reach 60+).

It writes ``batch.csv`` (pointers + text, for the labellers; the texts never enter the
repository) and prints the counts. Labellers saw the texts only, never a model's labels.

    python training/labels/select_batch.py --model models/baseline/v1 --out /tmp/lab/batch.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets import public
from feedback_nlp.labelling import suggest, text_key

HERE = Path(__file__).resolve().parent


def pool(public_dir: Path, held_out: list[Path]) -> pd.DataFrame:
    frames = [public.read_raw(public_dir, name) for name in
              ("online_shopping_10_cats", "waimai_10k", "ChnSentiCorp_htl_all", "car_complaints_12365auto")]
    frame = pd.concat(frames, ignore_index=True)
    frame["cat"] = frame["cat"].fillna("")
    frame = frame[frame["text"].str.len().between(4, 300)]
    excluded = set()
    for path in held_out:
        excluded |= {text_key(t) for t in public.load_gold(path, public_dir)["text"]}
    frame = frame.assign(key=frame["text"].map(text_key))
    frame = frame[~frame["key"].isin(excluded)].drop_duplicates("key").reset_index(drop=True)
    return frame[["dataset", "row_id", "cat", "text", "key", "problem"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--exclude", type=Path, nargs="*", default=[], help="Label files whose texts to skip.")
    args = parser.parse_args()
    model = load_classifier(args.model)
    gold = HERE.parent / "gold"
    frame = pool(args.public_dir, [gold / "real_gold.csv", gold / "real_holdout.csv"])
    taken: set[str] = set()
    for path in args.exclude:
        taken |= set(pd.read_csv(path, dtype=str)["text_hash_full"]) if path.exists() else set()
    picks = []

    def take(sub: pd.DataFrame, n: int, strategy: str, why: str) -> None:
        if n <= 0 or sub.empty:
            return
        chosen = suggest(sub, n=n, strategy=strategy, model=model, exclude=taken)
        chosen["why"] = why
        taken.update(chosen["key"])
        picks.append(chosen)

    products = frame[frame["cat"].isin(public.PRODUCT_CATEGORIES)]
    take(products, 1000, "uncertainty", "products:uncertainty")
    take(products, 600, "diverse", "products:diverse")
    cars = frame[frame["dataset"] == "car_complaints_12365auto"].copy()
    cars["letters"] = cars["problem"].map(public.car_letters)
    for letter in public.CAR_LETTER_NAMES:
        has = cars[cars["letters"].map(lambda ls, x=letter: x in ls) & ~cars["key"].isin(taken)]
        take(has, min(30, len(has)), "diverse", f"car:{letter}")
    take(cars, 120, "uncertainty", "car:uncertainty")
    waimai = frame[frame["dataset"] == "waimai_10k"]
    take(waimai, 250, "uncertainty", "waimai:uncertainty")
    take(waimai, 200, "diverse", "waimai:diverse")
    hotels = frame[(frame["dataset"] == "ChnSentiCorp_htl_all") | (frame["cat"] == "酒店")]
    take(hotels, 200, "uncertainty", "hotel:uncertainty")
    take(hotels, 150, "diverse", "hotel:diverse")
    shopping = frame["dataset"] == "online_shopping_10_cats"
    other = frame[shopping & ~frame["cat"].isin(public.PRODUCT_CATEGORIES | {"酒店"})]
    take(other, 250, "diverse", "other:diverse")

    # coverage: the texts the baseline scores highest for each label (not yet taken)
    rest = frame[~frame["key"].isin(taken)].reset_index(drop=True)
    proba = model.predict_proba(rest["text"].tolist())
    wanted = [("fault_types", c, 70) for c in model.taxonomy_.fault_types.codes if c != "none"]
    wanted += [("aspects", c, 60) for c in model.taxonomy_.aspects.codes] + [("sentiment", "neutral", 350)]
    for head, code, n in wanted:
        scores = proba[head][code].to_numpy()
        order = [i for i in np.argsort(-scores) if rest.at[i, "key"] not in taken][:n]
        chosen = rest.iloc[order].assign(strategy="coverage", score=scores[order], cluster=-1, why=f"cover:{code}")
        taken.update(chosen["key"])
        picks.append(chosen)
    batch = pd.concat(picks, ignore_index=True)
    batch["text_hash"] = batch["text"].map(public.text_hash)
    batch = batch.sample(frac=1.0, random_state=0).reset_index(drop=True)  # labellers see no strategy order
    args.out.parent.mkdir(parents=True, exist_ok=True)
    batch[["dataset", "row_id", "text_hash", "key", "why", "text"]].to_csv(args.out, index=False)
    print(batch["why"].str.split(":").str[0].value_counts().to_string())
    print(batch["dataset"].value_counts().to_string())
    print(f"{len(batch)} texts written to {args.out}")


if __name__ == "__main__":
    main()
