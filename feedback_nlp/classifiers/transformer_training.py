"""The fine-tuning loop of the transformer classifier, CPU-friendly by design.

:func:`fine_tune` trains a built network in place: AdamW with a linear warm-up and
decay, a step budget (``max_steps``) and a time budget (``max_minutes``, re-planned
every :data:`BUDGET_PROBE_STEPS` steps), validation after every epoch and the best
epoch by validation loss kept (early stopping with ``patience``). With frozen bottom
layers their outputs for every training text are computed once
(:func:`lower_states`) and each step runs only the layers above them and the heads.
torch is imported inside the functions, never at module level.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from feedback_nlp.classifiers.transformer_batches import known_rows, length_batches, pad, pad_states
from feedback_nlp.classifiers.transformer_config import FinetuneConfig
from feedback_nlp.classifiers.transformer_network import forward
from feedback_nlp.errors import ConfigError

if TYPE_CHECKING:
    import torch

    from feedback_nlp.encoder.multitask import MultiTaskModel

logger = logging.getLogger(__name__)

#: Every this many steps a ``max_minutes`` budget re-plans the step count.
BUDGET_PROBE_STEPS = 20


@dataclass
class TrainingRun:
    """What a run of :func:`fine_tune` reports; the trained weights are in the network."""

    history: list[dict[str, float]]  # per epoch: epoch, step, train_loss, valid_loss
    seconds: float  # of the training loop (the frozen-layer cache before it not counted)
    n_train: dict[str, int]  # training rows that label each head


def fine_tune(
    model: MultiTaskModel,
    config: FinetuneConfig,
    *,
    pad_id: int,
    train_ids: list[list[int]],
    valid_ids: list[list[int]],
    train_targets: dict[str, torch.Tensor],
    valid_targets: dict[str, torch.Tensor],
    sample_weight: np.ndarray | None,
    rng: np.random.Generator,
    device: torch.device,
) -> TrainingRun:
    """Train ``model`` (already on ``device``) on token ids and per-head targets; left in eval mode.

    ``sample_weight``: one weight per training row (human labels weigh more).
    """
    import torch

    from feedback_nlp.encoder.multitask import encoder_layers, multitask_loss

    cfg = config
    n_kept = len(encoder_layers(model.encoder))
    frozen = freeze_lower(
        model, max(0, n_kept - cfg.trainable_layers) if cfg.trainable_layers is not None else cfg.frozen_layers
    )
    cache_started = time.perf_counter()
    cache = lower_states(model, train_ids, frozen, pad_id=pad_id, batch_size=cfg.eval_batch_size) if frozen else None
    cache_minutes = (time.perf_counter() - cache_started) / 60
    train_targets = {h: t.to(device) for h, t in train_targets.items()}
    row_weights = None if sample_weight is None else torch.as_tensor(
        np.asarray(sample_weight, dtype=np.float32)).to(device)  # fmt: skip
    valid_targets = {h: t.to(device) for h, t in valid_targets.items()}

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
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    # One bar over the steps that will really run: the time budget re-plans the total,
    # and the bar's total (and so its remaining time) follows.
    bar = tqdm(total=plan["total"], desc="fine-tuning", unit="step")
    for epoch in range(cfg.epochs):
        model.train()
        running, seen = 0.0, 0
        for batch in length_batches(lengths, cfg.batch_size, rng):
            if step >= plan["total"]:
                break
            index = torch.from_numpy(batch).to(device)
            if cache is None:
                ids, mask = pad([train_ids[i] for i in batch], pad_id)
                logits = forward(model, ids, mask)
            else:
                hidden, mask = pad_states([cache[i] for i in batch])
                logits = model.upper(hidden.to(device), mask.to(device), frozen)
            loss = multitask_loss(logits, {h: t[index] for h, t in train_targets.items()},
                                  row_weights=None if row_weights is None else row_weights[index])
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            if cfg.max_minutes is not None and step % BUDGET_PROBE_STEPS == 0:
                # re-planned every few steps: a machine that gets busier mid-run still ends in time
                fit_budget(plan, step, time.perf_counter() - started, cfg.max_minutes - cache_minutes)
                if bar.total != plan["total"]:
                    bar.total = plan["total"]
                    bar.refresh()
            running += loss.item() * len(batch)
            seen += len(batch)
            bar.update(1)
            bar.set_postfix(epoch=f"{epoch + 1}/{cfg.epochs}", loss=f"{running / seen:.4f}")
        valid_loss = validation_loss(model, valid_ids, valid_targets, pad_id=pad_id, batch_size=cfg.eval_batch_size)
        record = {"epoch": epoch + 1, "step": step, "train_loss": running / max(seen, 1), "valid_loss": valid_loss}
        history.append(record)
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
    return TrainingRun(
        history=history,
        seconds=round(time.perf_counter() - started, 1),
        n_train={h: int(known_rows(t).sum()) for h, t in train_targets.items()},
    )


def freeze_lower(model: MultiTaskModel, n: int) -> int:
    """Freeze the embeddings and the bottom ``n`` layers; returns ``n`` (0: nothing frozen)."""
    from feedback_nlp.encoder.multitask import encoder_layers

    if n <= 0:
        return 0
    encoder = model.encoder
    layers = encoder_layers(encoder)
    if n >= len(layers):
        raise ConfigError(f"frozen_layers must be below the {len(layers)} encoder layers kept, got {n}")
    for module in (encoder.get_submodule("embeddings"), *layers[:n]):
        module.requires_grad_(False)
    return n


def lower_states(
    model: MultiTaskModel, ids: list[list[int]], n_frozen: int, *, pad_id: int, batch_size: int
) -> list[torch.Tensor]:
    """Every text's hidden states after the frozen layers, in float16 (computed once, no dropout)."""
    import torch

    device = next(model.parameters()).device
    states: dict[int, torch.Tensor] = {}
    model.eval()
    with torch.no_grad():
        for batch in tqdm(length_batches([len(r) for r in ids], batch_size, None),
                          desc=f"caching {n_frozen} frozen layer(s)", unit="batch"):  # fmt: skip
            tensor_ids, mask = pad([ids[i] for i in batch], pad_id)
            hidden = model.lower(tensor_ids.to(device), mask.to(device), n_frozen).to(torch.float16)
            for row, i in enumerate(batch):
                states[i] = hidden[row, : len(ids[i])].cpu()
    return [states[i] for i in range(len(ids))]


def fit_budget(plan: dict[str, int], step: int, elapsed: float, minutes: float) -> None:
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


def validation_loss(
    model: MultiTaskModel, ids: list[list[int]], targets: dict[str, torch.Tensor], *, pad_id: int, batch_size: int
) -> float:
    """The multi-task loss over ``ids``, a mean over rows (eval mode, no gradients)."""
    import torch

    from feedback_nlp.encoder.multitask import multitask_loss

    model.eval()
    total, n = 0.0, 0
    with torch.inference_mode():
        for batch in length_batches([len(r) for r in ids], batch_size, None):
            tensor_ids, mask = pad([ids[i] for i in batch], pad_id)
            index = torch.from_numpy(batch).to(next(iter(targets.values())).device)
            total += float(
                multitask_loss(forward(model, tensor_ids, mask), {h: t[index] for h, t in targets.items()})
            ) * len(batch)
            n += len(batch)
    return total / max(n, 1)
