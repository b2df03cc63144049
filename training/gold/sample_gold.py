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


def sample_growth(public_dir: Path) -> pd.DataFrame:
    """The 200 texts added to the gold set on 2026-12-03, from what it under-represents.

    90 热水器 reviews (appliances), 40 product reviews that ask a question (neutral
    candidates), 40 delivery/hotel reviews about service and 30 phone/computer/tablet
    reviews about after-sales, delivery or price (aspects) — never a text of the gold or
    holdout sets or of ``training/labels/real_labels.csv``. Keyword filters choose the
    pools only; the labels were given by hand, blind to every model.
    """
    from feedback_nlp.datasets import public
    from feedback_nlp.labelling import text_key

    here = Path(__file__).resolve().parent
    taken = set()
    for name in ("real_holdout.csv", "../labels/real_labels.csv"):
        taken |= {text_key(t) for t in public.load_gold(here / name, public_dir)["text"]}
    gold = pd.read_csv(here / "real_gold.csv").head(332)  # the gold set before it grew
    taken |= {text_key(t) for t in public.load_gold(_write_tmp(gold), public_dir)["text"]}
    frame = pd.concat([public.read_raw(public_dir, n) for n in
                       ("online_shopping_10_cats", "waimai_10k", "ChnSentiCorp_htl_all")], ignore_index=True)
    frame["cat"] = frame["cat"].fillna("")
    frame = frame[frame.text.str.len().between(8, 200)]
    frame["key"] = frame.text.map(text_key)
    frame = frame[~frame.key.isin(taken)].drop_duplicates("key")
    devices = frame.cat.isin(["热水器", "手机", "计算机", "平板"])
    parts = [frame[frame.cat == "热水器"].sample(90, random_state=11)]
    questions = frame[frame.text.str.contains("[？?]") & devices & ~frame.key.isin(set(parts[0].key))]
    parts.append(questions.sample(40, random_state=12))
    service = frame[frame.dataset.isin(["waimai_10k", "ChnSentiCorp_htl_all"])
                    & frame.text.str.contains("服务|态度|送餐|配送|前台|速度|快递")]  # fmt: skip
    parts.append(service.sample(40, random_state=13))
    talk = frame.text.str.contains("售后|客服|快递|物流|价格|维修")
    after_sales = frame[frame.cat.isin(["手机", "计算机", "平板"]) & talk & ~frame.key.isin(set(parts[1].key))]
    parts.append(after_sales.sample(30, random_state=14))
    out = pd.concat(parts).drop_duplicates("key")
    out["text_hash"] = out.text.map(text_hash)
    return out[["dataset", "row_id", "text", "text_hash"]].reset_index(drop=True)


def _write_tmp(frame: pd.DataFrame) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "gold.csv"
    frame.to_csv(path, index=False)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "gold-2"], default="gold", dest="which",
                        help="gold-2: the 200 texts added to the gold set on 2026-12-03")
    parser.add_argument("--public-dir", type=Path, default=Path("../shared/data/public"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    drawn = sample_growth(args.public_dir) if args.which == "gold-2" else sample(args.public_dir, args.which)
    drawn.to_csv(args.out, index=False)
