"""jieba segmentation with a private tokenizer, the domain dictionary and stopwords.

A :class:`Segmenter` owns its ``jieba.Tokenizer`` and its ``jieba.analyse.TFIDF``; it
never touches ``jieba.dt``, ``jieba.load_userdict`` or ``jieba.analyse``'s module-level
extractor, so two segmenters with different dictionaries live side by side in one
process. It is built and warmed up eagerly, only reads its tokenizer afterwards, and
swaps in a freshly built one on :meth:`Segmenter.reload`, so it can be shared by threads.

Dictionary files use jieba's user-dictionary format, one entry a line::

    word [freq] [pos]

``freq`` (an integer) and ``pos`` (a lower-case part-of-speech tag such as ``n``, ``v``,
``vn``) may be left out; without ``freq`` jieba picks one just high enough for the word
to come out whole. A higher ``freq`` makes the word win more often against its
neighbours; ``freq`` 0 forbids the word. Lines starting with ``#`` are skipped by this
module (plain ``jieba.load_userdict`` would read them as words, so the shipped
:data:`DEFAULT_USER_DICT_PATH` has none). Extend the dictionary with your own files
(``FEEDBACK_NLP_TEXT__USER_DICT_PATHS``) and call :meth:`Segmenter.reload`.

Cutting: when ``rjieba`` (jieba-rs) is installed, :meth:`Segmenter.cut` and
:meth:`Segmenter.tokens` cut through :class:`~feedback_nlp.text.fast_cut.FastCut`, built
from the same tokenizer and giving the same words (it hands the few texts where
jieba-rs would differ to jieba); ``fast=False`` keeps jieba alone, the reference.
Keyword extraction (:meth:`Segmenter.keywords`) always runs on jieba.

One module (~470 lines): the segmenter and the loading of its dictionaries and stopwords
are one thing (a reload must swap all of them together).
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import stopwordsiso

from feedback_nlp.errors import ConfigError
from feedback_nlp.text.fast_cut import FastCut, fast_cut_available

if TYPE_CHECKING:
    import jieba
    from jieba.analyse import TFIDF

    from feedback_nlp.config import TextSettings

__all__ = ["DEFAULT_USER_DICT_PATH", "NEGATION_WORDS", "STOPWORDS_EXTRA_PATH", "Segmenter", "load_stopwords"]

logger = logging.getLogger(__name__)

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_USER_DICT_PATH: Final[Path] = _DATA_DIR / "user_dict.txt"
"""The shipped domain dictionary: products, car terms, parts, fault and service terms."""
STOPWORDS_EXTRA_PATH: Final[Path] = _DATA_DIR / "stopwords_extra.txt"
"""Domain filler words (客户, 表示, 问题, ...) added to stopwords-iso's Chinese list."""

NEGATION_WORDS: Final[frozenset[str]] = frozenset(
    {
        "不", "没", "没有", "无", "未", "非", "别", "莫", "勿", "甭", "否",
        "不是", "并非", "并不", "并没有", "没能", "不会", "不能", "无法", "不要", "不用",
        "未能", "从不", "从未", "毫无", "绝不", "决不", "没法", "不曾", "未曾", "尚未",
    }
)  # fmt: skip
"""Never stopwords: a dropped 不 turns 不满意 into 满意."""

# A token is content when it holds at least one letter or digit (CJK included).
_CONTENT_RE = re.compile(r"[^\W_]")
_DIGIT_RE = re.compile(r"\d")
_CHINESE_NUMBER_RE = re.compile(r"[零〇一二三四五六七八九十百千万亿两半几]+")
# The domain dictionary's words get at least this quantile of jieba's IDF table, so
# fault phrases outrank generic words that happen to be rarer in jieba's corpus.
_DOMAIN_IDF_QUANTILE: Final[float] = 0.9


def _as_paths(paths: Sequence[Path | str], name: str) -> tuple[Path, ...]:
    if isinstance(paths, str | Path):
        raise TypeError(f"{name} must be a sequence of paths, got the single path {paths!r}: wrap it in a list")
    return tuple(Path(path) for path in paths)


def _read_lines(path: Path, what: str) -> list[str]:
    """Non-empty, stripped lines of a UTF-8 file, ``#`` comment lines left out."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} {path} does not exist: fix the path or create the file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path} is not UTF-8: re-save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc
    lines = (line.strip() for line in content.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _read_user_dict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Entries ``(word, freq, tag)`` of a jieba user dictionary (jieba's own line syntax)."""
    import jieba

    entries: list[tuple[str, int | None, str | None]] = []
    for line in _read_lines(path, "user dictionary"):
        match = jieba.re_userdict.match(line)
        if match is None:  # cannot happen for a non-empty line; keeps the intent explicit
            raise ConfigError(f"user dictionary {path}: cannot parse line {line!r}")
        word, freq, tag = match.groups()
        entries.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return entries


def load_stopwords(extra_paths: Sequence[Path | str] = ()) -> frozenset[str]:
    """Stopwords for token filtering and keyword extraction.

    stopwords-iso's Chinese list, plus the shipped :data:`STOPWORDS_EXTRA_PATH`, plus
    ``extra_paths`` (UTF-8, one word a line, ``#`` starts a comment line), minus
    :data:`NEGATION_WORDS`.

    Raises:
        ConfigError: a file is missing, unreadable or not UTF-8.
    """
    words = set(stopwordsiso.stopwords("zh"))
    for path in (STOPWORDS_EXTRA_PATH, *_as_paths(extra_paths, "extra_paths")):
        words.update(_read_lines(path, "stopword file"))
    return frozenset(words - NEGATION_WORDS)


@dataclass(frozen=True)
class _JiebaBase:
    """jieba's own dictionary, POS tags and IDF table, read once per process and only
    ever copied from: building a tokenizer from its cache file costs about 0.8 s, a dict
    copy about 15 ms, which keeps :meth:`Segmenter.reload` cheap."""

    freq: dict[str, int]
    total: int
    word_tags: dict[str, str]
    tfidf: TFIDF
    domain_idf: float


_base: _JiebaBase | None = None
_base_lock = threading.Lock()


def _jieba_base(cache_dir: Path | None) -> _JiebaBase:
    global _base
    with _base_lock:
        if _base is None:
            # Imported here: importing feedback_nlp.text stays free of jieba, and
            # jieba.analyse reads its IDF table at import time (0.3 s).
            import jieba
            import jieba.analyse
            import jieba.posseg

            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = _cache_dir_str(cache_dir)
            tokenizer.initialize()
            word_tags = jieba.posseg.POSTokenizer(tokenizer).word_tag_tab
            tfidf = jieba.analyse.TFIDF()
            idf_values = sorted(tfidf.idf_freq.values())
            domain_idf = idf_values[int(_DOMAIN_IDF_QUANTILE * (len(idf_values) - 1))]
            _base = _JiebaBase(tokenizer.FREQ, tokenizer.total, word_tags, tfidf, domain_idf)
        return _base


def _cache_dir_str(cache_dir: Path | None) -> str | None:
    if cache_dir is None:
        return None  # jieba falls back to tempfile.gettempdir(), never the working directory
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the jieba cache directory {cache_dir}: {exc}") from exc
    return str(cache_dir)


@dataclass(frozen=True)
class _Loaded:
    """Everything one dictionary load produces; replaced as a whole by reload()."""

    tokenizer: jieba.Tokenizer
    tfidf: TFIDF
    stopwords: frozenset[str]
    domain_words: frozenset[str]
    #: jieba-rs over the same dictionary; None when not wanted or not installed.
    fast_cut: FastCut | None
    # Per-word memo of content_tokens / keywords_from_tokens decisions (words repeat a
    # lot; a dict lookup is cheaper than regexes). Filled lazily, bounded, per load.
    is_content: dict[str, bool] = field(default_factory=dict)
    keyword_idf: dict[str, float | None] = field(default_factory=dict)


#: Words remembered per memo above; beyond it decisions are recomputed, not stored.
_MEMO_LIMIT: Final[int] = 500_000


def _check_text(text: object, method: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"Segmenter.{method}() expects a str, got {type(text).__name__} ({text!r})")


class Segmenter:
    """Chinese word segmentation, content tokens and TF-IDF keywords for feedback texts.

    Pass normalised text (:func:`feedback_nlp.text.normalise`). Safe to share between
    threads; picklable (a worker process rebuilds it from the same files and options).

    Args:
        user_dict_paths: extra jieba user dictionaries, loaded after the shipped one.
        stopwords: the stopword set; ``None`` means :func:`load_stopwords`. Negation
            words are removed from it either way.
        stopwords_paths: stopword files added to ``stopwords``; re-read by :meth:`reload`.
        include_default_dict: load :data:`DEFAULT_USER_DICT_PATH` first.
        cache_dir: where jieba caches its prefix dictionary; ``None`` means the system
            temp directory (jieba's default). Never the working directory.
        hmm: let jieba's HMM join characters into words missing from the dictionary.
        fast: cut with jieba-rs (``rjieba``) when it is installed, same words as jieba
            (see :mod:`feedback_nlp.text.fast_cut`); ``False`` cuts with jieba only.

    Raises:
        ConfigError: a dictionary or stopword file is missing, unreadable or not UTF-8,
            or ``cache_dir`` cannot be created.
    """

    def __init__(
        self,
        user_dict_paths: Sequence[Path | str] = (),
        stopwords: Iterable[str] | None = None,
        *,
        stopwords_paths: Sequence[Path | str] = (),
        include_default_dict: bool = True,
        cache_dir: Path | str | None = None,
        hmm: bool = True,
        fast: bool = True,
    ) -> None:
        self.user_dict_paths = _as_paths(user_dict_paths, "user_dict_paths")
        self.stopwords_paths = _as_paths(stopwords_paths, "stopwords_paths")
        self.explicit_stopwords = None if stopwords is None else frozenset(stopwords)
        self.include_default_dict = include_default_dict
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.hmm = hmm
        self.fast = fast
        self._reload_lock = threading.Lock()
        self._loaded = self._load()

    @classmethod
    def from_settings(cls, text_settings: TextSettings) -> Segmenter:
        """The segmenter configured by ``Settings.text`` (entry points call this)."""
        return cls(
            text_settings.user_dict_paths,
            stopwords_paths=text_settings.stopwords_paths,
            cache_dir=text_settings.jieba_cache_dir,
            hmm=text_settings.hmm,
        )

    @property
    def dict_paths(self) -> tuple[Path, ...]:
        """Every dictionary file, in load order."""
        return ((DEFAULT_USER_DICT_PATH,) if self.include_default_dict else ()) + self.user_dict_paths

    @property
    def engine(self) -> str:
        """What cuts: ``"rjieba"`` (jieba-rs, jieba for the texts where it would differ) or ``"jieba"``."""
        return "jieba" if self._loaded.fast_cut is None else "rjieba"

    @property
    def stopwords(self) -> frozenset[str]:
        """The stopwords in use (never a negation word)."""
        return self._loaded.stopwords

    @property
    def domain_words(self) -> frozenset[str]:
        """Words of the loaded dictionary files (a word given freq 0 is not one)."""
        return self._loaded.domain_words

    def reload(self) -> None:
        """Re-read the dictionary and stopword files.

        The new tokenizer is built off to the side and swapped in with one assignment:
        calls running meanwhile finish on the old dictionary, none sees a half-loaded one.
        On error the current dictionary stays in use.

        Raises:
            ConfigError: as for the constructor.
        """
        with self._reload_lock:
            self._loaded = self._load()

    def cut(self, text: str) -> list[str]:
        """jieba's precise-mode segmentation, whitespace tokens dropped."""
        _check_text(text, "cut")
        words = self._words(self._loaded, text)
        if " " not in text and text.isprintable():  # no whitespace in text, none in its words
            return words if isinstance(words, list) else list(words)
        return [word for word in words if not word.isspace()]

    def tokens(self, text: str) -> list[str]:
        """Content tokens: :meth:`cut` without stopwords, punctuation, symbols and
        whitespace. Negation words (:data:`NEGATION_WORDS`) are always kept."""
        _check_text(text, "tokens")
        loaded = self._loaded
        stopwords = loaded.stopwords
        return [
            word
            for word in self._words(loaded, text)
            if _CONTENT_RE.search(word)
            and (word in NEGATION_WORDS or (word.lower() if word.isascii() else word) not in stopwords)
        ]

    def content_tokens(self, tokens: Iterable[str]) -> list[str]:
        """The content tokens of an existing :meth:`cut`, so a text is segmented once."""
        loaded = self._loaded
        memo = loaded.is_content
        out = []
        for word in tokens:
            keep = memo.get(word)
            if keep is None:
                keep = bool(_CONTENT_RE.search(word)) and (
                    word in NEGATION_WORDS or (word.lower() if word.isascii() else word) not in loaded.stopwords
                )
                if len(memo) < _MEMO_LIMIT:
                    memo[word] = keep
            if keep:
                out.append(word)
        return out

    def keywords_from_tokens(self, tokens: Sequence[str], top_k: int = 5) -> list[str]:
        """:meth:`keywords` computed from tokens already segmented (no second jieba pass).

        Same TF-IDF weights as :meth:`keywords`: term frequency in the token list times
        the IDF table (dictionary words boosted), stopwords and non-keywords left out.
        """
        loaded = self._loaded
        memo = loaded.keyword_idf
        counts: dict[str, int] = {}
        for word in tokens:
            counts[word] = counts.get(word, 0) + 1
        weights = []
        for word, count in counts.items():
            if word in memo:
                idf = memo[word]
            else:
                idf = _keyword_idf(loaded, word)
                if len(memo) < _MEMO_LIMIT:
                    memo[word] = idf
            if idf is not None:
                weights.append((word, count * idf))
        weights.sort(key=lambda item: (-item[1], item[0]))
        return [word for word, _ in weights[:top_k]]

    def keywords(self, text: str, top_k: int = 5) -> list[str]:
        """The ``top_k`` TF-IDF keywords of one text, best first.

        Stopwords, negation words, single characters, numbers and pure-ASCII tokens
        (model and error codes) are never keywords, unless the dictionary files list
        them; dictionary words get a high IDF, so fault phrases (不制冷, 漏水, 异响)
        outrank generic words. jieba's TF-IDF segments with HMM on whatever ``hmm`` says.
        """
        _check_text(text, "keywords")
        return [word for word, _ in self._weighted_keywords(self._loaded, text)[:top_k]]

    def keywords_many(self, texts: Iterable[str], top_k: int = 10) -> list[tuple[str, float]]:
        """Keywords of a whole corpus: each word's TF-IDF weight averaged over the texts
        (a text without the word adds 0), best first, ties by word.

        Returns:
            Up to ``top_k`` pairs ``(word, mean weight)``; empty for no texts.
        """
        loaded = self._loaded  # one dictionary for the whole corpus, even across a reload
        totals: dict[str, float] = {}
        n_texts = 0
        for text in texts:
            _check_text(text, "keywords_many")
            n_texts += 1
            for word, weight in self._weighted_keywords(loaded, text):
                totals[word] = totals.get(word, 0.0) + weight
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        return [(word, total / n_texts) for word, total in ranked[:top_k]]

    def _words(self, loaded: _Loaded, text: str) -> list[str] | Iterator[str]:
        """The words of ``text``, whitespace included, from jieba-rs or jieba."""
        if loaded.fast_cut is not None:
            return loaded.fast_cut.cut(text, self.hmm)
        return cast("Iterator[str]", loaded.tokenizer.cut(text, HMM=self.hmm))

    @staticmethod
    def _weighted_keywords(loaded: _Loaded, text: str) -> list[tuple[str, float]]:
        tags: list[tuple[str, float]] = loaded.tfidf.extract_tags(text, topK=None, withWeight=True)
        return [(word, weight) for word, weight in tags if _is_keyword(word, loaded.domain_words)]

    def _load(self) -> _Loaded:
        import jieba

        started = time.perf_counter()
        # Read and validate every file before building anything.
        entries = [entry for path in self.dict_paths for entry in _read_user_dict(path)]
        if self.explicit_stopwords is None:
            stopwords = load_stopwords(self.stopwords_paths)
        else:
            extra = (word for path in self.stopwords_paths for word in _read_lines(path, "stopword file"))
            stopwords = frozenset(self.explicit_stopwords.union(extra) - NEGATION_WORDS)

        base = _jieba_base(self.cache_dir)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = _cache_dir_str(self.cache_dir)
        # The warmed-up state initialize() would load from jieba's cache file, copied.
        tokenizer.FREQ = dict(base.freq)
        tokenizer.total = base.total
        tokenizer.initialized = True
        domain_words: set[str] = set()
        for word, freq, tag in entries:
            if freq == 0:
                # jieba's add_word(word, 0) also adds the word to finalseg's process-wide
                # force-split set, which would change every other tokenizer.
                tokenizer.FREQ[word] = 0
                domain_words.discard(word)
            else:
                tokenizer.add_word(word, freq, tag)
                domain_words.add(word)

        fast_cut = FastCut(tokenizer) if self.fast and fast_cut_available() else None
        tfidf = copy.copy(base.tfidf)
        tfidf.tokenizer = tokenizer
        tfidf.postokenizer = _pos_tokenizer(tokenizer, base.word_tags)
        tfidf.stop_words = set(stopwords | NEGATION_WORDS)
        tfidf.idf_freq = dict(base.tfidf.idf_freq)
        for word in domain_words:
            tfidf.idf_freq[word] = max(tfidf.idf_freq.get(word, 0.0), base.domain_idf)

        logger.info(
            "segmenter loaded: %d dictionary entries from %d files, %d stopwords, cut by %s in %.2f s",
            len(entries),
            len(self.dict_paths),
            len(stopwords),
            "jieba" if fast_cut is None else "rjieba",
            time.perf_counter() - started,
        )
        return _Loaded(tokenizer, tfidf, stopwords, frozenset(domain_words), fast_cut)

    def __getstate__(self) -> dict[str, Any]:
        # The tokenizer is rebuilt from the files on unpickling: it is large, and jieba
        # objects do not pickle (jieba.posseg.POSTokenizer recurses in __getattr__).
        return {
            "user_dict_paths": self.user_dict_paths,
            "stopwords": self.explicit_stopwords,
            "stopwords_paths": self.stopwords_paths,
            "include_default_dict": self.include_default_dict,
            "cache_dir": self.cache_dir,
            "hmm": self.hmm,
            "fast": self.fast,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        Segmenter.__init__(self, **state)

    def __repr__(self) -> str:
        paths = ", ".join(str(path) for path in self.user_dict_paths)
        return (
            f"Segmenter(user_dict_paths=[{paths}], n_domain_words={len(self.domain_words)}, hmm={self.hmm}, "
            f"engine={self.engine})"
        )


def _pos_tokenizer(tokenizer: jieba.Tokenizer, word_tags: dict[str, str]) -> Any:
    """A ``jieba.posseg.POSTokenizer`` bound to ``tokenizer``.

    Its ``__init__`` would re-read jieba's dict.txt for the POS tag table (0.3 s); the
    table is the same for every tokenizer, so it is copied instead.
    """
    from jieba.posseg import POSTokenizer

    pos_tokenizer = POSTokenizer.__new__(POSTokenizer)
    pos_tokenizer.tokenizer = tokenizer
    pos_tokenizer.word_tag_tab = dict(word_tags)
    # Merge the user words' tags now: POSTokenizer does it lazily on its first cut(), a
    # write to shared state that is not thread-safe.
    pos_tokenizer.makesure_userdict_loaded()
    return pos_tokenizer


def _keyword_idf(loaded: _Loaded, word: str) -> float | None:
    """The IDF a keyword gets, or ``None`` when ``word`` is never a keyword."""
    tfidf = loaded.tfidf
    if len(word.strip()) < 2 or word.lower() in tfidf.stop_words or not _is_keyword(word, loaded.domain_words):
        return None
    return cast(float, tfidf.idf_freq.get(word, tfidf.median_idf))


def _is_keyword(word: str, domain_words: frozenset[str]) -> bool:
    if word in domain_words:
        return True
    return not (
        len(word) < 2
        or word.isascii()
        or _DIGIT_RE.search(word)
        or _CHINESE_NUMBER_RE.fullmatch(word)
        or not _CONTENT_RE.search(word)
    )
