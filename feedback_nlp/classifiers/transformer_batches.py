"""Texts and labels made into the transformer's inputs: token ids, batches, padding, targets.

Texts are tokenised once; batches are built from length-sorted buckets (little
padding) and padded per batch, so a CPU step spends its time on tokens, not on
padding. torch is imported inside the functions that build tensors, never at module
level (see :mod:`feedback_nlp.classifiers.transformer`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.base import PRIMARY
from feedback_nlp.encoder.onnx_runtime import pad_ids
from feedback_nlp.labels import multi_hot
from feedback_nlp.taxonomy import MULTI_LABEL_HEADS, Taxonomy
from feedback_nlp.text import normalise

if TYPE_CHECKING:
    import torch


class TextTokenizer(Protocol):
    """What the classifier asks of a tokenizer: a transformers tokenizer, or the serving
    :class:`~feedback_nlp.encoder.onnx_runtime.JsonTokenizer`."""

    @property
    def pad_token_id(self) -> int | None: ...

    def __call__(self, texts: list[str], /, *, truncation: bool = ...,
                 max_length: int | None = ...) -> Mapping[str, list[list[int]]]: ...  # fmt: skip


def encode(tokenizer: TextTokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of the normalised texts, cut at ``max_length`` (special tokens included)."""
    normalised = [normalise(str(t)) for t in texts]
    return tokenizer(normalised, truncation=True, max_length=max_length)["input_ids"]


def pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token id rows as padded ``(ids, attention mask)`` tensors."""
    import torch

    ids, mask = pad_ids(rows, pad_id)
    return torch.from_numpy(ids), torch.from_numpy(mask)


def length_batches(lengths: Sequence[int], size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Index batches of similar length; shuffled batch order when ``rng`` is given."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    if rng is not None:  # shuffle within small windows so equal lengths are not always together
        order = np.concatenate(
            [rng.permutation(chunk) for chunk in np.array_split(order, max(1, len(order) // (size * 50)))]
        )
        order = order[np.argsort(np.asarray(lengths)[order], kind="stable")]
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def pad_states(rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached hidden states of a batch, zero-padded to its longest text, with the attention mask."""
    import torch

    width = max(len(r) for r in rows)
    hidden = torch.zeros(len(rows), width, rows[0].shape[1], dtype=torch.float32)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        hidden[i, : len(r)] = r.float()
        mask[i, : len(r)] = 1
    return hidden, mask


def targets(y: pd.DataFrame, taxonomy: Taxonomy, heads: Sequence[str]) -> dict[str, torch.Tensor]:
    """Per-head target tensors; unknown rows are ``-1`` rows (multi-label) or ``-100``."""
    import torch

    out: dict[str, torch.Tensor] = {}
    for head in heads:
        column = "primary_fault" if head == PRIMARY else head
        codes = taxonomy.fault_types.codes if head == PRIMARY else taxonomy.head(head).codes
        if head in MULTI_LABEL_HEADS:
            known, matrix = multi_hot(y[column].tolist(), codes)
            target = torch.tensor(matrix, dtype=torch.float32)
            target[torch.from_numpy(~known)] = -1.0
        else:
            index = {code: j for j, code in enumerate(codes)}
            target = torch.tensor([index.get(v, -100) if v is not None else -100 for v in y[column]], dtype=torch.long)
        out[head] = target
    return out


def known_rows(target: torch.Tensor) -> torch.Tensor:
    """The rows of a :func:`targets` tensor that carry a label."""
    return target[:, 0] >= 0 if target.dim() == 2 else target != -100
