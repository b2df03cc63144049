"""Where each character of a normalised text came from in the original text.

Explanations point at words of the text a user sent, but models read
:func:`~feedback_nlp.text.normalise`'s output, which differs from it: full-width ASCII
becomes half-width (same length), emoji and zero-width characters are dropped, OpenCC
converts traditional characters (nearly always one for one, not guaranteed), and runs
of whitespace become one space. :func:`normalise_with_offsets` repeats those steps while
keeping, for every normalised character, the span of original characters it stands
for, so a span found in the normalised text can be given back as offsets into the
original one. Offsets are Python ``str`` indices (Unicode code points, not UTF-16 units).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from feedback_nlp.text.normalise import _TABLE, _converter, normalise

__all__ = ["NormalisedText", "align", "normalise_with_offsets"]


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, per character of it, the ``[start, end)`` span of the original it stands for."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the normalised characters ``[start, end)`` (``end > start``).

        Characters dropped by normalisation inside the span (an emoji between two
        characters of a word) fall inside the returned span; those at its edges do not.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is not inside the normalised text of length {len(self.text)}")
        return self.starts[start], self.ends[end - 1]


def align(source: str, target: str) -> list[int]:
    """For each character of ``target``, the index of the ``source`` character it came from.

    Strings of equal length are taken to correspond character by character (what
    OpenCC and lower-casing nearly always do); otherwise the two are aligned with
    :class:`difflib.SequenceMatcher` and a replaced block maps its characters in
    proportion onto the block it replaced. ``source`` must not be empty unless
    ``target`` is.
    """
    if len(source) == len(target):
        return list(range(len(target)))
    if not target:
        return []
    out = [0] * len(target)
    matcher = difflib.SequenceMatcher(None, source, target, autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if i2 > i1:
                out[j] = i1 + (j - j1) * (i2 - i1) // (j2 - j1)
            else:  # inserted: stand for the source character before it (or the first one)
                out[j] = max(i1 - 1, 0)
    return out


def normalise_with_offsets(text: str, *, opencc_config: str = "t2s") -> NormalisedText:
    """:func:`~feedback_nlp.text.normalise` of ``text``, with each character's span in ``text``.

    The normalised text is always exactly ``normalise(text, opencc_config=...)``.

    Raises:
        TypeError: ``text`` is not a ``str``.
        ConfigError: ``opencc_config`` names no OpenCC configuration.
    """
    expected = normalise(text, opencc_config=opencc_config)  # also validates the arguments
    # 1. The translate table: each original character becomes zero, one or more characters.
    chars: list[str] = []
    source: list[int] = []
    for i, char in enumerate(text):
        out = _TABLE.get(ord(char), char)
        if out:
            chars.extend(out)
            source.extend([i] * len(out))
    translated = "".join(chars)
    # 2. OpenCC.
    converted = _converter(opencc_config).convert(translated) if translated else translated
    from_translated = align(translated, converted)
    starts = [source[k] for k in from_translated]
    ends = [source[k] + 1 for k in from_translated]
    # 3. Whitespace runs become one space; the ends are stripped.
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    pending: int | None = None  # index in ``converted`` of the first whitespace of a run
    for k, char in enumerate(converted):
        if char.isspace():
            if pending is None:
                pending = k
            continue
        if pending is not None and out_chars:
            out_chars.append(" ")
            out_starts.append(starts[pending])
            out_ends.append(ends[pending])
        pending = None
        out_chars.append(char)
        out_starts.append(starts[k])
        out_ends.append(ends[k])
    result = "".join(out_chars)
    if result != expected:  # normalise() changed in a way this function does not follow: align what remains
        back = align(converted, expected)
        out_starts = [starts[k] for k in back]
        out_ends = [ends[k] for k in back]
        result = expected
    return NormalisedText(text, result, tuple(out_starts), tuple(out_ends))
