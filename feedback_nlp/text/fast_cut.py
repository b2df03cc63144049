"""jieba's precise-mode cut computed by jieba-rs (the ``rjieba`` binding), token for token as jieba cuts.

:class:`FastCut` copies a warmed-up ``jieba.Tokenizer``'s dictionary (every word with a
frequency above 0, and its ``total``, which jieba lets grow past the sum of the
frequencies) into an ``rjieba.Jieba``, so both compute the same word graph and the same
route. On real reviews about 10× faster than jieba's Python loops with the HMM off, 5× with
it on (each text is then also cut without the HMM, see 3. below): benchmarks/segmentation.py.

jieba-rs 0.11 (inside rjieba 0.2.2) departs from jieba 0.42.1 in three places, found by
comparing both on ~97k real reviews and on generated strings and reading jieba-rs's
source. A text that can meet one of them is cut by jieba instead (:meth:`FastCut.needs_jieba`):
with the HMM on about 3% of real reviews, nearly all for the first reason; 0.01% with it off.

1. With the HMM on, a non-Chinese stretch of an unknown-word run is split by jieba with
   ``[a-zA-Z0-9]+(?:\\.\\d+)?%?``; jieba-rs joins alphanumeric runs over ``.``, ``_`` and
   ``-`` (``type-c``, ``2.5G``, ``www.a.com`` stay whole). Only ``digits.digits`` is cut
   alike, so :data:`_CONNECTOR` matches every other alphanumeric–connector–alphanumeric.
2. jieba-rs counts CJK extension A–F, compatibility ideographs and U+9FD6–U+9FFF as
   Chinese; jieba (``[\\u4E00-\\u9FD5]``) does not (:data:`_WIDER_HAN`).
3. Viterbi ties: when two segmentations of an unknown-word run score exactly the same,
   the two pick different ones (``赞赞赞赞赞``). A tie needs the run to repeat its
   characters: in every string checked (all strings of up to 9 characters over 4
   letters, up to 7 over 5) a tied run holds a character three times or a repeated
   character pair, hence at least two repeats. The runs are the stretches of
   single-character words of the HMM-free cut, so that cut is computed first and a text
   with such a run goes to jieba.

Also cut by jieba: texts with a lone surrogate (not encodable for Rust), and every text
while ``jieba.finalseg.Force_Split_Words`` is not empty (``jieba.add_word(w, 0)`` on the
global tokenizer fills it; jieba-rs has no such set).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final, cast

if TYPE_CHECKING:
    import jieba

__all__ = ["FastCut", "fast_cut_available"]

#: Alphanumeric, connector, alphanumeric, except ``digits.digits`` (reason 1 above).
_CONNECTOR: Final = re.compile(r"[A-Za-z0-9](?:[_-][A-Za-z0-9]|\.[0-9]*(?:[A-Za-z]|[._-][A-Za-z0-9]))")
#: Characters jieba-rs treats as Chinese and jieba does not (reason 2).
_WIDER_HAN: Final = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
#: Three or more single-Chinese-character words in a row of a cut joined with NUL (reason 3).
_SINGLE_RUN: Final = re.compile("(?:^|(?<=\x00))[\u4e00-\u9fd5](?:\x00[\u4e00-\u9fd5]){2,}(?=\x00|$)")
#: A word no text can match: jieba and jieba-rs only look words up inside runs of
#: Chinese, ASCII letters, digits and ``+#&._%-``, never holding a control character.
#: It carries the part of jieba's ``total`` that no word's frequency accounts for.
_FILLER_WORD: Final = "\x00\x01"


def fast_cut_available() -> bool:
    """Whether the compiled segmenter (``rjieba``) is installed."""
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def _may_tie(plain_words: list[str]) -> bool:
    """Whether a run of single-character words repeats characters twice or more (reason 3)."""
    for match in _SINGLE_RUN.finditer("\x00".join(plain_words)):
        chars = match.group()[::2]
        if len(chars) - len(set(chars)) >= 2:
            return True
    return False


class FastCut:
    """``tokenizer.cut(text, HMM=hmm)`` as a list, computed by jieba-rs where it gives the same words.

    Built from a tokenizer already holding its final dictionary; later changes to the
    tokenizer are not seen (build a new one, as :meth:`Segmenter.reload` does).

    Raises:
        ImportError: ``rjieba`` is not installed (see :func:`fast_cut_available`).
    """

    def __init__(self, tokenizer: jieba.Tokenizer) -> None:
        import jieba.finalseg
        import rjieba

        self.tokenizer = tokenizer
        self._force_split: set[str] = jieba.finalseg.Force_Split_Words
        jieba_rs: Any = rjieba.Jieba  # its stub leaves empty() untyped
        rust = jieba_rs.empty()
        added = 0
        for word, freq in tokenizer.FREQ.items():
            if freq > 0:  # 0 marks a prefix or a forbidden word: jieba never routes through it
                rust.add_word(word, freq, None)
                added += freq
        if tokenizer.total > added:
            rust.add_word(_FILLER_WORD, tokenizer.total - added, None)
        # jieba's total only grows, so it is never below the sum; if someone lowered it,
        # the routes would differ: every text goes to jieba then.
        self._rust: Any = rust if tokenizer.total >= added else None

    def needs_jieba(self, text: str, hmm: bool) -> bool:
        """Whether ``text`` is cut by jieba rather than jieba-rs (see the module docstring)."""
        if self._rust is None or self._force_split or _WIDER_HAN.search(text):
            return True
        if hmm and _CONNECTOR.search(text):
            return True
        try:
            plain = cast(list[str], self._rust.cut(text, False))
        except UnicodeEncodeError:  # a lone surrogate
            return True
        return hmm and _may_tie(plain)

    def cut(self, text: str, hmm: bool) -> list[str]:
        """The words of ``text``, exactly ``list(tokenizer.cut(text, HMM=hmm))``."""
        rust = self._rust
        if rust is None or self._force_split or _WIDER_HAN.search(text):
            return list(self.tokenizer.cut(text, HMM=hmm))
        try:
            if not hmm:
                return cast(list[str], rust.cut(text, False))
            if _CONNECTOR.search(text) or _may_tie(rust.cut(text, False)):
                return list(self.tokenizer.cut(text, HMM=True))
            return cast(list[str], rust.cut(text, True))
        except UnicodeEncodeError:  # a lone surrogate
            return list(self.tokenizer.cut(text, HMM=hmm))
