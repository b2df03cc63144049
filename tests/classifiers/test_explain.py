"""Explanations: exact linear contributions of the baseline, occlusion of the transformer (ONNX
Runtime, alone and blended), offsets into the original text, and faithfulness on trained tiny models."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from scipy.special import expit, softmax

from feedback_nlp.classification import Classification
from feedback_nlp.classifiers.base import PRIMARY, Classifier
from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.classifiers.explain import (
    LINEAR,
    MAX_TOP_K,
    OCCLUSION,
    Explanation,
    cut_words,
    explain,
    explain_records,
    linear_contributions,
    predicted_label_keys,
)
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.classifiers.transformer import TransformerClassifier
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.errors import ConfigError
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter, normalise
from feedback_nlp.text.offsets import align, normalise_with_offsets

# The transformer fixtures of the fine-tuning tests, reused (a tiny BERT trained in seconds).
from tests.classifiers.test_transformer import base, blended, data, model  # noqa: F401

# Traditional characters, full-width ASCII and punctuation, emoji, zero-width and control
# characters, runs of spaces and newlines, a dotted capital I (lower-cases to two characters).
TRICKY = [
    "空調不製冷，外機噪音很大😡 師傅上門態度還很差！！",
    "  冰箱冷藏室結冰\n\n報修三天了還沒人聯繫　　ＫＦＲ－３５ＧＷ  ",
    "洗衣機\u200b漏水\t嚴重，İSTANBUL 客服電話打不通",
    "熱水器顯示E4，師傅說要換主板\ufe0f👍，價格太貴了",
]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def baseline(segmenter: Segmenter) -> TfidfClassifier:
    corpus = demo_corpus(800, seed=3)
    classifier = TfidfClassifier(Taxonomy.default(), max_char_features=3000, max_word_features=3000,
                                 segmenter=segmenter, n_jobs=1)  # fmt: skip
    return classifier.fit(corpus["text"].tolist(), corpus)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Texts none of the models trained on."""
    return demo_corpus(40, seed=99)["text"].tolist()


# -- offsets -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_normalised_characters_point_at_the_original_characters(text: str) -> None:
    mapped = normalise_with_offsets(text)
    assert mapped.text == normalise(text)
    assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
    for k, char in enumerate(mapped.text):
        start, end = mapped.starts[k], mapped.ends[k]
        assert 0 <= start < end <= len(text)
        if char != " ":  # the original character(s) normalise to this one
            assert normalise(text[start:end]) == char, (k, char, text[start:end])
    assert list(mapped.starts) == sorted(mapped.starts)


def test_align_maps_a_length_changing_replacement_onto_its_block() -> None:
    assert align("abc", "abc") == [0, 1, 2]
    mapping = align("a乾隆b", "a乾b")  # one character fewer
    assert mapping[0] == 0 and mapping[-1] == 3 and mapping[1] in (1, 2)
    assert align("ab", "aXYb") == [0, 0, 0, 1]


def test_words_cover_the_text_and_give_original_spans(segmenter: Segmenter) -> None:
    for text in TRICKY:
        words = cut_words(text, segmenter)
        assert words.words == segmenter.cut(normalise(text))
        assert words.content_tokens == segmenter.tokens(normalise(text))
        for i, word in enumerate(words.words):
            start, end = words.original_span(i)
            assert normalise(text[start:end]) == word  # traditional / full-width form in, the word out
    words = cut_words(TRICKY[0], segmenter)
    i = words.words.index("不制冷")
    start, end = words.original_span(i)
    assert TRICKY[0][start:end] == "不製冷"  # offsets into the text as sent, not the converted one


# -- baseline: exact linear contributions ------------------------------------------------------


def test_baseline_contributions_plus_intercept_are_the_decision_function(
    baseline: TfidfClassifier, segmenter: Segmenter, texts: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    sample = TRICKY + texts[:10]
    cut = [cut_words(t, segmenter) for t in sample]
    with caplog.at_level(logging.WARNING, logger="feedback_nlp.classifiers.explain"):
        contributions = linear_contributions(baseline, cut)
    assert not caplog.records  # every feature of every text was found among its n-grams
    normalised = [normalise(t) for t in sample]
    features = baseline._features(normalised, [segmenter.tokens(t) for t in normalised]).astype(np.float64)
    proba = baseline.predict_proba(sample)
    for i, c in enumerate(contributions):
        for head, linear in baseline.heads_.items():
            expected = features[i] @ linear.coef.astype(np.float64).T + linear.intercept.astype(np.float64)
            decision = c.weights[head].sum(axis=1) + c.intercepts[head]
            np.testing.assert_allclose(decision, np.ravel(expected), rtol=0, atol=1e-9)
            np.testing.assert_allclose(c.decision(head), decision, rtol=0, atol=1e-12)
            # ... and it is the model's: its probabilities are predict_proba's (float32 there)
            scores = softmax(decision) if linear.multiclass else expit(decision)
            np.testing.assert_allclose(scores, proba[head].to_numpy()[i], atol=1e-5)
            assert c.weights[head].shape == (len(c.codes[head]), len(c.words))


def test_baseline_explanations_name_every_predicted_label_with_spans_of_the_original(
    baseline: TfidfClassifier, segmenter: Segmenter
) -> None:
    job = Classification(baseline, segmenter)
    records = job.classify(TRICKY)
    explain_records(baseline, segmenter, TRICKY, records, top_k=3)
    for text, record in zip(TRICKY, records, strict=True):
        assert record["explanation_method"] == LINEAR
        keys = predicted_label_keys(record)
        assert list(record["explanations"]) == keys
        assert any(k.startswith("fault:") for k in keys) and any(k.startswith("primary:") for k in keys)
        assert any(k.startswith("sentiment:") for k in keys)
        for spans in record["explanations"].values():
            assert 0 < len(spans) <= 3
            weights = [abs(s["weight"]) for s in spans]
            assert weights == sorted(weights, reverse=True)
            for s in spans:
                assert text[s["start"] : s["end"]] == s["text"] and s["weight"] != 0
    # a label word gets a large positive weight for its label, in the form the user wrote it
    leak = explain(baseline, segmenter, ["洗衣機漏水嚴重，地上全是水"], [["fault:leak"]])[0].top(1)["fault:leak"][0]
    assert leak.text == "漏水" and leak.weight > 0


def test_records_with_an_error_are_left_alone_and_bad_arguments_are_refused(
    baseline: TfidfClassifier, segmenter: Segmenter
) -> None:
    job = Classification(baseline, segmenter)
    batch = ["空调不制冷", "👍👍"]
    records = explain_records(baseline, segmenter, batch, job.classify(batch))
    assert "explanations" in records[0] and "error" in records[1] and "explanations" not in records[1]
    with pytest.raises(ConfigError, match="top_k 0"):
        explain_records(baseline, segmenter, batch, job.classify(batch), top_k=0)
    with pytest.raises(ConfigError, match=f"top_k {MAX_TOP_K + 1}"):
        explain_records(baseline, segmenter, batch, job.classify(batch), top_k=MAX_TOP_K + 1)
    with pytest.raises(ConfigError, match="'smell:bad'"):
        explain(baseline, segmenter, ["空调不制冷"], [["smell:bad"]])
    with pytest.raises(ConfigError, match="no fault_types code 'warp'"):
        explain(baseline, segmenter, ["空调不制冷"], [["fault:warp"]])


# -- faithfulness --------------------------------------------------------------------------------


def _score(classifier: Classifier, texts: list[str], key: str) -> np.ndarray:
    prefix, _, code = key.partition(":")
    proba = classifier.predict_proba(texts)
    head = {"fault": "fault_types", "primary": PRIMARY, "sentiment": "sentiment", "aspect": "aspects"}[prefix]
    if head not in proba:
        head = "fault_types"
    return proba[head][code].to_numpy(dtype=np.float64)


def mean_drops(classifier: Classifier, explanations: list[Explanation], *, seed: int = 0,
               n_random: int = 5) -> tuple[float, float, int]:  # fmt: skip
    """Mean score drop when the top-weighted word is removed, and when a random span of the same
    length is (``n_random`` draws per label), over every explained label; and how many labels."""
    rng = np.random.default_rng(seed)
    top_drops: list[float] = []
    random_drops: list[float] = []
    for explanation in explanations:
        text = explanation.words.normalised.text
        for key, weights in explanation.weights.items():
            best = int(np.argmax(weights))
            if weights[best] <= 0:
                continue
            a, b = explanation.words.spans[best]
            length = b - a
            starts = rng.integers(0, len(text) - length + 1, size=n_random)
            variants = [text, text[:a] + text[b:], *(text[:s] + text[s + length :] for s in starts)]
            scores = _score(classifier, variants, key)
            top_drops.append(scores[0] - scores[1])
            random_drops.append(float(np.mean(scores[0] - scores[2:])))
    return float(np.mean(top_drops)), float(np.mean(random_drops)), len(top_drops)


def test_baseline_explanations_are_faithful(baseline: TfidfClassifier, segmenter: Segmenter,
                                            texts: list[str]) -> None:  # fmt: skip
    explanations = explain(baseline, segmenter, texts)
    top, random, n = mean_drops(baseline, explanations)
    assert n >= len(texts)
    assert top > random and top > 2 * max(random, 0.0), (top, random)


# -- transformer: occlusion on ONNX Runtime, alone and blended -----------------------------------


@pytest.fixture(scope="module")
def served(model: TransformerClassifier, tmp_path_factory: pytest.TempPathFactory) -> Classifier:  # noqa: F811
    """The tiny fine-tuned transformer saved and loaded as the API serves it (ONNX Runtime)."""
    path = model.save(tmp_path_factory.mktemp("tiny-served") / "m")
    loaded: Classifier = load_classifier(path, runtime="onnx")
    return loaded


@pytest.fixture(scope="module")
def served_blend(blended, tmp_path_factory: pytest.TempPathFactory) -> Classifier:  # noqa: F811
    """The tiny transformer blended with a baseline, served on ONNX Runtime; each head's encoder share is
    set to 0.5 (validation gives the weak tiny encoder none), so the score explained is a true mix."""
    path = blended[2].save(tmp_path_factory.mktemp("tiny-blend") / "m")
    loaded = load_classifier(path, runtime="onnx")
    assert isinstance(loaded, TransformerClassifier) and loaded.companion_ is not None
    loaded.blend_ = {head: 0.5 for head in loaded.blend_}
    return loaded


@pytest.mark.slow
def test_occlusion_weight_is_the_score_drop_of_removing_the_word(served: Classifier, segmenter: Segmenter) -> None:
    assert getattr(served, "onnx_", None) is not None and getattr(served, "model_", None) is None  # no torch network
    text = TRICKY[0]
    [explanation] = explain(served, segmenter, [text])
    assert explanation.method == OCCLUSION
    words = explanation.words
    for key, weights in explanation.weights.items():
        assert weights.shape == (len(words),)
        k = int(np.argmax(np.abs(weights)))
        scores = _score(served, [words.normalised.text, words.without(k)], key)
        assert weights[k] == pytest.approx(scores[0] - scores[1], abs=1e-6)
        for span in explanation.top(5)[key]:
            assert text[span.start : span.end] == span.text


@pytest.mark.slow
def test_transformer_explanations_are_faithful(served: Classifier, segmenter: Segmenter, texts: list[str]) -> None:
    explanations = explain(served, segmenter, texts)
    assert {e.method for e in explanations} == {OCCLUSION}
    top, random, n = mean_drops(served, explanations)
    assert n >= len(texts)
    assert top > random and top > 2 * max(random, 0.0), (top, random)


@pytest.mark.slow
def test_a_blended_model_explains_its_blended_score(served_blend: Classifier, segmenter: Segmenter,
                                                    texts: list[str]) -> None:  # fmt: skip
    explanations = explain(served_blend, segmenter, texts[:20])
    first = explanations[0]
    for key, weights in first.weights.items():
        k = int(np.argmax(np.abs(weights)))
        scores = _score(served_blend, [first.words.normalised.text, first.words.without(k)], key)  # blended
        assert weights[k] == pytest.approx(scores[0] - scores[1], abs=1e-6)
    top, random, _ = mean_drops(served_blend, explanations)
    assert top > random, (top, random)


def test_explain_rejects_mismatched_lengths(baseline: TfidfClassifier, segmenter: Segmenter) -> None:
    with pytest.raises(ConfigError, match="2 texts but 1 label lists"):
        explain(baseline, segmenter, ["空调不制冷", "冰箱结冰"], [["fault:temperature"]])


def test_explanation_units_are_the_same_for_both_methods(baseline: TfidfClassifier, segmenter: Segmenter) -> None:
    [explanation] = explain(baseline, segmenter, [TRICKY[1]])
    assert explanation.words.words == segmenter.cut(normalise(TRICKY[1]))
    assert all(len(w) == len(explanation.words) for w in explanation.weights.values())
