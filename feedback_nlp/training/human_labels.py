"""Human labels in training: they override the rules' labels and weigh more.

Human-labelled texts (label files of any format :func:`feedback_nlp.labelling.read_labels`
reads, and the store's current labels) join the training data this way:

- a text with a human label loses every rule-made row of the same text (same
  :func:`~feedback_nlp.labelling.text_key`) in every split: the human label wins;
- the human rows are split by the same text hash as the corpus
  (:func:`feedback_nlp.datasets.corpus.split_of`), so no text is in both train and
  evaluation; the ``test`` part becomes its own evaluation set, ``test_human``;
- human rows carry ``weight`` (default 3) against 1 for rule-labelled rows;
- texts of the gold and holdout sets are never trained on, even when someone labelled them.

When several files label one text, the later file wins (files are read in order; the
store's labels, exported last, win over the shipped ones).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from feedback_nlp.labelling import read_labels, records_frame, text_key
from feedback_nlp.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

HUMAN_DATASET = "human"
DEFAULT_HUMAN_WEIGHT = 3.0


def load_human_labels(files: Iterable[str | Path], taxonomy: Taxonomy, *,
                      public_dir: str | Path | None) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """Every valid human label of ``files`` (later files win), and notes on what was left out."""
    frames, notes = [], []
    for path in files:
        parsed = read_labels(path, taxonomy, labeller=Path(path).stem, public_dir=public_dir)
        if parsed.errors:
            notes.append(f"{path}: {len(parsed.errors)} invalid row(s) left out, e.g. {parsed.errors[0]}")
        frame = records_frame(parsed.records).assign(label_source=Path(path).name)
        frames.append(frame)
        logger.info("human labels: %d from %s", len(frame), path)
    if not frames:
        return pd.DataFrame(columns=["text", "text_hash"]), notes
    labels = pd.concat(frames, ignore_index=True).drop_duplicates("text_hash", keep="last").reset_index(drop=True)
    labels["fault_types"] = labels["fault_types"].map(list)
    labels["aspects"] = labels["aspects"].map(list)
    return labels, notes


def labels_hash(labels: pd.DataFrame) -> str:
    """A short fingerprint of a set of human labels (a model records which ones it saw)."""
    if labels.empty:
        return "none"
    rows = labels.sort_values("text_hash")
    digest = hashlib.sha1()
    for row in rows[["text_hash", "fault_types", "primary_fault", "sentiment", "aspects"]].itertuples(index=False):
        digest.update(repr(tuple(row)).encode("utf-8"))
    return digest.hexdigest()[:12]


def apply_human_labels(sets: dict[str, pd.DataFrame], labels: pd.DataFrame, *, held_out: Iterable[str] = (),
                       weight: float = DEFAULT_HUMAN_WEIGHT) -> tuple[dict[str, pd.DataFrame], list[str]]:  # fmt: skip
    """``sets`` with the human ``labels`` merged in (see the module docstring).

    ``held_out``: texts (gold, holdout) that must stay out of training and validation.
    Returns the new sets and notes for the model's metadata.
    """
    from feedback_nlp.datasets.corpus import split_of

    notes: list[str] = []
    sets = {name: frame.copy() for name, frame in sets.items()}
    for frame in sets.values():
        if "weight" not in frame.columns:
            frame["weight"] = 1.0
    if labels.empty:
        return sets, notes
    held = {text_key(t) for t in held_out}
    on_held = labels["text_hash"].isin(held)
    if on_held.any():
        notes.append(f"human labels: {int(on_held.sum())} text(s) of the gold/holdout sets left out")
    labels = labels[~on_held].reset_index(drop=True)
    keys = set(labels["text_hash"])
    replaced = 0
    for name, frame in sets.items():
        frame_keys = frame["text"].astype(str).map(text_key)
        hit = frame_keys.isin(keys)
        replaced += int(hit.sum())
        sets[name] = frame[~hit].reset_index(drop=True)
    human = labels.assign(dataset=HUMAN_DATASET, weight=float(weight))
    human["row_id"] = human["text_hash"].str[:12]
    split = human["text"].map(split_of)
    targets = {"train": "train", "valid": "valid", "test": "test_human"}
    for part, name in targets.items():
        rows = human[split == part].drop(columns=["text_hash"])
        if name not in sets:
            sets[name] = rows.reset_index(drop=True)
        else:
            sets[name] = pd.concat([sets[name], rows], ignore_index=True)
    notes.append(f"human labels: {len(human)} texts (train {int((split == 'train').sum())}, valid "
                 f"{int((split == 'valid').sum())}, test_human {int((split == 'test').sum())}), weight {weight:g}; "
                 f"they replaced {replaced} rule-labelled row(s) of the same texts")  # fmt: skip
    return sets, notes
