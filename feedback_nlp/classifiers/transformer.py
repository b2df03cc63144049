"""The fine-tuned transformer: one encoder, multi-task heads, the same contract as the baseline.

Training is CPU-friendly by design: texts are tokenised once, batches are built from
length-sorted buckets (little padding) and padded per batch, the word-embedding
matrix can be frozen (most of a multilingual model's parameters), the encoder can be
truncated to its first layers, and a step budget caps the run. Validation runs after
every epoch; the best epoch by validation loss is kept (early stopping with
``patience``), and per-label thresholds are then tuned on the validation split.

This module holds the classifier itself (fit, predict, blend, save, load); its parts
are beside it: the hyperparameters (:mod:`~feedback_nlp.classifiers.transformer_config`),
texts and labels made into tensors (:mod:`~feedback_nlp.classifiers.transformer_batches`),
the networks built and loaded (:mod:`~feedback_nlp.classifiers.transformer_network`),
the training loop (:mod:`~feedback_nlp.classifiers.transformer_training`) and the blend
with a companion model (:mod:`~feedback_nlp.classifiers.transformer_blend`).

Artifact: ``encoder/`` (a Hugging Face model directory with its tokenizer),
``heads.safetensors``, ``metadata.json`` and ``onnx/`` (the network exported for
ONNX Runtime, fp32 and int8: what the service runs, see
:mod:`feedback_nlp.encoder.onnx_runtime`). torch and transformers are imported
inside the functions that train or run the torch network, never at module level:
serving on ONNX Runtime loads neither (seconds of start-up and ~300 MB saved).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from feedback_nlp.classifiers.artifacts import TRANSFORMER_KIND, model_taxonomy, read_metadata, write_metadata
from feedback_nlp.classifiers.base import PRIMARY, base_metadata, decide
from feedback_nlp.classifiers.decision import DEFAULT_THRESHOLD, tune_thresholds
from feedback_nlp.classifiers.transformer_batches import TextTokenizer, encode, length_batches, pad, targets
from feedback_nlp.classifiers.transformer_blend import blend, choose_weights
from feedback_nlp.classifiers.transformer_config import FinetuneConfig
from feedback_nlp.classifiers.transformer_network import (
    ENCODER_DIR,
    HEADS_FILE,
    build_network,
    choose_device,
    forward,
    onnx_session,
    saved_tokenizer,
    torch_network,
)
from feedback_nlp.classifiers.transformer_training import BUDGET_PROBE_STEPS, fine_tune
from feedback_nlp.encoder.onnx_runtime import ONNX_BATCH_SIZE, OnnxNetwork, export_onnx, onnx_available, pad_ids
from feedback_nlp.errors import ConfigError
from feedback_nlp.labels import coerce_labelled, multi_hot
from feedback_nlp.taxonomy import MULTI_LABEL_HEADS, Taxonomy

if TYPE_CHECKING:
    import torch

    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.encoder.multitask import MultiTaskModel

# FinetuneConfig and BUDGET_PROBE_STEPS live beside this module; training, benchmarks and tests import them here.
__all__ = ["BUDGET_PROBE_STEPS", "COMPANION_DIR", "ENCODER_DIR", "HEADS_FILE", "RUNTIMES", "FinetuneConfig",
           "TransformerClassifier"]  # fmt: skip

logger = logging.getLogger(__name__)

COMPANION_DIR = "companion"
#: Inference engines of a loaded model (see :meth:`TransformerClassifier.load`).
RUNTIMES = ("torch", "onnx")


class TransformerClassifier:
    """A fine-tuned encoder with multi-task heads; scikit-learn-style like the baseline."""

    kind = TRANSFORMER_KIND
    # Set by fit() or load(); absent until then (``_check_fitted`` asks for ``model_``).
    taxonomy_: Taxonomy
    tokenizer_: TextTokenizer
    model_: MultiTaskModel | None  # None when loaded for ONNX Runtime
    onnx_: OnnxNetwork | None  # set by load() only
    thresholds_: dict[str, np.ndarray]
    history_: list[dict[str, float]]
    n_train_: dict[str, int]
    n_valid_: int
    train_seconds_: float | None
    metadata_: dict[str, Any]  # what load() read
    # Set by blend_with(), or by load() for a blended model.
    companion_: TfidfClassifier | None
    blend_: dict[str, float]
    blend_losses_: dict[str, dict[str, float]]
    encoder_thresholds_: dict[str, np.ndarray]

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
        return encode(self.tokenizer_, texts, self.config.max_length)

    @property
    def _pad_id(self) -> int:
        return self.tokenizer_.pad_token_id or 0

    def _pad(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad(rows, self._pad_id)

    def _torch_model(self, purpose: str = "run its torch network") -> MultiTaskModel:
        """The torch network; a clear error for a model loaded for ONNX Runtime, which has none."""
        if self.model_ is None:
            raise ConfigError(f"{self.name}@{self.version} was loaded for ONNX Runtime; load it with "
                              f"runtime='torch' to {purpose}")  # fmt: skip
        return self.model_

    # -- fit --------------------------------------------------------------------------------
    def _build(self, with_primary: bool) -> MultiTaskModel:
        self.tokenizer_, model = build_network(self.base_model, self.config, self.taxonomy_, with_primary=with_primary)
        self.model_ = model
        return model

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
        model = self._build(with_primary)
        device = choose_device(cfg.device)
        model.to(device)
        heads = list(model.heads.keys())
        run = fine_tune(
            model, cfg, pad_id=self._pad_id, train_ids=self._encode(X), valid_ids=self._encode(X_valid),
            train_targets=targets(y, self.taxonomy_, heads), valid_targets=targets(y_valid, self.taxonomy_, heads),
            sample_weight=sample_weight, rng=rng, device=device,
        )  # fmt: skip
        self.history_, self.train_seconds_, self.n_train_ = run.history, run.seconds, run.n_train
        self._tune(X_valid, y_valid)
        return self

    def _tune(self, X_valid: Sequence[str], y_valid: pd.DataFrame) -> None:
        proba = self.predict_proba(X_valid)
        self.thresholds_ = {}
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
            network = self._torch_model()
            network.eval()
            heads = list(network.heads.keys())
        else:
            heads = list(onnx.heads)
        batch_size = ONNX_BATCH_SIZE if onnx is not None else self.config.eval_batch_size
        codes = {h: self.taxonomy_.fault_types.codes if h == PRIMARY else self.taxonomy_.head(h).codes for h in heads}
        if len(X) == 0:
            return {h: pd.DataFrame(columns=codes[h]) for h in heads}
        ids = self._encode(X)
        out = {h: np.zeros((len(ids), len(codes[h])), dtype=np.float32) for h in heads}
        for batch in length_batches([len(r) for r in ids], batch_size, None):
            rows = [ids[i] for i in batch]
            if onnx is not None:
                # numpy end to end: a torch op between session runs wakes torch's thread
                # pool, which then competes with ONNX Runtime's for the cores (~10 % slower)
                values = onnx.probabilities(*pad_ids(rows, self._pad_id))
            else:
                values = self._torch_probabilities(rows)
            for head, value in values.items():
                out[head][batch] = value
        return {h: pd.DataFrame(out[h], columns=codes[h]) for h in heads}

    def _torch_probabilities(self, rows: list[list[int]]) -> dict[str, np.ndarray]:
        import torch

        from feedback_nlp.encoder.multitask import probabilities

        with torch.inference_mode():
            tensor_ids, mask = self._pad(rows)
            logits = forward(self._torch_model(), tensor_ids, mask)
            return {h: v.cpu().numpy() for h, v in probabilities(logits).items()}

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
        return blend(own, other, self.blend_)

    def blend_with(self, companion: TfidfClassifier, X_valid: Sequence[str], y_valid: pd.DataFrame) -> Self:
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
        self.blend_, self.blend_losses_ = choose_weights(own, other, y_valid, self.taxonomy_)
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
        network = self._torch_model("write its metadata")
        return {
            **base_metadata(self),
            "heads": dict(network.head_sizes),
            "base_model": str(self.base_model),
            "parameters": asdict(self.config),
            "n_parameters": int(sum(p.numel() for p in network.parameters())),
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
        from transformers import PreTrainedTokenizerBase

        self._check_fitted()
        network, tokenizer = self._torch_model("save it"), self.tokenizer_
        assert isinstance(tokenizer, PreTrainedTokenizerBase)  # a torch network comes with transformers' tokenizer
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        network.to("cpu")  # weights are written, and later loaded, as CPU tensors
        network.encoder.save_pretrained(path / ENCODER_DIR)
        tokenizer.save_pretrained(path / ENCODER_DIR)
        save_file({k: v.contiguous() for k, v in network.heads.state_dict().items()}, str(path / HEADS_FILE))
        companion = getattr(self, "companion_", None)
        if companion is not None:
            companion.save(path / COMPANION_DIR)
        write_metadata(path, self.metadata(**metadata))
        if onnx_available():
            export_onnx(network, list(network.heads.keys()), path)
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
        taxonomy = model_taxonomy(meta)
        model = cls(taxonomy, base_model=meta.get("base_model"), name=meta["name"], version=meta["version"],
                    config=FinetuneConfig(**params), segmenter=segmenter)  # fmt: skip
        model.taxonomy_ = taxonomy
        try:
            if runtime == "onnx":
                model.tokenizer_ = saved_tokenizer(path / ENCODER_DIR, plain=True)
                model.model_, model.onnx_ = None, onnx_session(path, meta, quantize=quantize, num_threads=num_threads)
            else:
                model.tokenizer_ = saved_tokenizer(path / ENCODER_DIR, plain=False)
                if num_threads:
                    import torch

                    torch.set_num_threads(num_threads)
                model.model_, model.onnx_ = torch_network(path, meta, model.config, quantize=quantize), None
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
