"""The fine-tuning path end to end on a tiny random BERT (seconds, not minutes)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from feedback_nlp.classifiers.artifacts import read_metadata
from feedback_nlp.classifiers.base import Classifier
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.classifiers.transformer import FinetuneConfig, TransformerClassifier
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.encoder.tiny import make_tiny_base
from feedback_nlp.errors import ConfigError
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.training import evaluate_model

pytestmark = pytest.mark.slow
# One thread: torch's default (all cores) oversubscribes a CI box running other work.
FAST = dict(
    epochs=3, batch_size=32, learning_rate=2e-3, head_learning_rate=5e-3, freeze_embeddings=False, num_threads=1
)


@pytest.fixture(scope="module")
def data():
    return demo_corpus(900, seed=11), demo_corpus(200, seed=12), demo_corpus(200, seed=13)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, data) -> Path:
    train, valid, test = data
    texts = [*train["text"], *valid["text"], *test["text"]]
    return make_tiny_base(tmp_path_factory.mktemp("tiny-base"), texts)


@pytest.fixture(scope="module")
def model(base: Path, data) -> TransformerClassifier:
    train, valid, _ = data
    classifier = TransformerClassifier(base_model=base, name="tiny", config=FinetuneConfig(**FAST))
    return classifier.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)


def test_fine_tuning_learns_and_keeps_the_contract(model: TransformerClassifier, data) -> None:
    _, _, test = data
    assert isinstance(model, Classifier)
    losses = [h["valid_loss"] for h in model.history_]
    assert losses[-1] < losses[0]  # it learned something
    summary = evaluate_model(model, test).summary()
    assert summary["sentiment_accuracy"] > 0.7
    predicted = model.predict(test["text"].tolist()[:30])
    assert list(predicted.columns) == ["fault_types", "primary_fault", "sentiment", "aspects"]
    for faults, primary in zip(predicted["fault_types"], predicted["primary_fault"], strict=True):
        assert faults and primary in faults
        assert "none" not in faults or faults == ["none"]
    proba = model.predict_proba(test["text"].tolist()[:5])
    assert list(proba["fault_types"].columns) == model.taxonomy_.fault_types.codes
    assert np.allclose(proba["sentiment"].sum(axis=1), 1.0, atol=1e-5)


def test_save_load_round_trip_and_int8(model: TransformerClassifier, data, tmp_path: Path) -> None:
    _, _, test = data
    texts = test["text"].tolist()[:40]
    model.save(tmp_path / "m")
    meta = read_metadata(tmp_path / "m")
    assert meta["kind"] == "transformer" and meta["history"] and meta["parameters"]["max_length"] == 64
    loaded = load_classifier(tmp_path / "m")
    assert np.allclose(loaded.predict_proba(texts)["fault_types"], model.predict_proba(texts)["fault_types"], atol=1e-5)
    quantized = load_classifier(tmp_path / "m", quantize=True)
    diff = np.abs(
        quantized.predict_proba(texts)["sentiment"].to_numpy() - model.predict_proba(texts)["sentiment"].to_numpy()
    )
    assert diff.max() < 0.2  # int8 weights move scores a little, not a lot


def test_onnx_runtime_matches_torch(model: TransformerClassifier, data, tmp_path: Path) -> None:
    _, _, test = data
    texts = test["text"].tolist()[:40] + ["好", "电视" * 80]  # one token and a cut-off text: dynamic axes
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "onnx" / "model.onnx").exists() and (tmp_path / "m" / "onnx" / "model.int8.onnx").exists()
    expected = model.predict_proba(texts)
    served = load_classifier(tmp_path / "m", runtime="onnx", quantize=False)
    assert served.model_ is None  # the torch network is never built
    got = served.predict_proba(texts)
    for head, frame in expected.items():
        assert np.allclose(got[head].to_numpy(), frame.to_numpy(), atol=1e-4), head
    assert served.predict(texts).equals(model.predict(texts))
    int8 = load_classifier(tmp_path / "m", runtime="onnx", quantize=True).predict_proba(texts)
    assert np.abs(int8["sentiment"].to_numpy() - expected["sentiment"].to_numpy()).max() < 0.2


def test_onnx_serving_imports_neither_torch_nor_transformers(model: TransformerClassifier, data,
                                                            tmp_path: Path) -> None:  # fmt: skip
    import subprocess
    import sys

    model.save(tmp_path / "m")
    script = (
        "import sys\n"
        "from feedback_nlp.classifiers.loading import load_classifier\n"
        f"served = load_classifier({str(tmp_path / 'm')!r}, runtime='onnx', quantize=True)\n"
        "served.predict(['空调不制冷，外机噪音很大', '屏幕' * 80])\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    texts = data[2]["text"].tolist()[:20] + ["电视" * 80]
    served = load_classifier(tmp_path / "m", runtime="onnx", quantize=False)
    assert served.tokenizer_(texts, max_length=64)["input_ids"] == model.tokenizer_(
        texts, truncation=True, max_length=64
    )["input_ids"]


def test_onnx_graph_is_exported_on_first_load(model: TransformerClassifier, data, tmp_path: Path) -> None:
    import shutil

    model.save(tmp_path / "m")
    shutil.rmtree(tmp_path / "m" / "onnx")  # a model saved before ONNX export existed
    texts = data[2]["text"].tolist()[:10]
    served = load_classifier(tmp_path / "m", runtime="onnx", quantize=True)
    assert (tmp_path / "m" / "onnx" / "model.int8.onnx").exists()
    assert served.predict(texts).shape[0] == 10
    with pytest.raises(ConfigError, match="runtime 'tensorrt'"):
        load_classifier(tmp_path / "m", runtime="tensorrt")


def test_partial_labels_train(base: Path, data) -> None:
    train, valid, _ = data
    train = train.head(200).copy()
    train.loc[train.index[:100], "fault_types"] = None
    train.loc[train.index[:100], "primary_fault"] = None
    train.loc[train.index[100:], "sentiment"] = None
    config = FinetuneConfig(**{**FAST, "epochs": 1})
    classifier = TransformerClassifier(base_model=base, config=config)
    classifier.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)
    assert classifier.n_train_["fault_types"] == 100 and classifier.n_train_["sentiment"] == 100


def test_layer_truncation_and_step_budget(base: Path, data) -> None:
    train, valid, _ = data
    config = FinetuneConfig(**{**FAST, "n_layers": 1, "max_steps": 3})
    classifier = TransformerClassifier(base_model=base, config=config)
    classifier.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)
    assert len(classifier.model_.encoder.encoder.layer) == 1
    assert classifier.history_[-1]["step"] == 3


def test_missing_base_and_missing_validation_are_clear_errors(tmp_path: Path, data) -> None:
    train, valid, _ = data
    with pytest.raises(ConfigError, match="prepare_base"):
        TransformerClassifier(base_model=tmp_path).fit(
            train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid
        )
    with pytest.raises(ConfigError, match="validation"):
        TransformerClassifier(base_model=tmp_path).fit(train["text"].tolist(), train)


@pytest.fixture(scope="module")
def blended(model: TransformerClassifier, data):
    from feedback_nlp.classifiers.baseline import TfidfClassifier

    train, valid, _ = data
    baseline = TfidfClassifier(name="base", version="v3").fit(
        train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid
    )
    encoder_only = copy.deepcopy(model)
    return encoder_only, baseline, copy.deepcopy(model).blend_with(baseline, valid["text"].tolist(), valid)


def test_blend_mixes_scores_by_the_weights_chosen_on_validation(blended, data) -> None:
    encoder_only, baseline, model = blended
    _, _, test = data
    texts = test["text"].tolist()[:50]
    assert set(model.blend_) >= {"fault_types", "sentiment", "aspects"}
    for head, losses in model.blend_losses_.items():
        assert 0.0 <= model.blend_[head] <= 1.0
        # the grid holds both ends, so the chosen blend is never worse than either model alone
        assert losses["blend"] <= min(losses["encoder"], losses["companion"]) + 1e-12
    own, other, mixed = encoder_only.predict_proba(texts), baseline.predict_proba(texts), model.predict_proba(texts)
    for head, w in model.blend_.items():
        expected = w * own[head].to_numpy() + (1 - w) * other[head][own[head].columns].to_numpy()
        assert np.allclose(mixed[head].to_numpy(), expected, atol=1e-5), head
    assert np.allclose(model.encoder_proba(texts)["sentiment"], own["sentiment"], atol=1e-6)


def test_a_head_left_to_the_companion_keeps_its_thresholds(model: TransformerClassifier, blended, data) -> None:
    _, baseline, _ = blended
    _, valid, _ = data
    mixed = copy.deepcopy(model)
    mixed.encoder_proba = lambda X: {h: p * 0 + 0.5 for h, p in model.encoder_proba(X).items()}  # no signal
    few = valid.head(60)  # thresholds tuned on these alone would differ from the baseline's
    mixed.blend_with(baseline, few["text"].tolist(), few)
    assert mixed.blend_["fault_types"] == 0.0 and mixed.blend_["aspects"] == 0.0
    for head in ("fault_types", "aspects"):
        assert np.array_equal(mixed.thresholds_[head], baseline.thresholds_[head])


def test_blend_is_saved_inside_the_model_and_loaded_back(blended, data, tmp_path: Path) -> None:
    _, _, model = blended
    _, _, test = data
    texts = test["text"].tolist()[:40]
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "companion" / "model.pkl.gz").exists()
    meta = read_metadata(tmp_path / "m")
    assert meta["blend"]["companion"] == "base@v3" and meta["blend"]["weights"] == model.blend_
    loaded = load_classifier(tmp_path / "m")
    assert loaded.blend_ == model.blend_
    for head in ("fault_types", "aspects", "sentiment"):
        assert np.allclose(loaded.predict_proba(texts)[head], model.predict_proba(texts)[head], atol=1e-5)
    assert loaded.predict(texts).equals(model.predict(texts))


def test_blend_refuses_a_companion_with_another_taxonomy(model: TransformerClassifier, data) -> None:
    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.datasets.public import sentiment_taxonomy

    train, valid, _ = data
    other = TfidfClassifier(sentiment_taxonomy()).fit(
        train["text"].tolist()[:300], train.head(300).assign(sentiment=["negative", "positive"] * 150)
    )
    with pytest.raises(ConfigError, match="taxonomy"):
        copy.deepcopy(model).blend_with(other, valid["text"].tolist(), valid)


def test_time_budget_fixes_the_step_count_after_the_probe(base: Path, data) -> None:
    from feedback_nlp.classifiers.transformer import BUDGET_PROBE_STEPS

    train, valid, _ = data
    config = FinetuneConfig(**{**FAST, "batch_size": 8, "epochs": 2, "max_minutes": 1e-6})
    clf = TransformerClassifier(base_model=base, config=config)
    clf.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist()[:50], y_valid=valid.head(50))
    # 900 texts / 8 = 113 steps per epoch were planned; a budget no step fits stops at the probe
    assert clf.history_[-1]["step"] == BUDGET_PROBE_STEPS


def test_split_forward_equals_the_full_forward(model: TransformerClassifier, data) -> None:
    import torch

    texts = data[2]["text"].tolist()[:16]
    ids, mask = model._pad(model._encode(texts))
    net = model.model_.eval()
    with torch.no_grad():
        full = net(ids, mask)
        for k in (0, 1, 2):
            split = net.upper(net.lower(ids, mask, k), mask, k)
            for head in full:
                assert torch.allclose(full[head], split[head], atol=1e-5), (head, k)


def test_frozen_lower_layers_stay_fixed_and_the_top_learns(base: Path, data) -> None:
    import torch

    train, valid, test = data
    config = FinetuneConfig(**{**FAST, "frozen_layers": 1})
    untouched = TransformerClassifier(base_model=base, config=config)
    untouched.taxonomy_ = Taxonomy.default()
    untouched._build(with_primary=True)
    before = copy.deepcopy(untouched.model_.encoder.state_dict())
    classifier = TransformerClassifier(base_model=base, config=config)
    classifier.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)
    after = classifier.model_.encoder.state_dict()
    lower = [k for k in before if k.startswith(("embeddings.", "encoder.layer.0."))]
    upper = [k for k in before if k.startswith("encoder.layer.1.")]
    assert lower and upper
    assert all(torch.equal(before[k], after[k]) for k in lower)
    assert any(not torch.equal(before[k], after[k]) for k in upper)
    assert evaluate_model(classifier, test).summary()["sentiment_accuracy"] > 0.6
    with pytest.raises(ConfigError, match="frozen_layers must be below"):
        TransformerClassifier(base_model=base, config=FinetuneConfig(**{**FAST, "frozen_layers": 2})).fit(
            train["text"].tolist()[:50], train.head(50), X_valid=valid["text"].tolist()[:20], y_valid=valid.head(20))
