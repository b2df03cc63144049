"""Which words of a text drove each predicted label, with signed weights.

Both methods weigh the same units, the jieba words of the normalised text (punctuation
and stopwords included), and give each back as a span of the ORIGINAL text
(:mod:`feedback_nlp.text.offsets`), so a caller can highlight what the user wrote:

- **linear** (the TF-IDF baseline, :class:`~feedback_nlp.classifiers.baseline.TfidfClassifier`):
  exact contributions ``coef × tf-idf value`` of every feature to the label's decision
  function (its logit; for sentiment and the primary fault the class's logit of the
  multinomial model). A character n-gram's contribution is shared equally by its
  characters and so by the words they belong to (a space goes with the word before it),
  a word bigram's by its two words, and a feature occurring twice is split between the
  occurrences. Nothing is lost: a text's word weights plus the intercept are the decision
  function (:meth:`LinearContributions.decision`).
- **occlusion** (any other classifier: the transformer on ONNX Runtime, blended with its
  companion baseline or not): each word holding a letter or digit is removed in turn
  (punctuation is not: ~20 % fewer forward passes, and nobody highlights a comma),
  every variant of every text goes through one ``predict_proba`` call (the model
  batches them), and a word's weight is the drop of the label's score (a probability;
  the blended one for a blended model) when it is removed. Positive: the word pushed
  the label up.

Why occlusion for the transformer: attention weights say where a layer looked, not what
changed the score; integrated gradients need gradients, so torch at serve time, while
the served model runs on ONNX Runtime without torch. Occlusion needs only forward passes
of the served model, one per word, and measures what the issue asks for (the score drop
when a span is removed); for a ~40-character text (~18 words) it costs about six
single-text classify calls (``benchmarks/explain_bench.py``). A label key names a head and a code: ``fault:power``,
``primary:power``, ``sentiment:negative``, ``aspect:attitude``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from feedback_nlp.classifiers.artifacts import BASELINE_KIND
from feedback_nlp.classifiers.base import PRIMARY, Classifier
from feedback_nlp.errors import ConfigError
from feedback_nlp.text import Segmenter
from feedback_nlp.text.offsets import NormalisedText, align, normalise_with_offsets

if TYPE_CHECKING:  # imported by type only: importing this module loads neither scikit-learn nor scipy
    import scipy.sparse as sp

    from feedback_nlp.classifiers.baseline import LinearHead, TfidfClassifier

__all__ = [
    "DEFAULT_TOP_K",
    "LABEL_HEADS",
    "LINEAR",
    "MAX_EXPLAIN_TEXTS",
    "MAX_OCCLUDED_WORDS",
    "MAX_TOP_K",
    "OCCLUSION",
    "Explanation",
    "LinearContributions",
    "Span",
    "Words",
    "cut_words",
    "explain",
    "explain_records",
    "explanation_method",
    "linear_contributions",
    "occlusion_drops",
    "predicted_label_keys",
]

logger = logging.getLogger(__name__)

LINEAR = "linear"
OCCLUSION = "occlusion"
DEFAULT_TOP_K = 5
#: Most spans per label a caller may ask for.
MAX_TOP_K = 20
#: Most texts one API request may ask explanations for: occlusion costs a forward pass per word.
MAX_EXPLAIN_TEXTS = 50
#: Words occluded per text at most (the first ones); later words of a longer text get no weight.
MAX_OCCLUDED_WORDS = 256
#: Label key prefix → the classify record's head it explains.
LABEL_HEADS: Mapping[str, str] = {"fault": "fault_types", "primary": PRIMARY, "sentiment": "sentiment",
                                  "aspect": "aspects"}  # fmt: skip
#: scikit-learn's char analyzer collapses whitespace runs before it cuts n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")
#: A letter or digit of any script: a word without one (punctuation, symbols) is not occluded.
_HAS_CONTENT = re.compile(r"[^\W_]")
_ZERO = 1e-12


@dataclass(frozen=True)
class Span:
    """One word of the original text and its signed weight for a label."""

    start: int
    end: int
    text: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "weight": round(self.weight, 6)}


@dataclass(frozen=True)
class Words:
    """A text cut into jieba words: each word's ``[start, end)`` in the normalised text,
    and whether it is a content token (what the baseline's word features read)."""

    normalised: NormalisedText
    spans: tuple[tuple[int, int], ...]
    content: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.spans)

    @property
    def words(self) -> list[str]:
        return [self.normalised.text[a:b] for a, b in self.spans]

    @property
    def content_tokens(self) -> list[str]:
        return [w for w, keep in zip(self.words, self.content, strict=True) if keep]

    def original_span(self, i: int) -> tuple[int, int]:
        """Word ``i``'s ``[start, end)`` in the original text."""
        return self.normalised.original_span(*self.spans[i])

    def span(self, i: int, weight: float) -> Span:
        start, end = self.original_span(i)
        return Span(start, end, self.normalised.original[start:end], float(weight))

    def without(self, i: int) -> str:
        """The normalised text with word ``i`` removed (what occlusion classifies)."""
        a, b = self.spans[i]
        text = self.normalised.text
        return text[:a] + text[b:]


def cut_words(text: str, segmenter: Segmenter, *, opencc_config: str = "t2s") -> Words:
    """Normalise ``text`` (keeping offsets) and cut it with ``segmenter``, as classify does."""
    normalised = normalise_with_offsets(text, opencc_config=opencc_config)
    spans: list[tuple[int, int]] = []
    position = 0
    for word in segmenter.cut(normalised.text):  # jieba's words cover the text in order; only spaces are left out
        start = normalised.text.index(word, position)
        spans.append((start, start + len(word)))
        position = start + len(word)
    words = [normalised.text[a:b] for a, b in spans]
    content = tuple(bool(segmenter.content_tokens([w])) for w in words)
    return Words(normalised, tuple(spans), content)


# -- label keys --------------------------------------------------------------------------------


def predicted_label_keys(record: Mapping[str, Any]) -> list[str]:
    """The label keys of a classify record: each fault type, the primary fault, the sentiment, each aspect."""
    keys = [f"fault:{code}" for code in record.get("fault_types") or []]
    if record.get("primary_fault") is not None:
        keys.append(f"primary:{record['primary_fault']}")
    if record.get("sentiment") is not None:
        keys.append(f"sentiment:{record['sentiment']}")
    keys.extend(f"aspect:{code}" for code in record.get("aspects") or [])
    return keys


def _score_head(key: str, heads: Mapping[str, Sequence[str]]) -> tuple[str, int]:
    """The head (of ``heads``: head → codes) whose score explains label ``key``, and the code's column."""
    prefix, _, code = key.partition(":")
    head = LABEL_HEADS.get(prefix)
    if head is None:
        raise ConfigError(f"label {key!r}: expected PREFIX:CODE with PREFIX one of {', '.join(LABEL_HEADS)}")
    if head == PRIMARY and PRIMARY not in heads:
        head = "fault_types"  # without a primary head the primary fault is the most probable fault type
    codes = list(heads.get(head, ()))
    if code not in codes:
        raise ConfigError(f"label {key!r}: the model has no {head} code {code!r}")
    return head, codes.index(code)


# -- linear: exact contributions of the baseline -------------------------------------------------


@dataclass(frozen=True)
class LinearContributions:
    """Each word's exact contribution to each head's decision function, for one text.

    ``weights[head]`` is ``(n_codes, n_words)`` and ``intercepts[head]`` ``(n_codes,)``
    (float64): ``weights[head].sum(axis=1) + intercepts[head]`` is the decision function.
    """

    words: Words
    codes: dict[str, list[str]]
    weights: dict[str, np.ndarray]
    intercepts: dict[str, np.ndarray]

    def decision(self, head: str) -> np.ndarray:
        decision: np.ndarray = self.weights[head].sum(axis=1) + self.intercepts[head]
        return decision


def _explained_rows(head: LinearHead) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code: the weight row that explains it, its sign, and the intercept (float64).

    A multinomial head fitted on two classes keeps one row (scikit-learn's binary
    case: ``softmax([0, z]) = sigmoid(z)``); the other class, all zeros, is explained
    by the opposite of that row, so its weights say what pushed it against the other.
    """
    n = head.coef.shape[0]
    rows, signs = np.arange(n), np.ones(n)
    intercept = head.intercept.astype(np.float64)
    if head.multiclass:
        present = np.flatnonzero(intercept > -30.0 + 1e-3)  # absent classes get -30 (baseline.py)
        if len(present) == 2:
            fitted = [j for j in present if np.any(head.coef[j])]
            if len(fitted) == 1:
                (other,) = (j for j in present if j != fitted[0])
                rows[other], signs[other] = fitted[0], -1.0
                intercept = intercept.copy()
                intercept[other] = -intercept[fitted[0]]
    return rows, signs, intercept


def _char_units(words: Words) -> list[int]:
    """The word each normalised character belongs to (a space: the word before it)."""
    text = words.normalised.text
    units = [-1] * len(text)
    for i, (a, b) in enumerate(words.spans):
        units[a:b] = [i] * (b - a)
    last = 0
    for k, unit in enumerate(units):
        if unit < 0:
            units[k] = last
        else:
            last = unit
    return units


def _allocation(model: TfidfClassifier, words: Words, char_row: sp.csr_matrix, word_row: sp.csr_matrix,
                n_char: int) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:  # fmt: skip
    """The text's features (column indices, values) and how each feature's share goes to the words.

    The allocation has one row per feature summing to 1, one column per word.
    """
    import scipy.sparse as sp

    occurrences: dict[int, list[list[int]]] = {}
    char_vectorizer = model.char_vectorizer_
    normalised = words.normalised.text
    doc = _WHITE_SPACES.sub(" ", char_vectorizer.build_preprocessor()(normalised))
    to_norm = align(normalised, doc)
    units = _char_units(words)
    vocabulary = char_vectorizer.vocabulary_
    low, high = char_vectorizer.ngram_range
    for n in range(low, high + 1):
        for s in range(len(doc) - n + 1):
            column = vocabulary.get(doc[s : s + n])
            if column is not None:
                occurrences.setdefault(int(column), []).append([units[to_norm[s + t]] for t in range(n)])
    tokens = words.content_tokens
    token_units = [i for i, keep in enumerate(words.content) if keep]
    word_vocabulary = model.word_vectorizer_.vocabulary_
    for k, token in enumerate(tokens):
        column = word_vocabulary.get(token)
        if column is not None:
            occurrences.setdefault(n_char + int(column), []).append([token_units[k]])
    for k in range(len(tokens) - 1):  # baseline.word_ngrams: "a b" bigrams of consecutive content tokens
        column = word_vocabulary.get(f"{tokens[k]} {tokens[k + 1]}")
        if column is not None:
            occurrences.setdefault(n_char + int(column), []).append([token_units[k], token_units[k + 1]])

    columns = np.concatenate([char_row.indices, n_char + word_row.indices]).astype(np.int64)
    values = np.concatenate([char_row.data, word_row.data]).astype(np.float64)
    n_words = max(len(words), 1)
    rows_i: list[int] = []
    cols_i: list[int] = []
    shares: list[float] = []
    missing = 0
    for r, column in enumerate(columns.tolist()):
        found = occurrences.get(column)
        if not found:  # cannot happen while this module follows scikit-learn's analyzers; keep the sum exact
            missing += 1
            rows_i.extend([r] * n_words)
            cols_i.extend(range(n_words))
            shares.extend([1.0 / n_words] * n_words)
            continue
        for occurrence in found:
            for unit in occurrence:
                rows_i.append(r)
                cols_i.append(unit)
                shares.append(1.0 / (len(found) * len(occurrence)))
    if missing:
        logger.warning("%d features of %r not found among its n-grams; their weight is spread over every word",
                       missing, normalised[:40])  # fmt: skip
    allocation = sp.csr_matrix((shares, (rows_i, cols_i)), shape=(len(columns), n_words))  # duplicates are summed
    return columns, values, allocation


def linear_contributions(model: TfidfClassifier, texts: Sequence[Words]) -> list[LinearContributions]:
    """Exact word contributions of the baseline ``model`` for each cut text (see the module docstring)."""
    if not hasattr(model, "heads_"):
        raise ConfigError(f"{type(model).__name__} is not fitted; call fit() or load()")
    if not texts:
        return []
    char_x = model.char_vectorizer_.transform([w.normalised.text for w in texts]).tocsr()
    word_x = model.word_vectorizer_.transform([w.content_tokens for w in texts]).tocsr()
    n_char = char_x.shape[1]
    rows = {head: _explained_rows(linear) for head, linear in model.heads_.items()}
    codes = {head: model.taxonomy_.fault_types.codes if head == PRIMARY else model.taxonomy_.head(head).codes
             for head in model.heads_}  # fmt: skip
    out = []
    for i, words in enumerate(texts):
        columns, values, allocation = _allocation(model, words, char_x[i], word_x[i], n_char)
        weights: dict[str, np.ndarray] = {}
        intercepts: dict[str, np.ndarray] = {}
        for head, linear in model.heads_.items():
            row_of, sign, intercept = rows[head]
            coef = linear.coef[:, columns][row_of].astype(np.float64) * sign[:, None]  # columns first: no full copy
            contributions = coef * values[None, :]  # (n_codes, n_features): coef × tf-idf value
            weights[head] = np.asarray(allocation.T @ contributions.T).T[:, : len(words)]
            intercepts[head] = intercept
        out.append(LinearContributions(words, codes, weights, intercepts))
    return out


# -- occlusion: any classifier ------------------------------------------------------------------


def occlusion_drops(classifier: Classifier, texts: Sequence[Words]) -> list[dict[str, np.ndarray]]:
    """Per text and head, ``(n_codes, n_words)``: the score of the whole text minus the score
    without each word. Words without a letter or digit (punctuation, symbols) are not
    occluded and get 0, nor are words after the first :data:`MAX_OCCLUDED_WORDS` occluded ones.

    Every variant of every text goes to ``classifier.predict_proba`` in one call.
    """
    variants: list[str] = []
    occluded: list[list[int]] = []
    for words in texts:
        variants.append(words.normalised.text)
        chosen = [k for k, word in enumerate(words.words) if _HAS_CONTENT.search(word)][:MAX_OCCLUDED_WORDS]
        variants.extend(words.without(k) for k in chosen)
        occluded.append(chosen)
    if not variants:
        return []
    proba = {head: frame.to_numpy(dtype=np.float64) for head, frame in classifier.predict_proba(variants).items()}
    out = []
    first = 0
    for words, chosen in zip(texts, occluded, strict=True):
        drops = {}
        for head, scores in proba.items():
            matrix = np.zeros((scores.shape[1], len(words)))
            matrix[:, chosen] = scores[first][:, None] - scores[first + 1 : first + 1 + len(chosen)].T
            drops[head] = matrix
        out.append(drops)
        first += 1 + len(chosen)
    return out


# -- explanations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """Every word's weight for each explained label of one text."""

    method: str
    words: Words
    weights: dict[str, np.ndarray]  # label key → one weight per word

    def top(self, k: int = DEFAULT_TOP_K) -> dict[str, list[Span]]:
        """Per label, the ``k`` words of largest absolute weight (signed), strongest first; zero weights left out."""
        out = {}
        for key, weights in self.weights.items():
            order = sorted(np.flatnonzero(np.abs(weights) > _ZERO).tolist(), key=lambda i: (-abs(weights[i]), i))
            out[key] = [self.words.span(i, weights[i]) for i in order[:k]]
        return out

    def to_dict(self, k: int = DEFAULT_TOP_K) -> dict[str, list[dict[str, Any]]]:
        return {key: [span.to_dict() for span in spans] for key, spans in self.top(k).items()}


def _baseline(classifier: Classifier) -> TfidfClassifier | None:
    """``classifier`` if it is the TF-IDF baseline (by its ``kind``, as the loader tells models apart)."""
    return cast("TfidfClassifier", classifier) if getattr(classifier, "kind", None) == BASELINE_KIND else None


def explanation_method(classifier: Classifier) -> str:
    """:data:`LINEAR` for the TF-IDF baseline, :data:`OCCLUSION` for any other model."""
    return LINEAR if _baseline(classifier) is not None else OCCLUSION


def _heads(classifier: Classifier) -> dict[str, list[str]]:
    taxonomy = classifier.taxonomy_
    heads = {head: taxonomy.head(head).codes for head in taxonomy.active_heads}
    baseline = _baseline(classifier)
    if baseline is not None:
        present = set(baseline.heads_)
    else:  # probe: the heads a model scores are the keys of predict_proba (the primary head is optional)
        present = set(classifier.predict_proba([]))
    if PRIMARY in present:
        heads[PRIMARY] = taxonomy.fault_types.codes
    return {head: codes for head, codes in heads.items() if head in present}


def explain(
    classifier: Classifier,
    segmenter: Segmenter,
    texts: Sequence[str],
    labels: Sequence[Sequence[str]] | None = None,
    *,
    opencc_config: str = "t2s",
) -> list[Explanation]:
    """Word weights for the labels of each text (default: the labels ``classifier`` predicts).

    Args:
        classifier: a fitted model; the baseline is explained exactly (:data:`LINEAR`),
            any other by occlusion (:data:`OCCLUSION`).
        segmenter: the segmenter whose words are weighed (the one classify uses).
        texts: raw texts, as given to classify.
        labels: per text, the label keys to explain (``fault:power``, ``primary:power``,
            ``sentiment:negative``, ``aspect:attitude``).
        opencc_config: the normalisation's OpenCC configuration (classify's default).

    Raises:
        ConfigError: a label key names no head or code of the model, or ``labels`` and
            ``texts`` differ in length.
    """
    texts = list(texts)
    if labels is None:
        predicted = classifier.predict(texts)
        labels = [predicted_label_keys(row) for row in predicted.to_dict(orient="records")]
    if len(labels) != len(texts):
        raise ConfigError(f"got {len(texts)} texts but {len(labels)} label lists")
    heads = _heads(classifier)
    columns = [[(key, *_score_head(key, heads)) for key in keys] for keys in labels]
    cut = [cut_words(text, segmenter, opencc_config=opencc_config) for text in texts]
    method = explanation_method(classifier)
    baseline = _baseline(classifier)
    if baseline is not None:
        per_head = [c.weights for c in linear_contributions(baseline, cut)]
    else:
        per_head = occlusion_drops(classifier, cut)
    return [
        Explanation(method, words, {key: matrices[head][j] for key, head, j in chosen})
        for words, matrices, chosen in zip(cut, per_head, columns, strict=True)
    ]


def explain_records(
    classifier: Classifier,
    segmenter: Segmenter,
    texts: Sequence[Any],
    records: list[dict[str, Any]],
    *,
    top_k: int = DEFAULT_TOP_K,
) -> list[dict[str, Any]]:
    """Add ``explanations`` (label key → top ``top_k`` spans) and ``explanation_method`` to
    classify records (:meth:`feedback_nlp.classification.Classification.classify`'s output for
    ``texts``), in place; records with an ``error`` are left alone. Returns ``records``.

    Raises:
        ConfigError: ``top_k`` is outside 1..:data:`MAX_TOP_K`, or records and texts differ in length.
    """
    if not 1 <= top_k <= MAX_TOP_K:
        raise ConfigError(f"top_k {top_k}: expected 1 to {MAX_TOP_K} spans per label")
    if len(records) != len(texts):
        raise ConfigError(f"got {len(texts)} texts but {len(records)} records")
    chosen = [i for i, record in enumerate(records) if "error" not in record]
    explanations = explain(classifier, segmenter, [texts[i] for i in chosen],
                           [predicted_label_keys(records[i]) for i in chosen])  # fmt: skip
    for i, explanation in zip(chosen, explanations, strict=True):
        records[i]["explanations"] = explanation.to_dict(top_k)
        records[i]["explanation_method"] = explanation.method
    return records
