"""Where training data comes from: the prepared splits, the human labels, the held-out sets.

``load_training_data`` is what every training command starts with; the project's own
hand labels and the two held-out real-text sets ship with the package
(``feedback_nlp/data/labelled/``; ``training/gold`` and ``training/labels`` link there).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_nlp.classifiers.artifacts import data_hash
from feedback_nlp.errors import ConfigError
from feedback_nlp.labels import read_labelled, validate_labelled, write_labelled
from feedback_nlp.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

#: The project's hand-labelled files of the default taxonomy, shipped as package data
#: (pointers into the public sets + labels; training/gold/README.md, training/labels/README.md).
LABELLED_DIR = Path(__file__).resolve().parents[1] / "data" / "labelled"
GOLD_FILE = LABELLED_DIR / "real_gold.csv"
HOLDOUT_FILE = LABELLED_DIR / "real_holdout.csv"
SHIPPED_LABEL_FILES = ("real_labels.csv", "written_labels.csv")
#: Where the public labelled data is read in place (relative to the working directory).
PUBLIC_DIR = Path("../shared/data/public")


def shipped_label_files() -> list[Path]:
    return [LABELLED_DIR / name for name in SHIPPED_LABEL_FILES if (LABELLED_DIR / name).exists()]


def human_label_files(label_files: list[Path] | None, extra: list[Path] | None, *, is_default: bool,
                      public_dir: Path | None) -> list[Path]:  # fmt: skip
    """The human-labelled files a run reads: ``label_files`` (default: the project's own, which
    point into ``public_dir`` and are in the default taxonomy), then ``extra``."""
    default = shipped_label_files() if is_default and public_dir is not None else []
    return [*(label_files if label_files is not None else default), *(extra or [])]


def keep_human_rows(train: pd.DataFrame, rule_rows: int | None, *, seed: int = 0) -> pd.DataFrame:
    """Every human-labelled row of ``train`` and a random sample of at most ``rule_rows`` of the others."""
    if rule_rows is None or "dataset" not in train.columns:
        return train
    human = train["dataset"] == "human"
    rules = train[~human]
    if len(rules) > rule_rows:
        rules = rules.sample(rule_rows, random_state=seed)
    logger.info("training rows: %d human-labelled, %d rule-labelled", int(human.sum()), len(rules))
    return pd.concat([train[human], rules], ignore_index=True)
SPLIT_FILES = {"train": "train.jsonl", "valid": "valid.jsonl", "test": "test.jsonl"}


def write_splits(corpus: pd.DataFrame, out_dir: str | Path) -> dict[str, Any]:
    """Write ``train``/``valid``/``test`` JSON lines from a corpus with a ``split`` column."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {}
    for split, file in SPLIT_FILES.items():
        part = corpus[corpus["split"] == split].drop(columns=["split"])
        write_labelled(part, out_dir / file)
        info[split] = {"rows": len(part), "data_hash": data_hash(part)}
    return info


def read_split(path: str | Path, taxonomy: Taxonomy) -> pd.DataFrame:
    """A labelled file, validated against ``taxonomy``."""
    return validate_labelled(read_labelled(path), taxonomy, source=str(path))



@dataclasses.dataclass
class DataArguments:
    """Where training data comes from (shared by every training script)."""

    data_dir: Path | None = dataclasses.field(
        default=None,
        metadata={"help": "Folder with train.jsonl, valid.jsonl [, test.jsonl] (training/prepare_data.py)."},
    )
    train_file: Path | None = dataclasses.field(default=None, metadata={"help": "Labelled training file."})
    valid_file: Path | None = dataclasses.field(
        default=None, metadata={"help": "Labelled validation file (default: 15% of the training file)."}
    )
    test_file: Path | None = dataclasses.field(default=None, metadata={"help": "Labelled test file, reported only."})
    taxonomy: Path | None = dataclasses.field(
        default=None, metadata={"help": "Taxonomy file (default: the shipped one)."}
    )
    public_dir: Path | None = dataclasses.field(
        default=PUBLIC_DIR,
        metadata={"help": "Public labelled data (read in place). Used for the default corpus and the gold set."},
    )
    gold_file: Path | None = dataclasses.field(
        default=GOLD_FILE,
        metadata={"help": "Hand-labelled real-text gold set (ids into public_dir); never trained on."},
    )
    holdout_file: Path | None = dataclasses.field(
        default=HOLDOUT_FILE,
        metadata={"help": "A second hand-labelled real-text set (gold format): never trained on, never used "
                  "for a choice; every model is scored on it too."},
    )
    n_demo: int = dataclasses.field(default=40_000, metadata={"help": "Generated demo texts in the default corpus."})
    real_none_ratio: float = dataclasses.field(
        default=1.0,
        metadata={"help": "Default corpus: real rows keep the fault label 'none' up to this × real rows with a fault."},
    )
    label_files: list[Path] | None = dataclasses.field(
        default=None,
        metadata={"help": "Human-labelled files (Label Studio JSON, CSV/XLSX with text, or gold-format pointers "
                  "into public_dir). Their labels replace the rules' for the same text and weigh human_weight; "
                  "later files win. Default: the project's labels (feedback_nlp/data/labelled/) when the "
                  "taxonomy is the default one and public_dir exists (they point into it)."},
    )
    extra_label_files: list[Path] | None = dataclasses.field(
        default=None, metadata={"help": "More human-labelled files, read after label_files (they win)."}
    )
    human_labels: bool = dataclasses.field(
        default=True, metadata={"help": "Use the human-labelled files (--no-human-labels: rule labels only)."}
    )
    human_weight: float = dataclasses.field(
        default=3.0, metadata={"help": "Sample weight of a human-labelled row (rule-labelled rows weigh 1)."}
    )
    max_eval_samples: int | None = dataclasses.field(
        default=None,
        metadata={"help": "Sample at most this many rows of valid and of each test set (the gold set is kept "
                  "whole); bounds the time a slow model spends validating and evaluating."},
    )


@dataclasses.dataclass
class TrainingData:
    sets: dict[str, pd.DataFrame]
    sources: dict[str, int]
    notes: list[str]
    #: Fingerprint of the human labels merged in ("none" without): a pipeline retrains
    #: a baseline whose labels differ, so the comparison with the transformer is like for like.
    human_labels_hash: str = "none"


def _existing(path: Path | None) -> Path | None:
    return path if path is not None and Path(path).exists() else None


def load_training_data(args: DataArguments, taxonomy: Taxonomy, *, seed: int = 0) -> TrainingData:
    """The ``train``/``valid`` sets and every evaluation set the arguments name.

    Evaluation sets: ``test`` (or ``test_demo`` and ``test_real`` for the default
    corpus) and, for the default taxonomy, ``gold`` — the hand-labelled real texts.
    """
    from feedback_nlp.datasets.corpus import build_default_corpus
    from feedback_nlp.datasets.public import load_gold

    notes: list[str] = []
    public_dir = _existing(args.public_dir)
    gold_file = _existing(args.gold_file)
    holdout_file = _existing(args.holdout_file)
    is_default = taxonomy.fingerprint() == Taxonomy.default().fingerprint()
    sets: dict[str, pd.DataFrame] = {}
    if args.data_dir is not None:
        for split, file in SPLIT_FILES.items():
            path = Path(args.data_dir) / file
            if path.exists():
                sets[split] = read_split(path, taxonomy)
            elif split != "test":
                raise ConfigError(f"{args.data_dir}: {file} is missing")
    elif args.train_file is not None:
        train = read_split(args.train_file, taxonomy)
        if args.valid_file is not None:
            sets["train"], sets["valid"] = train, read_split(args.valid_file, taxonomy)
        else:
            valid_mask = train.index.isin(train.sample(frac=0.15, random_state=seed).index)
            sets["train"], sets["valid"] = train[~valid_mask], train[valid_mask]
            notes.append("validation: a random 15% of the training file")
        if args.test_file is not None:
            sets["test"] = read_split(args.test_file, taxonomy)
    else:
        if not is_default:
            raise ConfigError("a custom taxonomy needs its own data: pass --data-dir or --train-file")
        if public_dir is None:
            notes.append(
                f"public data not found at {args.public_dir}: demo text only (not a model to trust on real text)"
            )
        corpus = build_default_corpus(
            public_dir, n_demo=args.n_demo, seed=seed, held_out=[gold_file, holdout_file],
            real_none_ratio=args.real_none_ratio,
        )
        for split in ("train", "valid"):
            sets[split] = corpus[corpus["split"] == split].drop(columns=["split"]).reset_index(drop=True)
        test = corpus[corpus["split"] == "test"].drop(columns=["split"])
        sets["test_demo"] = test[test["dataset"] == "demo"].reset_index(drop=True)
        sets["test_real"] = test[test["dataset"] != "demo"].reset_index(drop=True)
    human_hash = "none"
    if args.human_labels:
        from feedback_nlp.training.human_labels import apply_human_labels, labels_hash, load_human_labels

        files = human_label_files(args.label_files, args.extra_label_files, is_default=is_default,
                                  public_dir=public_dir)  # fmt: skip
        missing = [str(f) for f in files if not Path(f).exists()]
        if missing:
            raise ConfigError(f"label file(s) not found: {', '.join(missing)}")
        labels, label_notes = load_human_labels(files, taxonomy, public_dir=public_dir)
        held_texts: list[str] = []
        if public_dir is not None:
            for labelled in (gold_file, holdout_file):
                if labelled is not None and is_default:
                    held_texts += load_gold(labelled, public_dir)["text"].tolist()
        sets, merge_notes = apply_human_labels(sets, labels, held_out=held_texts, weight=args.human_weight)
        notes += label_notes + merge_notes
        human_hash = labels_hash(labels)
    if args.max_eval_samples is not None:
        for name, frame in list(sets.items()):
            if name not in ("train", "test_human") and len(frame) > args.max_eval_samples:
                # human-labelled rows are all kept: thresholds and blends are chosen on them
                human = frame["dataset"].eq("human") if "dataset" in frame.columns else pd.Series(False, frame.index)
                rest = frame[~human]
                room = max(0, args.max_eval_samples - int(human.sum()))
                sets[name] = pd.concat([frame[human], rest.sample(min(room, len(rest)), random_state=seed)],
                                       ignore_index=True)  # fmt: skip
                notes.append(f"{name}: {int(human.sum())} human-labelled and a random {min(room, len(rest))} "
                             f"of {len(rest)} other rows")  # fmt: skip
    if is_default and public_dir is not None:
        for name, labelled in (("gold", gold_file), ("holdout", holdout_file)):
            if labelled is not None:
                sets[name] = load_gold(labelled, public_dir)
                # prepared splits may predate a held-out file: drop its texts wherever they are
                held = set(sets[name]["text"])
                for split in [s for s in sets if s not in ("gold", "holdout")]:
                    sets[split] = sets[split][~sets[split]["text"].isin(held)].reset_index(drop=True)
    sources = {}
    if "dataset" in sets["train"].columns:
        sources = {str(k): int(v) for k, v in sets["train"]["dataset"].value_counts().items()}
    return TrainingData(sets=sets, sources=sources, notes=notes, human_labels_hash=human_hash)


#: Fewest validation rows of one kind (human-labelled, or real text) for choices to be made on them alone.
MIN_CHOICE_ROWS = 300


def choice_rows(valid: pd.DataFrame) -> pd.DataFrame:
    """The validation rows to choose thresholds and blend weights on.

    Human-labelled rows when there are at least :data:`MIN_CHOICE_ROWS` of them, else
    the real-text rows (the default corpus mixes generated demo text, which the TF-IDF
    baseline gets almost perfectly), else all rows. Choices are then made where the
    labels are best and where the model will be used.
    """
    if "dataset" not in valid.columns:
        return valid
    dataset = valid["dataset"].astype(str)
    for name, mask in (("human-labelled", dataset == "human"), ("real-text", dataset != "demo")):
        if MIN_CHOICE_ROWS <= int(mask.sum()) < len(valid):
            logger.info("choices made on the %d %s validation rows (of %d)", int(mask.sum()), name, len(valid))
            return valid[mask].reset_index(drop=True)
    return valid

