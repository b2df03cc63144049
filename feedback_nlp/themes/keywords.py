"""Keywords of a theme: which words its texts use more than the other themes' texts.

Each sampled text contributes a *bag* of words: the keywords stored with its
prediction (``scores->'keywords'``, jieba with the domain dictionary and stopwords,
see :func:`feedback_nlp.predictions.classify_store`), or, for predictions stored
without them, the keywords of its text segmented now. A theme's keywords are ranked
by ``p(w|theme) · log((p(w|theme) + ε) / (p(w|other themes) + ε))`` over the texts
(document frequency, not token counts): frequent *and* distinctive, so words every
complaint uses (客服, 上门) sink while 嗡嗡响 or 不排水 rise; a word needs a lift of at
least :data:`MIN_LIFT` against the other themes. With a single theme in scope there is
nothing to compare with, and words rank by frequency alone. Words that are not
keyword-like (stopwords, single characters, numbers, ASCII codes, product-line names)
never appear.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from feedback_nlp.text import Segmenter

#: A group of bags: a theme's fault code, a cluster number.
G = TypeVar("G", bound=Hashable)

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_DIGIT_RE = re.compile(r"\d")
#: Smoothing of the log-lift, in texts: a word seen once in a theme and never elsewhere
#: is not yet distinctive.
_EPSILON_TEXTS = 2.0
#: A keyword is at least this many times as frequent in its theme as in the others, so
#: service words every text uses (解决, 上门, 师傅) do not crowd out the fault's words.
MIN_LIFT = 2.0


@dataclass(frozen=True)
class Keyword:
    """A theme keyword: ``count`` sampled texts of the theme carry it (``share`` of them)."""

    word: str
    count: int
    share: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def default_stopwords() -> frozenset[str]:
    """The product's stopword list (stopwords-iso Chinese + the shipped extras)."""
    from feedback_nlp.text import load_stopwords

    return load_stopwords()


def is_theme_word(word: str, stopwords: frozenset[str]) -> bool:
    """A word worth showing: ≥ 2 characters, some Chinese, no digits, not a stopword."""
    return (len(word) >= 2 and _CJK_RE.search(word) is not None and _DIGIT_RE.search(word) is None
            and word not in stopwords)


def parse_stored_keywords(value: Any) -> list[str] | None:
    """The keyword list of a stored ``scores->'keywords'`` value (JSON text or list); None when absent."""
    if value is None:
        return None
    if not isinstance(value, str | list):  # a list-like from a query result (numpy array)
        try:
            value = list(value)
        except TypeError:
            return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, list):
        return None
    return [str(v) for v in value]


def text_keywords(segmenter: Segmenter, text: str, top_k: int = 10) -> list[str]:
    """Keywords of one raw text, the way :func:`~feedback_nlp.predictions.classify_store` stores them."""
    from feedback_nlp.text import normalise

    tokens = segmenter.content_tokens(segmenter.cut(normalise(text)))
    return segmenter.keywords_from_tokens(tokens, top_k=top_k)


def clean_bag(words: Iterable[str], stopwords: frozenset[str], exclude: frozenset[str] = frozenset()) -> list[str]:
    """Distinct theme words of one text, in order."""
    return list(dict.fromkeys(w for w in words if w not in exclude and is_theme_word(w, stopwords)))


def rank_keywords(bags: Mapping[G, Sequence[Sequence[str]]], top_k: int = 10) -> dict[G, list[Keyword]]:
    """The ``top_k`` keywords of each group of bags (one group per theme), best first.

    Args:
        bags: group → one cleaned word bag per sampled text (see :func:`clean_bag`).
        top_k: keywords per group.

    Returns:
        group → keywords; ties broken by word, so the result is deterministic.
    """
    df = {group: Counter(w for bag in group_bags for w in set(bag)) for group, group_bags in bags.items()}
    n_texts = {group: len(group_bags) for group, group_bags in bags.items()}
    total_df: Counter[str] = Counter()
    for counts in df.values():
        total_df.update(counts)
    total_n = sum(n_texts.values())
    out: dict[G, list[Keyword]] = {}
    for group, counts in df.items():
        n = n_texts[group]
        n_other = total_n - n
        eps_in = _EPSILON_TEXTS / max(n, 1)
        eps_out = _EPSILON_TEXTS / max(n_other, 1)
        min_count = 2 if n >= 20 else 1  # a word one text of many uses says nothing about the theme
        scored = []
        for word, c in counts.items():
            if c < min_count:
                continue
            p_in = c / n
            if not n_other:  # nothing to compare with (one theme in scope): plain frequency
                score = p_in
            else:
                lift = (p_in + eps_in) / ((total_df[word] - c) / n_other + eps_out)
                if lift < MIN_LIFT:
                    continue
                score = p_in * math.log(lift)
            if score > 0:
                scored.append((score, word, c))
        scored.sort(key=lambda item: (-item[0], item[1]))
        out[group] = [Keyword(word, c, round(c / n, 4), round(s, 5)) for s, word, c in scored[:top_k]]
    return out
