"""One encoder, one linear head per label head, trained together.

The encoder is any Hugging Face encoder (the converted multilingual-e5-small by
default, or a local ``bert-base-chinese``/MacBERT directory). Texts are represented by
the attention-masked mean of the last hidden states — the pooling e5 was trained
with — and each head is a dropout + linear layer on top:

- ``fault_types`` and ``aspects``: multi-label, sigmoid, binary cross-entropy;
- ``primary_fault`` and ``sentiment``: single-label, softmax, cross-entropy.

Rows may leave heads unknown: their loss is masked out, so one batch can mix a
sentiment-only review with a fully labelled complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
from torch import nn

from feedback_nlp.errors import ModelError

if TYPE_CHECKING:
    from transformers import PreTrainedModel

#: Heads whose loss is binary cross-entropy over independent labels.
MULTI_LABEL = frozenset({"fault_types", "aspects"})


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def encoder_layers(encoder: nn.Module) -> nn.ModuleList:
    """The transformer layers of a BERT-style encoder (``encoder.encoder.layer``)."""
    layers = encoder.get_submodule("encoder.layer")
    if not isinstance(layers, nn.ModuleList):
        raise ModelError(f"{type(encoder).__name__}: encoder.layer is a {type(layers).__name__}, not a ModuleList")
    return layers


class MultiTaskModel(nn.Module):
    """``encoder`` + ``{head: Linear(hidden, n_labels)}`` for every head with labels."""

    def __init__(self, encoder: PreTrainedModel, head_sizes: Mapping[str, int], *, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(dropout)
        #: Labels per head, as the heads' ``out_features`` (a plain dict: not a parameter).
        self.head_sizes = {head: n for head, n in head_sizes.items() if n > 0}
        self.heads = nn.ModuleDict({head: nn.Linear(hidden, n) for head, n in self.head_sizes.items()})

    # -- split forward: frozen lower layers once, trainable upper layers every step ------
    def _layer_mask(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor | None:
        from transformers.masking_utils import create_bidirectional_mask

        mask: torch.Tensor | None = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=hidden,
                                                              attention_mask=attention_mask)  # fmt: skip
        return mask

    def lower(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, n_frozen: int) -> torch.Tensor:
        """Hidden states after the embeddings and the bottom ``n_frozen`` layers (BERT-style encoders)."""
        hidden: torch.Tensor = self.encoder.get_submodule("embeddings")(input_ids=input_ids)
        mask = self._layer_mask(hidden, attention_mask)
        for layer in encoder_layers(self.encoder)[:n_frozen]:
            hidden = layer(hidden, mask)
        return hidden

    def upper(self, hidden: torch.Tensor, attention_mask: torch.Tensor, n_frozen: int) -> dict[str, torch.Tensor]:
        """The heads' logits from :meth:`lower`'s output: the remaining layers, pooling, heads."""
        mask = self._layer_mask(hidden, attention_mask)
        for layer in encoder_layers(self.encoder)[n_frozen:]:
            hidden = layer(hidden, mask)
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return {head: layer(pooled) for head, layer in self.heads.items()}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return {head: layer(pooled) for head, layer in self.heads.items()}


def multitask_loss(
    logits: Mapping[str, torch.Tensor],
    targets: Mapping[str, torch.Tensor],
    weights: Mapping[str, float] | None = None,
    row_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Sum of the heads' (weighted) mean losses over the rows that label them.

    ``targets[head]`` is a float multi-hot matrix with a row of ``-1`` for unknown rows
    (multi-label heads), or a long vector with ``-100`` for unknown rows (single-label).
    ``row_weights`` (one per row, e.g. 3 for a human label and 1 for a rule label) turn
    each head's mean into a weighted mean over its known rows.
    """
    total = next(iter(logits.values())).new_zeros(())
    for head, logit in logits.items():
        target = targets.get(head)
        if target is None:
            continue
        weight = 1.0 if weights is None else weights.get(head, 1.0)
        if head in MULTI_LABEL:
            known = target[:, 0] >= 0
            if not known.any():
                continue
            losses = nn.functional.binary_cross_entropy_with_logits(
                logit[known], target[known], reduction="none"
            ).mean(dim=1)
            rows = None if row_weights is None else row_weights[known]
        else:
            known = target != -100
            if not known.any():
                continue
            losses = nn.functional.cross_entropy(logit[known], target[known], reduction="none")
            rows = None if row_weights is None else row_weights[known]
        mean = losses.mean() if rows is None else (losses * rows).sum() / rows.sum()
        total = total + weight * mean
    return total


def probabilities(logits: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {
        head: torch.sigmoid(logit) if head in MULTI_LABEL else torch.softmax(logit, dim=-1)
        for head, logit in logits.items()
    }
