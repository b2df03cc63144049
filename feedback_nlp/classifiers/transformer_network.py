"""The transformer classifier's networks: built from a base checkpoint, loaded from a saved model.

:func:`build_network` makes the network fine-tuning starts from (a base encoder, cut
to its first layers if asked, plus fresh heads); :func:`torch_network` and
:func:`onnx_session` load a saved model's network for inference, in torch or in ONNX
Runtime; :func:`forward` runs the torch one on the device its weights are on. torch and
transformers are imported inside these functions: serving on ONNX Runtime loads
neither.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_nlp.classifiers.base import PRIMARY
from feedback_nlp.classifiers.transformer_batches import TextTokenizer
from feedback_nlp.classifiers.transformer_config import FinetuneConfig
from feedback_nlp.encoder.onnx_runtime import (
    TOKENIZER_FILE,
    JsonTokenizer,
    OnnxNetwork,
    export_onnx,
    onnx_available,
    onnx_path,
)
from feedback_nlp.errors import ConfigError
from feedback_nlp.taxonomy import HEADS, Taxonomy

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

    from feedback_nlp.encoder.multitask import MultiTaskModel

logger = logging.getLogger(__name__)

#: The encoder (a Hugging Face model directory with its tokenizer) inside a saved model.
ENCODER_DIR = "encoder"
#: The heads' weights inside a saved model.
HEADS_FILE = "heads.safetensors"


def head_sizes(taxonomy: Taxonomy, with_primary: bool) -> dict[str, int]:
    """Labels per head with any; the primary-fault head when the training data names primary faults."""
    sizes = {head: len(taxonomy.head(head)) for head in HEADS if len(taxonomy.head(head))}
    if with_primary and len(taxonomy.fault_types):
        sizes[PRIMARY] = len(taxonomy.fault_types)
    return sizes


def build_network(
    base_model: str | Path | None, config: FinetuneConfig, taxonomy: Taxonomy, *, with_primary: bool
) -> tuple[TextTokenizer, MultiTaskModel]:
    """The tokenizer and the untrained network of a base checkpoint, as ``config`` shapes it."""
    from transformers import AutoTokenizer

    from feedback_nlp.encoder.multitask import MultiTaskModel, encoder_layers

    if base_model is None:
        raise ConfigError("TransformerClassifier needs base_model: a local Hugging Face model directory")
    base = Path(base_model)
    if not (base / "config.json").exists():
        raise ConfigError(f"{base} is not a model directory (no config.json); run training/prepare_base.py")
    tokenizer: TextTokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    encoder = load_encoder(base)
    if config.n_layers is not None:
        layers = encoder_layers(encoder)
        if not 1 <= config.n_layers <= len(layers):
            raise ConfigError(f"n_layers must be between 1 and {len(layers)}, got {config.n_layers}")
        encoder.get_submodule("encoder").layer = layers[: config.n_layers]
        encoder.config.num_hidden_layers = config.n_layers
    if config.freeze_embeddings:
        encoder.get_input_embeddings().requires_grad_(False)  # the word-embedding matrix
    return tokenizer, MultiTaskModel(encoder, head_sizes(taxonomy, with_primary), dropout=config.dropout)


def load_encoder(path: Path) -> PreTrainedModel:
    """The encoder without BERT's pooler: texts are mean-pooled, the pooler would be dead weight."""
    from transformers import AutoModel

    encoder: PreTrainedModel
    try:
        encoder = AutoModel.from_pretrained(path, local_files_only=True, add_pooling_layer=False)
    except TypeError:  # an architecture without that option
        encoder = AutoModel.from_pretrained(path, local_files_only=True)
    return encoder


def choose_device(choice: str) -> torch.device:
    """The training device of ``FinetuneConfig.device``: ``auto`` is a GPU when torch sees one."""
    import torch

    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(choice)
    except RuntimeError as exc:
        raise ConfigError(f"device {choice!r}: {exc}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {choice!r}: torch sees no CUDA GPU (this torch build: {torch.__version__})")
    return device


def forward(model: MultiTaskModel, ids: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """The heads' logits (float32), with bf16 autocast on a GPU."""
    import torch

    device = next(model.parameters()).device
    with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
        logits = model(ids.to(device, non_blocking=True), mask.to(device, non_blocking=True))
    return {head: value.float() for head, value in logits.items()}


def saved_tokenizer(directory: Path, *, plain: bool) -> TextTokenizer:
    """The saved tokenizer: ``plain`` reads its ``tokenizer.json`` without transformers when it has one."""
    if plain and (directory / TOKENIZER_FILE).exists():
        return JsonTokenizer(directory)
    from transformers import AutoTokenizer

    tokenizer: TextTokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    return tokenizer


def torch_network(path: Path, meta: dict[str, Any], config: FinetuneConfig, *, quantize: bool) -> MultiTaskModel:
    """A saved model's torch network in eval mode; ``quantize``: int8 dynamic quantisation of the encoder."""
    import torch
    from safetensors.torch import load_file

    from feedback_nlp.encoder.multitask import MultiTaskModel

    encoder = load_encoder(path / ENCODER_DIR)
    network = MultiTaskModel(encoder, meta["heads"], dropout=config.dropout)
    network.heads.load_state_dict(load_file(str(path / HEADS_FILE)))
    network.eval()
    if quantize:
        # The encoder's Linear layers only: they are ~all of the compute, while the
        # small heads decide labels against tuned thresholds and stay exact.
        # Per-channel weight scales: on the fine-tuned e5 encoder they keep ~5 points more
        # of the labels unchanged than one scale per tensor, at the same speed.
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        network.encoder = quantize_dynamic(  # type: ignore[no-untyped-call]  # torch: quantize_dynamic is unannotated
            network.encoder, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
        )
    return network


def onnx_session(path: Path, meta: dict[str, Any], *, quantize: bool, num_threads: int | None) -> OnnxNetwork:
    """The model's ONNX graph in a session; exported (once, ~10 s) when the directory lacks it."""
    if not onnx_available():
        raise ConfigError("runtime 'onnx' needs the onnxruntime package (pip install onnxruntime), or use 'torch'")
    graph = onnx_path(path, quantize=quantize)
    if not graph.exists():
        logger.info("%s has no ONNX graph yet: exporting it once", path)
        export_onnx(torch_network(path, meta, FinetuneConfig(), quantize=False), list(meta["heads"]), path)
    return OnnxNetwork(graph, list(meta["heads"]), num_threads=num_threads)
