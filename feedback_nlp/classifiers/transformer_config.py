"""The fine-tuning hyperparameters of the transformer classifier (:class:`FinetuneConfig`).

A module of its own because three read it: the network builder
(:mod:`~feedback_nlp.classifiers.transformer_network`: layers kept, embeddings frozen,
dropout), the training loop (:mod:`~feedback_nlp.classifiers.transformer_training`) and
the classifier, which stores it in the model's metadata and rebuilds it on load. The
training scripts turn its fields (and their ``help``) into command-line options.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FinetuneConfig:
    """Fine-tuning hyperparameters (stored in the model's metadata)."""

    max_length: int = field(default=64, metadata={"help": "Tokens per text; longer texts are cut."})
    batch_size: int = field(default=32, metadata={"help": "Training batch size."})
    eval_batch_size: int = field(default=128, metadata={"help": "Batch size for validation and prediction."})
    epochs: int = field(default=3, metadata={"help": "Passes over the training data (at most)."})
    max_steps: int | None = field(default=None, metadata={"help": "Stop after this many optimiser steps."})
    max_minutes: float | None = field(
        default=None,
        metadata={"help": "Time budget of the training loop: after a few steps the step count is set so that "
                  "training (with its learning-rate decay) ends within it."},
    )
    learning_rate: float = field(default=5e-5, metadata={"help": "Learning rate of the encoder."})
    head_learning_rate: float = field(default=1e-3, metadata={"help": "Learning rate of the heads."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    warmup_ratio: float = field(default=0.06, metadata={"help": "Share of steps with a linear warm-up."})
    patience: int = field(default=1, metadata={"help": "Epochs without a better validation loss before stopping."})
    freeze_embeddings: bool = field(default=True, metadata={"help": "Do not train the word-embedding matrix."})
    frozen_layers: int = field(
        default=0,
        metadata={"help": "Bottom encoder layers kept frozen: their outputs for every training text are computed "
                  "once (cached, within the time budget) and each step runs only the layers above them and the "
                  "heads — several times the steps in the same time."},
    )
    trainable_layers: int | None = field(
        default=None,
        metadata={"help": "Train only the top N encoder layers (the ones below are frozen and cached, as with "
                  "frozen_layers, which this overrides); N at or above the layer count trains them all."},
    )
    n_layers: int | None = field(default=None, metadata={"help": "Keep only the first N encoder layers."})
    dropout: float = field(default=0.1, metadata={"help": "Dropout before each head."})
    num_threads: int | None = field(default=None, metadata={"help": "torch CPU threads (default: torch's)."})
    device: str = field(
        default="auto",
        metadata={"help": "Where to train: cpu, cuda, cuda:N, or auto (a GPU when torch sees one). "
                  "Saved models always load on the CPU."},
    )
    random_state: int = field(default=0, metadata={"help": "Seed of initialisation and batch order."})
