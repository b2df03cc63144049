"""Text clean-up before segmentation, and masking of personal data.

:func:`normalise` runs on every text the product reads (millions of rows), so it is
built from one ``str.translate`` table, one OpenCC call and ``str.split``; no per-call
regex work beyond that. :func:`mask_personal_data` is applied wherever a text leaves the
system (examples in API responses and reports, log lines).
"""

from __future__ import annotations

import re
import threading

import opencc

from feedback_nlp.errors import ConfigError

__all__ = ["NO_CONTENT", "content_problem", "has_content", "mask_personal_data", "normalise"]

#: A letter or a digit of any script (what ``str.isalnum`` accepts).
_CONTENT = re.compile(r"[^\W_]")
_SURROGATE = re.compile("[\ud800-\udfff]")
NO_CONTENT = "text has no letters or digits (only whitespace, punctuation, symbols, emoji or invisible characters)"


def has_content(text: str) -> bool:
    """Whether ``text`` holds something to classify: at least one letter or digit, of any script.

    Whitespace, punctuation, symbols and emoji, zero-width characters, the BOM and
    control characters (NUL) are no content: ``"\\u200b"``, ``"？？？"`` and ``"👍👍"`` have
    none, ``"E21"`` and ``"好"`` do. The one rule for the classify API and the CLI.
    """
    found = _CONTENT.search(text)
    if found is None:
        return False
    if _TABLE.get(ord(found.group()), found.group()):  # the first one survives normalise(): the usual case
        return True
    return _CONTENT.search(text.translate(_TABLE)) is not None  # e.g. only dingbat digits (❶), which it drops


def content_problem(text: str) -> str | None:
    """Why ``text`` cannot be classified although it is a string (None when it can).

    A lone surrogate (``"\\udc80"``, possible in JSON) is not Unicode text; a text
    without :func:`has_content` has nothing to classify.
    """
    bad = _SURROGATE.search(text)
    if bad is not None:
        return f"text holds a lone surrogate (U+{ord(bad.group()):04X}), which is not Unicode text"
    return None if has_content(text) else NO_CONTENT


def _build_table() -> dict[int, str | None]:
    """One translate table: full-width ASCII to half-width, any whitespace to a space,
    and deletion of emoji, variation selectors, zero-width and control characters."""
    table: dict[int, str | None] = {}

    def drop(first: int, last: int) -> None:
        for code in range(first, last + 1):
            table[code] = None

    # Control characters (C0 and C1); the whitespace ones are mapped to a space below.
    drop(0x00, 0x1F)
    drop(0x7F, 0x9F)
    # Zero-width and invisible formatting characters: soft hyphen, combining grapheme
    # joiner, Mongolian vowel separator, ZWSP/ZWNJ/ZWJ, LRM/RLM, bidi embeddings and
    # isolates, word joiner and invisible operators, BOM / ZWNBSP, interlinear annotations.
    for code in (0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF):
        table[code] = None
    drop(0x200B, 0x200F)
    drop(0x202A, 0x202E)
    drop(0x2060, 0x206F)
    drop(0xFFF9, 0xFFFB)
    # Variation selectors (VS1-16, VS17-256) and emoji tag characters (flag subdivisions).
    drop(0xFE00, 0xFE0F)
    drop(0xE0100, 0xE01EF)
    drop(0xE0000, 0xE007F)
    # Emoji and pictographs: the supplementary emoji planes (mahjong, cards, enclosed
    # alphanumerics/ideographs, symbols and pictographs, emoticons, transport, geometric
    # extended, supplemental symbols, chess, symbols extended-A; regional indicators and
    # skin-tone modifiers included), miscellaneous symbols and dingbats, the keycap
    # combiner, and the scattered single emoji of older blocks.
    drop(0x1F000, 0x1FAFF)
    drop(0x2600, 0x27BF)
    for code in (0x20E3, 0x231A, 0x231B, 0x2328, 0x23CF, 0x24C2, 0x25AA, 0x25AB, 0x25B6, 0x25C0,
                 0x2934, 0x2935, 0x2B05, 0x2B06, 0x2B07, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55,
                 0x3030, 0x303D, 0x3297, 0x3299):  # fmt: skip
        table[code] = None
    drop(0x23E9, 0x23F3)
    drop(0x23F8, 0x23FA)
    drop(0x25FB, 0x25FE)
    # Whitespace of every kind becomes a plain space; runs are collapsed afterwards.
    for char in "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000":
        table[ord(char)] = " "
    for code in range(0x2000, 0x200B):
        table[code] = " "
    # Full-width ASCII (U+FF01-U+FF5E) to its half-width twin (U+0021-U+007E).
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    return table


_TABLE = _build_table()

# OpenCC's C++ converter is said to be thread-safe (BYVoid/OpenCC#231), but the Python
# binding does not document it; a converter costs about 3 ms to build, so each thread
# keeps its own, one per config.
_local = threading.local()


def _converter(opencc_config: str) -> opencc.OpenCC:
    converters: dict[str, opencc.OpenCC] | None = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    converter = converters.get(opencc_config)
    if converter is None:
        try:
            converter = opencc.OpenCC(opencc_config)
        except RuntimeError as exc:
            raise ConfigError(
                f"unknown OpenCC config {opencc_config!r}: use one of t2s, tw2sp, hk2s, ... "
                "(FEEDBACK_NLP_TEXT__OPENCC_CONFIG)"
            ) from exc
        converters[opencc_config] = converter
    return converter


def normalise(text: str, *, opencc_config: str = "t2s") -> str:
    """Clean one text for segmentation and classification.

    Steps: full-width ASCII (``Ａ``, ``１``, ``，``, ``！``, U+3000) becomes half-width;
    emoji, pictographs, variation selectors, zero-width and control characters are
    removed; traditional characters are converted by OpenCC (``opencc_config``, e.g.
    ``t2s``, ``tw2sp``, ``hk2s``); every run of whitespace (newlines included) becomes one
    space and the ends are stripped. Case is kept: model codes and error codes
    (``E21``, ``KFR-35GW``) are case-sensitive. Safe to call from many threads.

    Args:
        text: the raw text.
        opencc_config: OpenCC configuration name or path.

    Returns:
        The cleaned text; possibly empty.

    Raises:
        TypeError: ``text`` is not a ``str`` (``None`` or NaN from a missing cell).
        ConfigError: ``opencc_config`` names no OpenCC configuration.
    """
    if not isinstance(text, str):
        raise TypeError(
            f"normalise() expects a str, got {type(text).__name__} ({text!r}); "
            "drop or fill missing texts (None/NaN) before normalising"
        )
    text = text.translate(_TABLE)
    if text:
        text = _converter(opencc_config).convert(text)
    return " ".join(text.split())


# Masking runs on a probe copy in which full-width ASCII is half-width; that mapping is
# one character to one character, so the spans found in the probe are the spans of the
# original text, and raw (not yet normalised) text is masked as well.
_PROBE_TABLE = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_SEP = r"[-\s]?"
_NOT_AFTER = r"(?<![0-9A-Za-z])"
_NOT_BEFORE = r"(?![0-9A-Za-z])"
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Za-hj-np-z0-9]"  # plates never use I or O

# One alternation, tried left to right at each position: e-mail first (it may hold
# digits), ID numbers before phone numbers. Each group name maps to its placeholder.
_PII_RE = re.compile(
    "|".join(
        (
            r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
            # 18 digits: region, birth date (19xx/20xx), sequence, check digit or X.
            rf"(?P<id18>{_NOT_AFTER}[1-8][0-9]{{5}}(?:19|20)[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}[0-9Xx]{_NOT_BEFORE})",
            # The old 15-digit form with a two-digit year.
            rf"(?P<id15>{_NOT_AFTER}[1-8][0-9]{{7}}{_MONTH_DAY}[0-9]{{3}}{_NOT_BEFORE})",
            # Mainland mobiles, separators allowed, optional +86 / 0086 / 86 prefix.
            rf"(?P<mobile>(?<![0-9A-Za-z+])(?:(?:\+|00)?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}{_NOT_BEFORE})",
            # 400/800 service numbers: ten digits, separators anywhere after the prefix.
            rf"(?P<hotline>{_NOT_AFTER}[48]00(?:{_SEP}[0-9]){{7}}{_NOT_BEFORE})",
            # Landlines: area code 0xx or 0xxx (brackets allowed), then 7-8 digits.
            rf"(?P<landline>{_NOT_AFTER}\(?0[0-9]{{2,3}}\)?{_SEP}[0-9]{{3,4}}{_SEP}[0-9]{{4}}{_NOT_BEFORE})",
            # Licence plates: province + city letter + 5 characters (6 on new-energy
            # plates) or 4 + 挂/学/警/港/澳/领, holding at least three digits (which keeps
            # 新MacBook and the like out).
            rf"(?P<plate>[{_PROVINCES}][A-HJ-NP-Za-hj-np-z][·・•. ]?(?=(?:[A-Za-z]*[0-9]){{3}})"
            rf"(?:{_PLATE_CHAR}{{5,6}}|{_PLATE_CHAR}{{4}}[挂学警港澳领]){_NOT_BEFORE})",
        )
    )
)
_PLACEHOLDERS = {
    "email": "[邮箱]",
    "id18": "[身份证号]",
    "id15": "[身份证号]",
    "mobile": "[手机号]",
    "hotline": "[电话]",
    "landline": "[电话]",
    "plate": "[车牌号]",
}


def mask_personal_data(text: str) -> str:
    """Replace personal data by placeholders.

    Apply it wherever text leaves the system: examples returned by the API or written
    to reports, and any text that goes into a log line. Masked: mainland mobile numbers
    (``13812345678``, ``138-1234-5678``, ``+86 138 1234 5678``) → ``[手机号]``; landlines
    (``010-12345678``, ``0755 8888 8888``) and 400/800 service numbers → ``[电话]``;
    18- and 15-digit ID-card numbers (last character may be X) → ``[身份证号]``; e-mail
    addresses → ``[邮箱]``; licence plates (``京A12345``, ``粤B·D12345``, new-energy
    plates) → ``[车牌号]``. Digit runs are bounded, so longer numbers (order numbers),
    model codes (``TG100V88WMUIADY5``), prices, dates (``2024-05-06``) and error codes
    (``E21``) are left alone. Full-width digits are recognised too, so raw text can be
    masked before or after :func:`normalise`.

    Args:
        text: any text.

    Returns:
        The text with each personal-data span replaced; everything else unchanged.

    Raises:
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"mask_personal_data() expects a str, got {type(text).__name__} ({text!r})")
    probe = text.translate(_PROBE_TABLE)
    pieces: list[str] = []
    end = 0
    for match in _PII_RE.finditer(probe):
        pieces.append(text[end : match.start()])
        pieces.append(_PLACEHOLDERS[str(match.lastgroup)])  # every alternative is a named group
        end = match.end()
    if not pieces:
        return text
    pieces.append(text[end:])
    return "".join(pieces)
