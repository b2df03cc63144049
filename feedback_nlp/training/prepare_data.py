"""Build a labelled data folder (train.jsonl, valid.jsonl, test.jsonl [, taxonomy.yaml]).

Examples::

    # the default taxonomy: demo text + public sets, gold and ChnSentiCorp dev/test held out
    python training/prepare_data.py --preset default --out data/training/default

    # the worked example: 车质网 system letters A–O as your own taxonomy, split by date
    python training/prepare_data.py --preset chezhi-letters --out data/training/chezhi-letters

    # ChnSentiCorp sentiment only, its published splits
    python training/prepare_data.py --preset chnsenticorp --out data/training/chnsenticorp

The public files are read in place from ``--public-dir`` and never copied into the
repository; the output folder holds derived training files for your machine only.

Run as ``python -m feedback_nlp.training.prepare_data`` or ``python training/prepare_data.py``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from feedback_nlp.datasets import public
from feedback_nlp.datasets.corpus import build_default_corpus, corpus_summary
from feedback_nlp.training import GOLD_FILE, HOLDOUT_FILE, DataArguments, parse_args, setup_logging, write_splits
from feedback_nlp.training.data import PUBLIC_DIR

PRESETS = ("default", "chezhi-letters", "chnsenticorp")


@dataclass
class PrepareArguments:
    preset: str = field(metadata={"help": f"One of: {', '.join(PRESETS)}."})
    out: Path = field(metadata={"help": "Output folder."})
    public_dir: Path = field(default=PUBLIC_DIR, metadata={"help": "Public labelled data folder."})
    gold_file: Path = field(default=GOLD_FILE, metadata={"help": "Gold ids to hold out."})
    holdout_file: Path = field(default=HOLDOUT_FILE, metadata={"help": "Holdout ids to hold out."})
    n_demo: int = field(default=DataArguments.n_demo, metadata={"help": "Demo texts (default preset)."})
    real_none_ratio: float = field(default=DataArguments.real_none_ratio, metadata={"help": "See train_baseline."})
    seed: int = field(default=0, metadata={"help": "Random seed of the demo text."})


logger = logging.getLogger("prepare_data")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    (args,) = parse_args(argv, PrepareArguments, description=__doc__.splitlines()[0])
    taxonomy = None
    if args.preset == "default":
        public_dir = args.public_dir if Path(args.public_dir).exists() else None  # None: demo text only
        if public_dir is None:
            logger.warning("public data not found at %s: the corpus is demo text only", args.public_dir)
        corpus = build_default_corpus(
            public_dir, n_demo=args.n_demo, seed=args.seed, held_out=[args.gold_file, args.holdout_file],
            real_none_ratio=args.real_none_ratio,
        )  # fmt: skip
        print(corpus_summary(corpus).to_string())
    elif args.preset == "chezhi-letters":
        corpus, taxonomy = public.car_letters_corpus(args.public_dir), public.car_letter_taxonomy()
    elif args.preset == "chnsenticorp":
        corpus, taxonomy = public.chnsenticorp_corpus(args.public_dir), public.sentiment_taxonomy()
    else:
        raise SystemExit(f"unknown preset {args.preset!r}; choose one of {', '.join(PRESETS)}")
    info = write_splits(corpus, args.out)
    if taxonomy is not None:
        (args.out / "taxonomy.yaml").write_text(
            yaml.safe_dump(taxonomy.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    summary = {"preset": args.preset, "splits": info}
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary


if __name__ == "__main__":
    main()
