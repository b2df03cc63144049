"""The fine-tuned transformer: one encoder, multi-task heads, the same contract as the baseline.

Training is CPU-friendly by design: texts are tokenised once, batches are built from
length-sorted buckets (little padding) and padded per batch, the word-embedding
matrix can be frozen (most of a multilingual model's parameters), the encoder can be
truncated to its first layers, and a step budget caps the run. Validation runs after
every epoch; the best epoch by validation loss is kept (early stopping with
``patience``), and per-label thresholds are then tuned on the validation split.

Artifact: ``encoder/`` (a Hugging Face model directory with its tokenizer),
``heads.safetensors``, ``metadata.json`` and ``onnx/`` (the network exported for
ONNX Runtime, fp32 and int8: what the service runs, see
:mod:`feedback_nlp.transformer.onnx_runtime`). torch and transformers are imported
inside the functions that train or run the torch network, never at module level:
serving on ONNX Runtime loads neither (seconds of start-up and ~300 MB saved).
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from tqdm import tqdm

from feedback_nlp.classifiers.artifacts import TRANSFORMER_KIND, model_taxonomy, read_metadata, write_metadata
from feedback_nlp.classifiers.base import PRIMARY, base_metadata, decide
from feedback_nlp.classifiers.decision import DEFAULT_THRESHOLD, tune_thresholds
from feedback_nlp.errors import ConfigError
from feedback_nlp.labels import coerce_labelled, multi_hot
from feedback_nlp.taxonomy import HEADS, MULTI_LABEL_HEADS, Taxonomy
from feedback_nlp.text import normalise
from feedback_nlp.transformer.onnx_runtime import (
    ONNX_BATCH_SIZE,
    TOKENIZER_FILE,
    JsonTokenizer,
    OnnxNetwork,
    export_onnx,
    onnx_available,
    onnx_path,
    pad_ids,
)

if TYPE_CHECKING:
    import torch

    from feedback_nlp.transformer.multitask import MultiTaskModel

logger = logging.getLogger(__name__)

ENCODER_DIR = "encoder"
HEADS_FILE = "heads.safetensors"
COMPANION_DIR = "companion"
#: Every this many steps a ``max_minutes`` budget re-plans the step count.
BUDGET_PROBE_STEPS = 20
#: Inference engines of a loaded model (see :meth:`TransformerClassifier.load`).
RUNTIMES = ("torch", "onnx")
#: Blend weights tried for each head (the transformer's share).
BLEND_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)


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


def _pad_states(rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached hidden states of a batch, zero-padded to its longest text, with the attention mask."""
    import torch

    width = max(len(r) for r in rows)
    hidden = torch.zeros(len(rows), width, rows[0].shape[1], dtype=torch.float32)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        hidden[i, : len(r)] = r.float()
        mask[i, : len(r)] = 1
    return hidden, mask


def _head_sizes(taxonomy: Taxonomy, with_primary: bool) -> dict[str, int]:
    sizes = {head: len(taxonomy.head(head)) for head in HEADS if len(taxonomy.head(head))}
    if with_primary and len(taxonomy.fault_types):
        sizes[PRIMARY] = len(taxonomy.fault_types)
    return sizes


def _targets(y: pd.DataFrame, taxonomy: Taxonomy, heads: Sequence[str]) -> dict[str, torch.Tensor]:
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


class TransformerClassifier:
    """A fine-tuned encoder with multi-task heads; scikit-learn-style like the baseline."""

    kind = TRANSFORMER_KIND

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        base_model: str | Path | None = None,
        name: str = "transformer",
        version: str = "v1",
        config: FinetuneConfig | None = None,
        segmenter: Any = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.base_model = base_model
        self.name = name
        self.version = version
        self.config = config or FinetuneConfig()
        self.segmenter = segmenter  # unused: the model has its own tokenizer; kept for a uniform load()

    # -- encoding -------------------------------------------------------------------------
    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        normalised = [normalise(str(t)) for t in texts]
        encoded = self.tokenizer_(normalised, truncation=True, max_length=self.config.max_length)
        return encoded["input_ids"]

    def _pad(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        ids, mask = pad_ids(rows, self.tokenizer_.pad_token_id or 0)
        return torch.from_numpy(ids), torch.from_numpy(mask)

    def _batches(self, lengths: Sequence[int], size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
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

    def _device(self) -> torch.device:
        import torch

        choice = self.config.device
        if choice == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(choice)
        except RuntimeError as exc:
            raise ConfigError(f"device {choice!r}: {exc}") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"device {choice!r}: torch sees no CUDA GPU (this torch build: {torch.__version__})")
        return device

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """The heads' logits (float32), with bf16 autocast on a GPU."""
        import torch

        device = next(self.model_.parameters()).device
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = self.model_(ids.to(device, non_blocking=True), mask.to(device, non_blocking=True))
        return {head: value.float() for head, value in logits.items()}

    # -- fit --------------------------------------------------------------------------------
    def _build(self, with_primary: bool) -> None:
        from transformers import AutoModel, AutoTokenizer

        from feedback_nlp.transformer.multitask import MultiTaskModel

        if self.base_model is None:
            raise ConfigError("TransformerClassifier needs base_model: a local Hugging Face model directory")
        base = Path(self.base_model)
        if not (base / "config.json").exists():
            raise ConfigError(f"{base} is not a model directory (no config.json); run training/prepare_base.py")
        self.tokenizer_ = AutoTokenizer.from_pretrained(base, local_files_only=True)
        encoder = _load_encoder(AutoModel, base)
        if self.config.n_layers is not None:
            layers = encoder.encoder.layer
            if not 1 <= self.config.n_layers <= len(layers):
                raise ConfigError(f"n_layers must be between 1 and {len(layers)}, got {self.config.n_layers}")
            encoder.encoder.layer = layers[: self.config.n_layers]
            encoder.config.num_hidden_layers = self.config.n_layers
        if self.config.freeze_embeddings:
            encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        self.model_ = MultiTaskModel(encoder, _head_sizes(self.taxonomy_, with_primary), dropout=self.config.dropout)

    def fit(
        self,
        X: Sequence[str],
        y: pd.DataFrame,
        *,
        X_valid: Sequence[str] | None = None,
        y_valid: pd.DataFrame | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> Self:
        """Fine-tune on texts ``X`` with the labelled frame ``y`` (``None`` = unknown label).

        Validation data is required: it drives early stopping and threshold tuning.
        ``sample_weight``: one weight per training row (human labels weigh more).
        """
        if X_valid is None or y_valid is None:
            raise ConfigError("fine-tuning needs validation data (X_valid, y_valid)")
        import torch

        from feedback_nlp.transformer.multitask import multitask_loss

        cfg = self.config
        torch.manual_seed(cfg.random_state)
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        rng = np.random.default_rng(cfg.random_state)
        self.taxonomy_ = self.taxonomy or Taxonomy.default()
        self.companion_ = None  # a blend belongs to the fitted encoder; refitting drops it
        y = coerce_labelled(y).reset_index(drop=True)
        y_valid = coerce_labelled(y_valid).reset_index(drop=True)
        with_primary = bool(y["primary_fault"].notna().any()) and len(self.taxonomy_.fault_types) > 0
        self._build(with_primary)
        device = self._device()
        self.model_.to(device)
        heads = list(self.model_.heads.keys())
        train_ids, valid_ids = self._encode(X), self._encode(X_valid)
        n_kept = len(self.model_.encoder.encoder.layer)
        frozen = self._freeze_lower(
            max(0, n_kept - cfg.trainable_layers) if cfg.trainable_layers is not None else cfg.frozen_layers
        )
        cache_started = time.perf_counter()
        cache = self._lower_states(train_ids, frozen) if frozen else None
        cache_minutes = (time.perf_counter() - cache_started) / 60
        train_targets = {h: t.to(device) for h, t in _targets(y, self.taxonomy_, heads).items()}
        row_weights = None if sample_weight is None else torch.as_tensor(
            np.asarray(sample_weight, dtype=np.float32)).to(device)  # fmt: skip
        valid_targets = {h: t.to(device) for h, t in _targets(y_valid, self.taxonomy_, heads).items()}

        model = self.model_
        encoder_params = [p for p in model.encoder.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            [
                {"params": encoder_params, "lr": cfg.learning_rate},
                {"params": list(model.heads.parameters()), "lr": cfg.head_learning_rate},
            ],
            weight_decay=cfg.weight_decay,
        )
        steps_per_epoch = math.ceil(len(train_ids) / cfg.batch_size)
        total_steps = (
            steps_per_epoch * cfg.epochs if cfg.max_steps is None else min(cfg.max_steps, steps_per_epoch * cfg.epochs)
        )
        plan = {"total": total_steps, "warmup": max(1, int(total_steps * cfg.warmup_ratio))}

        def lr_factor(step: int) -> float:
            total, warm = plan["total"], plan["warmup"]
            return min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
        lengths = [len(r) for r in train_ids]
        best_loss, best_state, stale, step = math.inf, None, 0, 0
        self.history_: list[dict[str, float]] = []
        started = time.perf_counter()
        # One bar over the steps that will really run: the time budget re-plans the total,
        # and the bar's total (and so its remaining time) follows.
        bar = tqdm(total=plan["total"], desc="fine-tuning", unit="step")
        for epoch in range(cfg.epochs):
            model.train()
            running, seen = 0.0, 0
            for batch in self._batches(lengths, cfg.batch_size, rng):
                if step >= plan["total"]:
                    break
                index = torch.from_numpy(batch).to(device)
                if cache is None:
                    ids, mask = self._pad([train_ids[i] for i in batch])
                    logits = self._forward(ids, mask)
                else:
                    hidden, mask = _pad_states([cache[i] for i in batch])
                    logits = model.upper(hidden.to(device), mask.to(device), frozen)
                loss = multitask_loss(logits, {h: t[index] for h, t in train_targets.items()},
                                      row_weights=None if row_weights is None else row_weights[index])
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                step += 1
                if cfg.max_minutes is not None and step % BUDGET_PROBE_STEPS == 0:
                    # re-planned every few steps: a machine that gets busier mid-run still ends in time
                    self._fit_budget(plan, step, time.perf_counter() - started, cfg.max_minutes - cache_minutes)
                    if bar.total != plan["total"]:
                        bar.total = plan["total"]
                        bar.refresh()
                running += loss.item() * len(batch)
                seen += len(batch)
                bar.update(1)
                bar.set_postfix(epoch=f"{epoch + 1}/{cfg.epochs}", loss=f"{running / seen:.4f}")
            valid_loss = self._loss(valid_ids, valid_targets)
            record = {"epoch": epoch + 1, "step": step, "train_loss": running / max(seen, 1), "valid_loss": valid_loss}
            self.history_.append(record)
            logger.info("epoch %d: train loss %.4f, valid loss %.4f", epoch + 1, record["train_loss"], valid_loss)
            if valid_loss < best_loss - 1e-4:
                best_loss, best_state, stale = valid_loss, copy.deepcopy(model.state_dict()), 0
            else:
                stale += 1
                if stale > cfg.patience - 1:
                    logger.info("early stopping: no better validation loss for %d epoch(s)", stale)
                    break
            if step >= plan["total"]:
                break
        bar.close()
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        self.train_seconds_ = round(time.perf_counter() - started, 1)
        self.n_train_ = {h: int(_known(t).sum()) for h, t in train_targets.items()}
        self._tune(X_valid, y_valid)
        return self

    def _freeze_lower(self, n: int) -> int:
        """Freeze the embeddings and the bottom ``n`` layers; returns ``n`` (0: nothing frozen)."""
        if n <= 0:
            return 0
        encoder = self.model_.encoder
        layers = encoder.encoder.layer
        if n >= len(layers):
            raise ConfigError(f"frozen_layers must be below the {len(layers)} encoder layers kept, got {n}")
        for module in (encoder.embeddings, *layers[:n]):
            module.requires_grad_(False)
        return n

    def _lower_states(self, ids: list[list[int]], n_frozen: int) -> list[torch.Tensor]:
        """Every text's hidden states after the frozen layers, in float16 (computed once, no dropout)."""
        import torch

        device = next(self.model_.parameters()).device
        out: list[torch.Tensor | None] = [None] * len(ids)
        self.model_.eval()
        with torch.no_grad():
            for batch in tqdm(self._batches([len(r) for r in ids], self.config.eval_batch_size, None),
                              desc=f"caching {n_frozen} frozen layer(s)", unit="batch"):  # fmt: skip
                tensor_ids, mask = self._pad([ids[i] for i in batch])
                hidden = self.model_.lower(tensor_ids.to(device), mask.to(device), n_frozen).to(torch.float16)
                for row, i in enumerate(batch):
                    out[i] = hidden[row, : len(ids[i])].cpu()
        return out  # type: ignore[return-value]

    @staticmethod
    def _fit_budget(plan: dict[str, int], step: int, elapsed: float, minutes: float) -> None:
        """Shrink the planned step count so training ends within ``minutes``.

        Validation passes take time too; 10 % of the budget is kept for them.
        """
        affordable = max(int(0.9 * minutes * 60 / (elapsed / step)), step)
        if affordable < plan["total"]:
            if step == BUDGET_PROBE_STEPS or affordable < 0.9 * plan["total"]:
                logger.info("time budget %.1f min: %d steps of %d planned (%.2f s/step)",
                            minutes, affordable, plan["total"], elapsed / step)
            plan["total"] = affordable
            plan["warmup"] = min(plan["warmup"], max(1, plan["total"] // 10))

    def _loss(self, ids: list[list[int]], targets: dict[str, torch.Tensor]) -> float:
        import torch

        from feedback_nlp.transformer.multitask import multitask_loss

        self.model_.eval()
        total, n = 0.0, 0
        with torch.inference_mode():
            for batch in self._batches([len(r) for r in ids], self.config.eval_batch_size, None):
                tensor_ids, mask = self._pad([ids[i] for i in batch])
                index = torch.from_numpy(batch).to(next(iter(targets.values())).device)
                total += float(
                    multitask_loss(self._forward(tensor_ids, mask), {h: t[index] for h, t in targets.items()})
                ) * len(batch)
                n += len(batch)
        return total / max(n, 1)

    def _tune(self, X_valid: Sequence[str], y_valid: pd.DataFrame) -> None:
        proba = self.predict_proba(X_valid)
        self.thresholds_: dict[str, np.ndarray] = {}
        for head in ("fault_types", "aspects"):
            codes = self.taxonomy_.head(head).codes
            if head not in proba:
                self.thresholds_[head] = np.full(len(codes), DEFAULT_THRESHOLD)
                continue
            known, truth = multi_hot(y_valid[head].tolist(), codes)
            self.thresholds_[head] = tune_thresholds(truth[known], proba[head].to_numpy()[known])
        self.n_valid_ = len(X_valid)

    # -- predict ----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ConfigError(f"{type(self).__name__} is not fitted; call fit() or load()")

    def encoder_proba(self, X: Sequence[str]) -> dict[str, pd.DataFrame]:
        """The fine-tuned encoder's own scores per head, without any blend."""
        self._check_fitted()
        onnx = getattr(self, "onnx_", None)
        if onnx is None:
            self.model_.eval()
        heads = list(onnx.heads if onnx is not None else self.model_.heads.keys())
        batch_size = ONNX_BATCH_SIZE if onnx is not None else self.config.eval_batch_size
        codes = {h: self.taxonomy_.fault_types.codes if h == PRIMARY else self.taxonomy_.head(h).codes for h in heads}
        if len(X) == 0:
            return {h: pd.DataFrame(columns=codes[h]) for h in heads}
        ids = self._encode(X)
        out = {h: np.zeros((len(ids), len(codes[h])), dtype=np.float32) for h in heads}
        for batch in self._batches([len(r) for r in ids], batch_size, None):
            rows = [ids[i] for i in batch]
            if onnx is not None:
                # numpy end to end: a torch op between session runs wakes torch's thread
                # pool, which then competes with ONNX Runtime's for the cores (~10 % slower)
                values = onnx.probabilities(*pad_ids(rows, self.tokenizer_.pad_token_id or 0))
            else:
                values = self._torch_probabilities(rows)
            for head, value in values.items():
                out[head][batch] = value
        return {h: pd.DataFrame(out[h], columns=codes[h]) for h in heads}

    def _torch_probabilities(self, rows: list[list[int]]) -> dict[str, np.ndarray]:
        import torch

        from feedback_nlp.transformer.multitask import probabilities

        with torch.inference_mode():
            tensor_ids, mask = self._pad(rows)
            return {h: v.cpu().numpy() for h, v in probabilities(self._forward(tensor_ids, mask)).items()}

    def predict_proba(
        self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> dict[str, pd.DataFrame]:
        """Scores per head; columns are the taxonomy's codes.

        With a companion (see :meth:`blend_with`) each head's scores are
        ``w * encoder + (1 - w) * companion``; ``tokens`` go to the companion.
        """
        own = self.encoder_proba(X)
        companion = getattr(self, "companion_", None)
        if companion is None or len(X) == 0:
            return own
        other = companion.predict_proba(X, tokens=tokens)
        return _blend(own, other, self.blend_)

    def blend_with(self, companion: Any, X_valid: Sequence[str], y_valid: pd.DataFrame) -> Self:
        """Blend this model's scores with a companion model's (the TF-IDF baseline).

        The encoder and a bag-of-n-grams model make different mistakes: the n-gram
        model never misses a keyword it has seen, the encoder generalises over
        wording. Per head, the encoder's share ``w`` is chosen on the validation set
        by log loss (``w = 1`` drops the companion for that head), then the decision
        thresholds are tuned again on the blended scores — except for a multi-label
        head the encoder gets no share of (``w = 0``): its scores are the companion's,
        so it keeps the companion's thresholds, tuned on more rows than ``X_valid``
        may hold (the real-text rows only, for the default corpus). The companion is saved
        inside this model's directory, so the model stays self-contained.
        """
        self._check_fitted()
        if companion.taxonomy_.to_dict() != self.taxonomy_.to_dict():
            raise ConfigError(
                f"cannot blend with {companion.name}@{companion.version}: its taxonomy "
                f"{companion.taxonomy_.label} differs from {self.taxonomy_.label}"
            )
        y_valid = coerce_labelled(y_valid).reset_index(drop=True)
        own, other = self.encoder_proba(X_valid), companion.predict_proba(X_valid)
        self.blend_ = {}
        self.blend_losses_: dict[str, dict[str, float]] = {}
        for head, scores in own.items():
            if head not in other:
                self.blend_[head] = 1.0
                continue
            known, truth = _truth(y_valid, self.taxonomy_, head)
            if known.sum() == 0:
                self.blend_[head] = 1.0
                continue
            p, q = scores.to_numpy()[known], other[head][scores.columns].to_numpy()[known]
            losses = {float(w): _log_loss(w * p + (1 - w) * q, truth[known], head) for w in BLEND_GRID}
            self.blend_[head] = min(losses, key=lambda w: (losses[w], -w))
            self.blend_losses_[head] = {"encoder": losses[1.0], "companion": losses[0.0],
                                        "blend": losses[self.blend_[head]]}  # fmt: skip
        self.encoder_thresholds_ = self.thresholds_
        self.companion_ = companion
        logger.info("blend weights (encoder share): %s", self.blend_)
        self._tune(X_valid, y_valid)
        for head in MULTI_LABEL_HEADS:
            if self.blend_.get(head) == 0.0 and head in companion.thresholds_:
                self.thresholds_[head] = np.asarray(companion.thresholds_[head], dtype=float)
        return self

    def predict(self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None) -> pd.DataFrame:
        """Labels per text: ``fault_types`` (list), ``primary_fault``, ``sentiment``, ``aspects`` (list)."""
        return decide(self.predict_proba(X), self.thresholds_, self.taxonomy_)

    # -- persistence ------------------------------------------------------------------------
    def metadata(self, **extra: Any) -> dict[str, Any]:
        self._check_fitted()
        return {
            **base_metadata(self),
            "heads": {h: int(layer.out_features) for h, layer in self.model_.heads.items()},
            "base_model": str(self.base_model),
            "parameters": asdict(self.config),
            "n_parameters": int(sum(p.numel() for p in self.model_.parameters())),
            "n_train": getattr(self, "n_train_", {}),
            "n_valid": getattr(self, "n_valid_", 0),
            "history": getattr(self, "history_", []),
            "train_seconds": getattr(self, "train_seconds_", None),
            "blend": self._blend_metadata(),
            **extra,
        }

    @contextmanager
    def encoder_only(self) -> Iterator[Self]:
        """Within the block, predict with the encoder alone (and the thresholds tuned for it)."""
        companion, thresholds = getattr(self, "companion_", None), self.thresholds_
        self.companion_ = None
        self.thresholds_ = getattr(self, "encoder_thresholds_", thresholds) if companion is not None else thresholds
        try:
            yield self
        finally:
            self.companion_, self.thresholds_ = companion, thresholds

    def _blend_metadata(self) -> dict[str, Any] | None:
        companion = getattr(self, "companion_", None)
        if companion is None:
            return None
        return {"companion": f"{companion.name}@{companion.version}", "companion_kind": companion.kind,
                "weights": self.blend_, "valid_log_loss": getattr(self, "blend_losses_", {}),
                "encoder_thresholds": {h: np.asarray(v).tolist()
                                       for h, v in getattr(self, "encoder_thresholds_", {}).items()}}  # fmt: skip

    def save(self, path: str | Path, **metadata: Any) -> Path:
        """Write ``encoder/`` (weights + tokenizer), ``heads.safetensors`` and ``metadata.json``."""
        from safetensors.torch import save_file

        self._check_fitted()
        if self.model_ is None:
            raise ConfigError(f"{self.name}@{self.version} was loaded for ONNX Runtime; load it with "
                              "runtime='torch' to save it")  # fmt: skip
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.to("cpu")  # weights are written, and later loaded, as CPU tensors
        self.model_.encoder.save_pretrained(path / ENCODER_DIR)
        self.tokenizer_.save_pretrained(path / ENCODER_DIR)
        save_file({k: v.contiguous() for k, v in self.model_.heads.state_dict().items()}, str(path / HEADS_FILE))
        if getattr(self, "companion_", None) is not None:
            self.companion_.save(path / COMPANION_DIR)
        write_metadata(path, self.metadata(**metadata))
        if onnx_available():
            export_onnx(self.model_, list(self.model_.heads.keys()), path)
        return path

    @classmethod
    def load(
        cls, path: str | Path, *, segmenter: Any = None, quantize: bool = False, num_threads: int | None = None,
        runtime: str = "torch",
    ) -> Self:
        """Load a directory written by :meth:`save` for inference.

        ``runtime="torch"`` builds the torch network (``quantize``: int8 dynamic
        quantisation of the encoder's Linear layers); ``runtime="onnx"`` runs the
        exported graph in ONNX Runtime (``quantize``: the int8 graph) and never builds
        the torch network — the graphs are exported first if the directory lacks them.
        """
        if runtime not in RUNTIMES:
            raise ConfigError(f"runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")
        path = Path(path)
        meta = read_metadata(path)
        if meta["kind"] != cls.kind:
            raise ConfigError(f"{path} holds a {meta['kind']!r} model, not {cls.kind!r}")
        if not (path / ENCODER_DIR / "config.json").exists() or not (path / HEADS_FILE).exists():
            raise ConfigError(f"{path}: {ENCODER_DIR}/ or {HEADS_FILE} is missing; the model directory is incomplete")
        params = {k: v for k, v in meta.get("parameters", {}).items() if k in FinetuneConfig.__dataclass_fields__}
        model = cls(model_taxonomy(meta), base_model=meta.get("base_model"), name=meta["name"], version=meta["version"],
                    config=FinetuneConfig(**params), segmenter=segmenter)  # fmt: skip
        model.taxonomy_ = model.taxonomy
        try:
            if runtime == "onnx":
                model.tokenizer_ = _tokenizer(path / ENCODER_DIR, plain=True)
                model.model_, model.onnx_ = None, _onnx_session(path, meta, quantize=quantize, num_threads=num_threads)
            else:
                model.tokenizer_ = _tokenizer(path / ENCODER_DIR, plain=False)
                if num_threads:
                    import torch

                    torch.set_num_threads(num_threads)
                model.model_, model.onnx_ = _torch_network(path, meta, model.config, quantize=quantize), None
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise ConfigError(f"{path}: cannot load the transformer model: {exc}") from exc
        model.thresholds_ = {h: np.asarray(v, dtype=float) for h, v in meta["thresholds"].items()}
        model.n_train_ = meta.get("n_train", {})
        model.n_valid_ = meta.get("n_valid", 0)
        model.history_ = meta.get("history", [])
        model.train_seconds_ = meta.get("train_seconds")
        model.metadata_ = meta
        if meta.get("blend"):
            from feedback_nlp.classifiers.baseline import TfidfClassifier  # the companion is a baseline

            model.companion_ = TfidfClassifier.load(path / COMPANION_DIR, segmenter=segmenter)
            model.blend_ = {h: float(w) for h, w in meta["blend"]["weights"].items()}
            model.encoder_thresholds_ = {
                h: np.asarray(v, dtype=float) for h, v in meta["blend"].get("encoder_thresholds", {}).items()
            }
        return model


def _tokenizer(directory: Path, *, plain: bool) -> Any:
    """The saved tokenizer: ``plain`` reads its ``tokenizer.json`` without transformers when it has one."""
    if plain and (directory / TOKENIZER_FILE).exists():
        return JsonTokenizer(directory)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(directory, local_files_only=True)


def _torch_network(path: Path, meta: dict[str, Any], config: FinetuneConfig, *, quantize: bool) -> MultiTaskModel:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

    from feedback_nlp.transformer.multitask import MultiTaskModel

    encoder = _load_encoder(AutoModel, path / ENCODER_DIR)
    network = MultiTaskModel(encoder, meta["heads"], dropout=config.dropout)
    network.heads.load_state_dict(load_file(str(path / HEADS_FILE)))
    network.eval()
    if quantize:
        # The encoder's Linear layers only: they are ~all of the compute, while the
        # small heads decide labels against tuned thresholds and stay exact.
        # Per-channel weight scales: on the fine-tuned e5 encoder they keep ~5 points more
        # of the labels unchanged than one scale per tensor, at the same speed.
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        network.encoder = quantize_dynamic(
            network.encoder, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
        )
    return network


def _onnx_session(path: Path, meta: dict[str, Any], *, quantize: bool, num_threads: int | None) -> OnnxNetwork:
    """The model's ONNX graph in a session; exported (once, ~10 s) when the directory lacks it."""
    if not onnx_available():
        raise ConfigError("runtime 'onnx' needs the onnxruntime package (pip install onnxruntime), or use 'torch'")
    graph = onnx_path(path, quantize=quantize)
    if not graph.exists():
        logger.info("%s has no ONNX graph yet: exporting it once", path)
        export_onnx(_torch_network(path, meta, FinetuneConfig(), quantize=False), list(meta["heads"]), path)
    return OnnxNetwork(graph, list(meta["heads"]), num_threads=num_threads)


def _load_encoder(auto_model: Any, path: Path) -> torch.nn.Module:
    """The encoder without BERT's pooler: texts are mean-pooled, the pooler would be dead weight."""
    try:
        return auto_model.from_pretrained(path, local_files_only=True, add_pooling_layer=False)
    except TypeError:  # an architecture without that option
        return auto_model.from_pretrained(path, local_files_only=True)


def _truth(y: pd.DataFrame, taxonomy: Taxonomy, head: str) -> tuple[np.ndarray, np.ndarray]:
    """(known rows, truth): a multi-hot matrix, or class indices for single-label heads."""
    if head in MULTI_LABEL_HEADS:
        return multi_hot(y[head].tolist(), taxonomy.head(head).codes)
    column = "primary_fault" if head == PRIMARY else head
    codes = taxonomy.fault_types.codes if head == PRIMARY else taxonomy.head(head).codes
    index = {code: j for j, code in enumerate(codes)}
    truth = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in y[column]], dtype=np.int64)
    return truth >= 0, truth


def _log_loss(proba: np.ndarray, truth: np.ndarray, head: str) -> float:
    """Mean binary cross-entropy (multi-label heads) or negative log-likelihood."""
    proba = np.clip(proba, 1e-7, 1 - 1e-7)
    if head in MULTI_LABEL_HEADS:
        return float(-np.mean(truth * np.log(proba) + (1 - truth) * np.log(1 - proba)))
    return float(-np.mean(np.log(proba[np.arange(len(truth)), truth])))


def _blend(own: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame],
           weights: dict[str, float]) -> dict[str, pd.DataFrame]:  # fmt: skip
    out = {}
    for head, scores in own.items():
        w = weights.get(head, 1.0)
        if head not in other or w >= 1.0:
            out[head] = scores
            continue
        mixed = w * scores.to_numpy() + (1 - w) * other[head][scores.columns].to_numpy()
        out[head] = pd.DataFrame(mixed.astype(np.float32), columns=scores.columns)
    return out


def _known(target: torch.Tensor) -> torch.Tensor:
    return target[:, 0] >= 0 if target.dim() == 2 else target != -100
