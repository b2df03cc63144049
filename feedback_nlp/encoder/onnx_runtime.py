"""Serving a fine-tuned transformer with ONNX Runtime: export, int8 quantisation, sessions.

Chosen by measurement (``benchmarks/transformer_bench.py``, 2 cores, no AVX-512): on
the 6-layer fine-tuned e5 encoder, ONNX Runtime with int8 dynamic quantisation
(per-channel weight scales) ran 2,000 40-character reviews at ~265–285 texts/s and a
single text in ~5–6 ms, where torch's own int8 dynamic quantisation gave ~185–237
texts/s and ~15 ms, with ~300 MB less resident memory (the torch network is never
built).

The graph is the whole network — encoder, attention-masked mean pooling and every
head — so a session returns the heads' logits; thresholds and the blend stay in
Python. The export uses torch's TorchScript-based exporter: it writes one
self-contained file in seconds, where the ``torch.export`` exporter took ~2 minutes
and writes its weights beside the graph. Files live in ``onnx/`` inside the model
directory, written when the model is saved and, for a model saved before, on its
first ONNX load. The tokenizer is read from its ``tokenizer.json`` by the
``tokenizers`` library alone (:class:`JsonTokenizer`), so a serving process imports
neither transformers nor torch.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, softmax

from feedback_nlp.errors import ModelError
from feedback_nlp.taxonomy import MULTI_LABEL_HEADS

if TYPE_CHECKING:
    from feedback_nlp.encoder.multitask import MultiTaskModel

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
#: A fast tokenizer's file, as ``save_pretrained`` writes it.
TOKENIZER_FILE = "tokenizer.json"
#: Texts per session run: on 2 cores 32 was fastest (16: −9 %, 64: −3 %, 128: −24 %).
ONNX_BATCH_SIZE = 32
_OPSET = 17


def onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def onnx_path(model_dir: str | Path, *, quantize: bool) -> Path:
    return Path(model_dir) / ONNX_DIR / (INT8_FILE if quantize else FP32_FILE)


def export_onnx(network: MultiTaskModel, heads: Sequence[str], model_dir: str | Path) -> dict[str, Path]:
    """Write ``onnx/model.onnx`` (fp32) and ``onnx/model.int8.onnx`` for a ``MultiTaskModel``.

    Inputs are ``input_ids`` and ``attention_mask`` (int64, batch × tokens, both axes
    dynamic); outputs are the heads' logits in ``heads`` order.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = Path(model_dir) / ONNX_DIR
    target.mkdir(parents=True, exist_ok=True)
    fp32, int8 = target / FP32_FILE, target / INT8_FILE
    names = list(heads)

    class _Logits(torch.nn.Module):  # ONNX outputs are a tuple, not a dict
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
            out = self.network(input_ids, attention_mask)
            return tuple(out[h] for h in names)

    wrapper = _Logits().eval()
    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter is deprecated and chatty; torch is pinned, it works
        torch.onnx.export(
            wrapper, example, str(fp32), input_names=["input_ids", "attention_mask"], output_names=names,
            dynamic_axes={**axes, **{h: {0: "batch"} for h in names}}, opset_version=_OPSET, dynamo=False,
        )  # fmt: skip
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantiser logs a line per tensor on the root logger
    try:
        # DefaultTensorType: shape inference cannot type every intermediate of the exported graph
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": 1})  # fmt: skip
    finally:
        root.setLevel(level)
    logger.info("exported ONNX graphs to %s (fp32 %.0f MB, int8 %.0f MB)", target,
                fp32.stat().st_size / 1e6, int8.stat().st_size / 1e6)  # fmt: skip
    return {"fp32": fp32, "int8": int8}


class OnnxNetwork:
    """An ONNX Runtime session that maps token ids to the heads' logits."""

    def __init__(self, path: str | Path, heads: Sequence[str], *, num_threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        outputs = [o.name for o in self.session.get_outputs()]
        if sorted(outputs) != sorted(heads):
            raise ModelError(f"{path}: graph outputs {outputs} do not match the model's heads {list(heads)}")
        self.heads = outputs

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> Mapping[str, np.ndarray]:
        """The heads' logits."""
        values = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})
        return dict(zip(self.heads, values, strict=True))

    def probabilities(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        """Sigmoid scores for multi-label heads, softmax for the others (as the torch model's)."""
        return {head: expit(logit) if head in MULTI_LABEL_HEADS else softmax(logit, axis=1)
                for head, logit in self(input_ids, attention_mask).items()}  # fmt: skip


def pad_ids(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id rows as a padded int64 matrix and its attention mask."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


class JsonTokenizer:
    """A saved Hugging Face fast tokenizer, read with the ``tokenizers`` library alone.

    transformers' fast tokenizers wrap this same Rust tokenizer; importing transformers
    (and, through it, torch) to reach it costs seconds of start-up and ~300 MB of a
    serving process. Only what inference uses is offered: ``tokenizer(texts,
    truncation=True, max_length=N)["input_ids"]`` (special tokens added, as
    transformers does) and ``pad_token_id``.
    """

    def __init__(self, directory: str | Path) -> None:
        from tokenizers import Tokenizer

        directory = Path(directory)
        self._tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._max_length: int | None = None
        self._tokenizer.no_truncation()
        self.pad_token_id = self._special_id(directory, "pad_token")

    def _special_id(self, directory: Path, name: str) -> int | None:
        """A special token's id from ``tokenizer_config.json`` (or ``special_tokens_map.json``)."""
        for file in ("tokenizer_config.json", "special_tokens_map.json"):
            config = directory / file
            if not config.exists():
                continue
            token = json.loads(config.read_text(encoding="utf-8")).get(name)
            if isinstance(token, dict):  # {"content": "[PAD]", ...}
                token = token.get("content")
            if isinstance(token, str):
                return self._tokenizer.token_to_id(token)
        return None

    def __call__(self, texts: Sequence[str], *, truncation: bool = True,
                 max_length: int | None = None) -> dict[str, list[list[int]]]:  # fmt: skip
        length = max_length if truncation else None
        if length != self._max_length:
            if length is None:
                self._tokenizer.no_truncation()
            else:
                self._tokenizer.enable_truncation(length)
            self._max_length = length
        return {"input_ids": [e.ids for e in self._tokenizer.encode_batch(list(texts))]}
