"""How the real-text gold and holdout samples were drawn (kept for the record; re-running reproduces the ids).

    python training/gold/sample_gold.py --public-dir ../shared/data/public --out /tmp/gold_sample.csv
    python training/gold/sample_gold.py --set holdout --public-dir ../shared/data/public --out /tmp/holdout_sample.csv

Writes the texts to label *outside* the repository; only (dataset, row_id, text_hash,
labels) are committed, in ``real_gold.csv`` and ``real_holdout.csv``. The holdout sample uses
other seeds and never repeats a gold text. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


#: Per set: (seed, shopping negatives and positives per category, per service set, car complaints).
SETS = {"gold": (7, 32, 14, 15, 88), "holdout": (23, 24, 10, 20, 80)}


def sample(public_dir: Path, which: str = "gold") -> pd.DataFrame:
    seed, shop_neg, shop_pos, per_service, n_cars = SETS[which]
    if which != "gold":  # never a text of the gold set
        gold = sample(public_dir, "gold")
        taken = set(zip(gold.dataset, gold.row_id, strict=True)) | {("text", t) for t in gold.text}
    else:
        taken = set()
    rows = []
    shop = pd.read_csv(public_dir / "online_shopping_10_cats.csv.gz")
    shop["row_id"] = range(len(shop))
    shop = shop[shop.review.notna()]
    shop = shop[shop.review.str.len().between(8, 200)].drop_duplicates("review")
    for cat in ["热水器", "手机", "计算机", "平板"]:
        for label, n in [(0, shop_neg), (1, shop_pos)]:
            pool = shop[(shop.cat == cat) & (shop.label == label)]
            pool = pool[[("online_shopping_10_cats", r) not in taken and ("text", t) not in taken
                         for r, t in zip(pool.row_id, pool.review, strict=True)]]  # fmt: skip
            picked = pool.sample(n, random_state=seed)
            rows += [
                dict(dataset="online_shopping_10_cats", row_id=int(r.row_id), text=r.review)
                for r in picked.itertuples()
            ]
    for file, name in [("waimai_10k.csv.gz", "waimai_10k"), ("ChnSentiCorp_htl_all.csv.gz", "ChnSentiCorp_htl_all")]:
        frame = pd.read_csv(public_dir / file)
        frame["row_id"] = range(len(frame))
        frame = frame[frame.review.notna()]
        frame = frame[frame.review.str.len().between(8, 200)]
        # Texts that talk about service, as the gold set should cover service aspects.
        frame = frame[frame.review.str.contains("服务|态度|送|快递|前台|等|慢|客服|退|钱|价", regex=True)]
        frame = frame[[(name, r) not in taken and ("text", t) not in taken
                       for r, t in zip(frame.row_id, frame.review, strict=True)]]  # fmt: skip
        picked = pd.concat([frame[frame.label == 0].sample(per_service, random_state=seed),
                            frame[frame.label == 1].sample(per_service, random_state=seed)])  # fmt: skip
        rows += [dict(dataset=name, row_id=int(r.row_id), text=r.review) for r in picked.itertuples()]
    cars = pd.read_csv(public_dir / "car_complaints_12365auto.csv.gz").drop_duplicates("id")
    cars = cars[[("car_complaints_12365auto", int(i)) not in taken and ("text", t) not in taken
                 for i, t in zip(cars.id, cars.desc, strict=True)]]  # fmt: skip
    rows += [
        dict(dataset="car_complaints_12365auto", row_id=int(r.id), text=r.desc)
        for r in cars.sample(n_cars, random_state=seed).itertuples()
    ]
    out = pd.DataFrame(rows)
    out["text_hash"] = out.text.map(text_hash)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=list(SETS), default="gold", dest="which")
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sample(args.public_dir, args.which).to_csv(args.out, index=False)
