"""The baseline: TF-IDF features and linear models, the fast path and the fallback.

Features are character 1–3-grams of the normalised text (robust to typos and unseen
words) plus jieba word uni- and bigrams (so 不制冷 and 外机 噪音 count as units). Each
label of the multi-label heads is a logistic regression; sentiment and the primary
fault are multinomial logistic regressions. Logistic regression is fitted by
maximising likelihood, so its probabilities are calibrated without a separate step
(the expected calibration error on validation data is measured and stored in the
metadata); per-label decision thresholds are then tuned on the validation split.

Training rows may label only some heads (``None`` = unknown): each head learns from
the rows that label it. Prediction is one sparse matrix product for all heads at once;
features are counted by :mod:`feedback_nlp.classifiers.fast_features` (the same floats
as scikit-learn's ``transform``, several times faster), so the cost is dominated by
normalisation and segmentation.

One module (~460 lines): one estimator with its fit, threshold tuning, predict, save and
load, as scikit-learn keeps an estimator in one place.
"""

from __future__ import annotations

import gzip
import logging
import pickle
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self, cast

import joblib
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from feedback_nlp.classifiers.artifacts import (
    BASELINE_KIND,
    model_taxonomy,
    read_metadata,
    write_metadata,
)
from feedback_nlp.classifiers.base import PRIMARY, base_metadata, decide
from feedback_nlp.classifiers.decision import DEFAULT_THRESHOLD, tune_thresholds
from feedback_nlp.classifiers.fast_features import CharNgramCounter, transform_texts, transform_tokens
from feedback_nlp.errors import ConfigError
from feedback_nlp.labels import coerce_labelled, multi_hot
from feedback_nlp.taxonomy import MULTI_LABEL_HEADS, Taxonomy
from feedback_nlp.text import Segmenter, normalise

logger = logging.getLogger(__name__)

#: Vectorisers and head weights: a gzip-compressed pickle. joblib's files load through
#: the pure-Python unpickler: 4.8 s for the default model's 500k-term vocabularies,
#: against 0.7 s here (C unpickler), at the same size on disk.
WEIGHTS_FILE = "model.pkl.gz"
#: What models saved before used; still read.
LEGACY_WEIGHTS_FILE = "model.joblib"
#: Training texts are cut to this many characters: the start of a text carries its point.
MAX_TRAIN_CHARS = 512


def word_ngrams(tokens: Sequence[str]) -> list[str]:
    """Unigrams and bigrams of a token list (module level so the vectorizer pickles)."""
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return grams


class LinearHead:
    """Weights of one head as a dense matrix: scores are one sparse product, no estimator objects."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, *, multiclass: bool) -> None:
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.multiclass = multiclass

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_coef_t"}  # derived, not saved

    def proba(self, features: sp.csr_matrix) -> np.ndarray:
        # scipy copies a transposed (non-contiguous) dense operand on every product,
        # which cost ~45 ms per call whatever the batch size; keep one contiguous copy.
        coef_t = self.__dict__.get("_coef_t")
        if coef_t is None:
            coef_t = self._coef_t = np.ascontiguousarray(self.coef.T)
        logits = np.asarray(features @ coef_t) + self.intercept
        return cast(np.ndarray, softmax(logits, axis=1) if self.multiclass else expit(logits))


#: Training rows from which the fits run in ``n_jobs`` worker processes; below it,
#: starting the workers costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
#: Arrays from this size reach the worker processes memory-mapped, read-only (joblib's ``max_nbytes``).
MEMMAP_MIN_BYTES: int | str = "1M"


class _HeadPlan:
    """The logistic-regression fits one head needs, and how their results make its weights."""

    def __init__(self, head: str, jobs: list[tuple[dict[str, Any], Any, Any, np.ndarray]],
                 assemble: Callable[[list[LogisticRegression]], LinearHead]) -> None:  # fmt: skip
        self.head, self.jobs, self.assemble = head, jobs, assemble


def _fit_logistic(params: dict[str, Any], X: Any, y: Any, w: np.ndarray) -> LogisticRegression:
    """One fit (module level: it runs in worker processes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(**params).fit(X, y, sample_weight=w)


def _constant_head(n_features: int, prior: float) -> tuple[np.ndarray, float]:
    prior = min(max(prior, 1e-4), 1 - 1e-4)
    return np.zeros(n_features), float(np.log(prior / (1 - prior)))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, n_bins: int = 10) -> float:
    """Mean |accuracy − confidence| over equal-width probability bins, weighted by bin size."""
    y = np.asarray(y, dtype=float).ravel()
    proba = np.asarray(proba, dtype=float).ravel()
    if len(y) == 0:
        return float("nan")
    bins = np.minimum((proba * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            error += mask.mean() * abs(y[mask].mean() - proba[mask].mean())
    return float(error)


class TfidfClassifier:
    """TF-IDF + logistic regression for fault types, primary fault, sentiment and aspects.

    Parameters are stored unchanged (scikit-learn style); ``fit`` learns the
    attributes ending in ``_``. ``segmenter`` is not saved with the model: a loaded
    model uses the one it is given, or a default :class:`Segmenter`.
    """

    kind = BASELINE_KIND
    #: The metadata a loaded model was read from (set by :meth:`load` only).
    metadata_: dict[str, Any]

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        name: str = "baseline",
        version: str = "v1",
        char_ngram_range: tuple[int, int] = (1, 3),
        max_char_features: int = 300_000,
        max_word_features: int = 200_000,
        min_df: int = 2,
        C: float = 8.0,
        max_iter: int = 300,
        validation_fraction: float = 0.15,
        random_state: int = 0,
        n_jobs: int | None = -1,
        segmenter: Segmenter | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.name = name
        self.version = version
        self.char_ngram_range = char_ngram_range
        self.max_char_features = max_char_features
        self.max_word_features = max_word_features
        self.min_df = min_df
        self.C = C
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.segmenter = segmenter

    #: Derived from the fitted state on first use; never pickled.
    _CACHES = ("_char_counter_for", "_stacked_for")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHES}

    # -- features -----------------------------------------------------------------
    def _segmenter(self) -> Segmenter:
        if self.segmenter is None:
            self.segmenter = Segmenter()
        return self.segmenter

    def _prepare(
        self, X: Sequence[str], tokens: Sequence[Sequence[str]] | None, *, max_chars: int | None = None
    ) -> tuple[list[str], list[Sequence[str]]]:
        texts = [normalise(str(t))[:max_chars] if max_chars else normalise(str(t)) for t in X]
        if tokens is None:
            segmenter = self._segmenter()
            tokens = [segmenter.tokens(t) for t in texts]
        elif len(tokens) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(tokens)} token lists")
        return texts, list(tokens)

    def _features(self, texts: list[str], tokens: list[Sequence[str]]) -> sp.csr_matrix:
        return sp.hstack(
            [
                transform_texts(self.char_vectorizer_, self._char_counter(), texts),
                transform_tokens(self.word_vectorizer_, word_ngrams, tokens),
            ],
            format="csr",
        )

    def _char_counter(self) -> CharNgramCounter | None:
        """The batch counter of the fitted character vectoriser (built once), None if it does not apply."""
        vectorizer = self.char_vectorizer_
        cached = self.__dict__.get("_char_counter_for")
        if cached is None or cached[0] is not vectorizer:
            counter = CharNgramCounter(vectorizer) if CharNgramCounter.supports(vectorizer) else None
            cached = self._char_counter_for = (vectorizer, counter)
        return cast(CharNgramCounter | None, cached[1])

    # -- fit ------------------------------------------------------------------------
    def fit(
        self,
        X: Sequence[str],
        y: pd.DataFrame,
        *,
        X_valid: Sequence[str] | None = None,
        y_valid: pd.DataFrame | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> Self:
        """Learn from texts ``X`` and the labelled frame ``y`` (label columns; ``None`` = unknown).

        Thresholds are tuned on ``X_valid``/``y_valid`` when given, else on a random
        ``validation_fraction`` of the rows, which are then not trained on.
        """
        self.taxonomy_ = self.taxonomy or Taxonomy.default()
        y = coerce_labelled(y.assign(text=list(X)) if "text" not in y.columns else y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} rows")
        weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if X_valid is None:
            rng = np.random.default_rng(self.random_state)
            valid_mask = rng.random(len(X)) < self.validation_fraction
            X_all = list(X)
            X_train = [t for t, v in zip(X_all, valid_mask, strict=True) if not v]
            X_valid = [t for t, v in zip(X_all, valid_mask, strict=True) if v]
            y_train, y_valid = y[~valid_mask].reset_index(drop=True), y[valid_mask].reset_index(drop=True)
            weights = weights[~valid_mask]
        else:
            X_train, y_train = list(X), y.reset_index(drop=True)
            y_valid = coerce_labelled(y_valid).reset_index(drop=True)

        texts, tokens = self._prepare(X_train, None, max_chars=MAX_TRAIN_CHARS)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char", ngram_range=self.char_ngram_range, sublinear_tf=True, min_df=self.min_df,
            max_features=self.max_char_features, dtype=np.float32,
        )  # fmt: skip
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer=word_ngrams, sublinear_tf=True, min_df=self.min_df, max_features=self.max_word_features,
            dtype=np.float32, lowercase=False,
        )  # fmt: skip
        features = sp.hstack(
            [self.char_vectorizer_.fit_transform(texts), self.word_vectorizer_.fit_transform(tokens)], format="csr"
        )
        self.heads_: dict[str, LinearHead] = {}
        self.n_train_: dict[str, int] = {}
        plans = [self._plan_head(head, features, y_train, weights) for head in self.taxonomy_.active_heads]
        if len(self.taxonomy_.fault_types) and y_train["primary_fault"].notna().any():
            plans.append(self._plan_multiclass(PRIMARY, features, y_train["primary_fault"],
                                               self.taxonomy_.fault_types.codes, weights))  # fmt: skip
        self._run_plans(plans, n_rows=features.shape[0])

        # Thresholds and calibration measured on data the heads did not see.
        valid_texts, valid_tokens = self._prepare(list(X_valid), None, max_chars=MAX_TRAIN_CHARS)
        valid_proba = self._proba_from_features(self._features(valid_texts, valid_tokens), index=None)
        self.thresholds_: dict[str, np.ndarray] = {}
        self.calibration_: dict[str, float] = {}
        for head in self.taxonomy_.active_heads:
            codes = self.taxonomy_.head(head).codes
            if head in MULTI_LABEL_HEADS:
                known, truth = multi_hot(y_valid[head].tolist(), codes)
                proba = valid_proba[head].to_numpy()[known]
                self.thresholds_[head] = tune_thresholds(truth[known], proba)
                self.calibration_[head] = round(expected_calibration_error(truth[known], proba), 4)
            else:
                known = y_valid[head].notna().to_numpy()
                truth = pd.get_dummies(pd.Categorical(y_valid[head][known], categories=codes)).to_numpy()
                self.calibration_[head] = round(
                    expected_calibration_error(truth, valid_proba[head].to_numpy()[known]), 4
                )
        self.thresholds_.setdefault("fault_types", np.full(len(self.taxonomy_.fault_types), DEFAULT_THRESHOLD))
        self.thresholds_.setdefault("aspects", np.full(len(self.taxonomy_.aspects), DEFAULT_THRESHOLD))
        self.n_valid_ = len(X_valid)
        return self

    def _logistic_params(self, multiclass: bool) -> dict[str, Any]:
        return {"C": self.C, "solver": "lbfgs" if multiclass else "liblinear", "max_iter": self.max_iter,
                "random_state": self.random_state}  # fmt: skip

    def _plan_head(self, head: str, features: sp.csr_matrix, y: pd.DataFrame, weights: np.ndarray) -> _HeadPlan:
        codes = self.taxonomy_.head(head).codes
        if head not in MULTI_LABEL_HEADS:
            return self._plan_multiclass(head, features, y[head], codes, weights)
        known, truth = multi_hot(y[head].tolist(), codes)
        self.n_train_[head] = int(known.sum())
        if not known.any():
            raise ConfigError(f"no training row labels {head}; label some rows or drop the head from the taxonomy")
        X, Y, w = features[known], truth[known], weights[known]
        coef = np.zeros((len(codes), features.shape[1]))
        intercept = np.zeros(len(codes))
        fit: list[int] = []
        for j, code in enumerate(codes):
            positives = int(Y[:, j].sum())
            if positives < 2 or positives > len(Y) - 2:
                logger.warning("%s label %r has %d positive training rows; it predicts its prior",
                               head, code, positives)  # fmt: skip
                coef[j], intercept[j] = _constant_head(features.shape[1], positives / max(len(Y), 1))
            else:
                fit.append(j)

        def assemble(models: list[LogisticRegression]) -> LinearHead:
            for j, model in zip(fit, models, strict=True):
                coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
                logger.info("%s/%s fitted on %d rows (%d positive)", head, codes[j], len(Y), int(Y[:, j].sum()))
            return LinearHead(coef, intercept, multiclass=False)

        jobs = [(self._logistic_params(False), X, Y[:, j], w) for j in fit]
        return _HeadPlan(head, jobs, assemble)

    def _plan_multiclass(
        self, head: str, features: sp.csr_matrix, labels: pd.Series, codes: list[str], weights: np.ndarray
    ) -> _HeadPlan:
        known = labels.notna().to_numpy()
        self.n_train_[head] = int(known.sum())
        target = labels[known].astype(str).to_numpy()
        present = [c for c in codes if c in set(target)]
        if len(present) < 2:
            raise ConfigError(f"{head} needs at least two classes in the training data, found {present}")

        def assemble(models: list[LogisticRegression]) -> LinearHead:
            (model,) = models
            coef = np.zeros((len(codes), features.shape[1]))
            # Classes absent from training get a very low score rather than a made-up one.
            intercept = np.full(len(codes), -30.0)
            if len(model.classes_) == 2:
                # Binary: scikit-learn keeps one row for classes_[1]; softmax([0, z]) = sigmoid(z).
                first, second = (codes.index(c) for c in model.classes_)
                intercept[first] = 0.0
                coef[second], intercept[second] = model.coef_[0], model.intercept_[0]
            else:
                for k, code in enumerate(model.classes_):
                    j = codes.index(code)
                    coef[j], intercept[j] = model.coef_[k], model.intercept_[k]
            logger.info("%s fitted on %d rows, classes %s", head, known.sum(), list(model.classes_))
            return LinearHead(coef, intercept, multiclass=True)

        return _HeadPlan(head, [(self._logistic_params(True), features[known], target, weights[known])], assemble)

    def _run_plans(self, plans: list[_HeadPlan], *, n_rows: int) -> None:
        """Run every head's fits, in worker processes when the data is large enough.

        Processes, not threads: liblinear keeps global state, and fitting in threads
        made a replayed run differ. Each fit seeds its own solver, so results do not
        depend on the worker or the order. The multiclass fits (the longest) go first.
        """
        jobs = [(p, i) for p in plans for i in range(len(p.jobs))]
        jobs.sort(key=lambda job: job[0].jobs[job[1]][0]["solver"] != "lbfgs")
        n_jobs = self.n_jobs if n_rows >= PARALLEL_MIN_ROWS else 1
        for plan, i in jobs:
            # Workers get the matrices memory-mapped read-only; scikit-learn sorts the indices
            # of a non-canonical CSR matrix in place, so do it here once.
            plan.jobs[i][1].sum_duplicates()
        fitted = joblib.Parallel(n_jobs=n_jobs, backend="loky", max_nbytes=MEMMAP_MIN_BYTES)(
            joblib.delayed(_fit_logistic)(*plan.jobs[i]) for plan, i in jobs
        )
        results: dict[tuple[str, int], LogisticRegression] = {
            (plan.head, i): model for (plan, i), model in zip(jobs, fitted, strict=True)
        }
        for plan in plans:
            self.heads_[plan.head] = plan.assemble([results[(plan.head, i)] for i in range(len(plan.jobs))])

    # -- predict --------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "heads_"):
            raise ConfigError(f"{type(self).__name__} is not fitted; call fit() or load()")

    def _proba_from_features(self, features: sp.csr_matrix, index: pd.Index | None) -> dict[str, pd.DataFrame]:
        # One product for every head: the weights side by side (each output column sums the
        # same terms in the same order as a product per head, so the scores are identical).
        heads = list(self.heads_.items())
        weights_now = tuple(weights for _, weights in heads)
        cached = self.__dict__.get("_stacked_for")
        if (
            cached is None
            or len(cached[0]) != len(heads)
            or any(a is not b for a, b in zip(cached[0], weights_now, strict=True))
        ):
            stacked = np.ascontiguousarray(np.vstack([weights.coef for weights in weights_now]).T)
            cached = self._stacked_for = (weights_now, stacked)
        logits = np.asarray(features @ cached[1])
        out = {}
        start = 0
        for head, weights in heads:
            end = start + len(weights.intercept)
            head_logits = logits[:, start:end] + weights.intercept
            proba = softmax(head_logits, axis=1) if weights.multiclass else expit(head_logits)
            out[head] = pd.DataFrame(proba, columns=self._codes(head), index=index)
            start = end
        return out

    def predict_proba(
        self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> dict[str, pd.DataFrame]:
        """Scores per head (``fault_types``, ``sentiment``, ``aspects``, ``primary_fault``); columns are codes.

        ``tokens`` (the segmenter's ``tokens`` of each normalised text) saves segmenting twice.
        """
        self._check_fitted()
        texts, tokens = self._prepare(X, tokens)
        if not texts:
            return {head: pd.DataFrame(columns=self._codes(head)) for head in self.heads_}
        return self._proba_from_features(self._features(texts, tokens), index=None)

    def predict_proba_normalised(
        self, texts: Sequence[str], tokens: Sequence[Sequence[str]]
    ) -> dict[str, pd.DataFrame]:
        """:meth:`predict_proba` of texts already normalised (:func:`~feedback_nlp.text.normalise`), with
        their segmenter ``tokens``: skips normalising them a second time (classify's path)."""
        self._check_fitted()
        if len(tokens) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(tokens)} token lists")
        if not texts:
            return {head: pd.DataFrame(columns=self._codes(head)) for head in self.heads_}
        return self._proba_from_features(self._features(list(texts), list(tokens)), index=None)

    def _codes(self, head: str) -> list[str]:
        return self.taxonomy_.fault_types.codes if head == PRIMARY else self.taxonomy_.head(head).codes

    def predict(self, X: Sequence[str], *, tokens: Sequence[Sequence[str]] | None = None) -> pd.DataFrame:
        """Labels per text: ``fault_types`` (list), ``primary_fault``, ``sentiment``, ``aspects`` (list)."""
        return decide(self.predict_proba(X, tokens=tokens), self.thresholds_, self.taxonomy_)

    # -- persistence ------------------------------------------------------------------
    def metadata(self, **extra: Any) -> dict[str, Any]:
        self._check_fitted()
        return {
            **base_metadata(self),
            "calibration_ece": self.calibration_,
            "n_train": self.n_train_,
            "n_valid": self.n_valid_,
            "parameters": {
                "char_ngram_range": list(self.char_ngram_range),
                "max_char_features": self.max_char_features,
                "max_word_features": self.max_word_features,
                "min_df": self.min_df,
                "C": self.C,
                "max_iter": self.max_iter,
                "validation_fraction": self.validation_fraction,
                "random_state": self.random_state,
            },
            "n_features": int(len(self.char_vectorizer_.vocabulary_) + len(self.word_vectorizer_.vocabulary_)),
            **extra,
        }

    def save(self, path: str | Path, **metadata: Any) -> Path:
        """Write weights and ``metadata.json`` into ``path``; extra keyword arguments go into the metadata."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {
            "char_vectorizer": self.char_vectorizer_,
            "word_vectorizer": self.word_vectorizer_,
            "heads": {h: (w.coef, w.intercept, w.multiclass) for h, w in self.heads_.items()},
        }
        with gzip.open(path / WEIGHTS_FILE, "wb", compresslevel=3) as out:
            pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
        write_metadata(path, self.metadata(**metadata))
        return path

    @classmethod
    def load(cls, path: str | Path, *, segmenter: Segmenter | None = None) -> Self:
        """Load a model directory written by :meth:`save`. Raises :class:`ConfigError`."""
        path = Path(path)
        meta = read_metadata(path)
        if meta["kind"] != cls.kind:
            raise ConfigError(f"{path} holds a {meta['kind']!r} model, not {cls.kind!r}")
        legacy = not (path / WEIGHTS_FILE).exists() and (path / LEGACY_WEIGHTS_FILE).exists()
        weights = path / (LEGACY_WEIGHTS_FILE if legacy else WEIGHTS_FILE)
        try:
            if legacy:
                state = joblib.load(weights)
            else:
                with gzip.open(weights, "rb") as stream:
                    state = pickle.load(stream)  # noqa: S301 - our own artifact, as joblib's was
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: {WEIGHTS_FILE} is missing; the model directory is incomplete") from exc
        except Exception as exc:  # unpickling a damaged file raises whatever it meets
            raise ConfigError(f"{weights}: unreadable model weights ({exc}); re-train the model") from exc
        params = meta.get("parameters", {})
        taxonomy = model_taxonomy(meta)
        model = cls(
            taxonomy,
            name=meta["name"],
            version=meta["version"],
            char_ngram_range=tuple(params.get("char_ngram_range", (1, 3))),
            segmenter=segmenter,
        )
        model.taxonomy_ = taxonomy
        model.char_vectorizer_ = state["char_vectorizer"]
        model.word_vectorizer_ = state["word_vectorizer"]
        model.heads_ = {h: LinearHead(c, b, multiclass=m) for h, (c, b, m) in state["heads"].items()}
        model.thresholds_ = {h: np.asarray(v, dtype=float) for h, v in meta["thresholds"].items()}
        model.calibration_ = meta.get("calibration_ece", {})
        model.n_train_ = meta.get("n_train", {})
        model.n_valid_ = meta.get("n_valid", 0)
        model.metadata_ = meta
        return model
