"""How the real-text gold sample was drawn (kept for the record; re-running it reproduces the ids).

    python training/gold/sample_gold.py --public-dir ../shared/data/public --out /tmp/gold_sample.csv

Writes the texts to label *outside* the repository; only (dataset, row_id, text_hash,
labels) are committed, in ``real_gold.csv``. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def sample(public_dir: Path) -> pd.DataFrame:
    rows = []
    shop = pd.read_csv(public_dir / "online_shopping_10_cats.csv.gz")
    shop["row_id"] = range(len(shop))
    shop = shop[shop.review.notna()]
    shop = shop[shop.review.str.len().between(8, 200)].drop_duplicates("review")
    for cat in ["热水器", "手机", "计算机", "平板"]:
        for label, n in [(0, 32), (1, 14)]:
            picked = shop[(shop.cat == cat) & (shop.label == label)].sample(n, random_state=7)
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
        picked = pd.concat(
            [frame[frame.label == 0].sample(15, random_state=7), frame[frame.label == 1].sample(15, random_state=7)]
        )
        rows += [dict(dataset=name, row_id=int(r.row_id), text=r.review) for r in picked.itertuples()]
    cars = pd.read_csv(public_dir / "car_complaints_12365auto.csv.gz").drop_duplicates("id")
    rows += [
        dict(dataset="car_complaints_12365auto", row_id=int(r.id), text=r.desc)
        for r in cars.sample(88, random_state=7).itertuples()
    ]
    out = pd.DataFrame(rows)
    out["text_hash"] = out.text.map(text_hash)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sample(args.public_dir).to_csv(args.out, index=False)
