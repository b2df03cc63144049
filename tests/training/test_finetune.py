"""Smoke test of training/finetune.py on a tiny random BERT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback_nlp.classifiers.artifacts import read_metadata
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.encoder.tiny import make_tiny_base
from feedback_nlp.labels import write_labelled
from feedback_nlp.training import RESULTS_FILE, load_script

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_finetune_script_writes_a_transformer_model(tmp_path: Path) -> None:
    corpus = demo_corpus(700, seed=5)
    data = tmp_path / "data"
    write_labelled(corpus.iloc[:500], data / "train.jsonl")
    write_labelled(corpus.iloc[500:600], data / "valid.jsonl")
    write_labelled(corpus.iloc[600:], data / "test.jsonl")
    base = make_tiny_base(tmp_path / "base", corpus["text"])
    results = load_script(REPO / "training" / "finetune.py").main(
        ["--data-dir", str(data), "--base-model", str(base), "--model-dir", str(tmp_path / "models"),
         "--name", "tiny-ft", "--epochs", "2", "--learning-rate", "0.002", "--head-learning-rate", "0.005",
         "--no-freeze-embeddings", "--num-threads", "1", "--public-dir", str(tmp_path / "none"),
         "--activate", "never"]
    )  # fmt: skip
    out = tmp_path / "models" / "tiny-ft" / "v1"
    assert results["model"] == "tiny-ft@v1"
    assert results.pop("activation") == {"activated": False, "reason": "--activate never"}
    assert json.loads((out / RESULTS_FILE).read_text(encoding="utf-8")) == results
    assert results["test_sentiment_accuracy"] > 0.6
    meta = read_metadata(out)
    assert meta["kind"] == "transformer" and meta["metrics"]["test"] and meta["base_model"] == str(base)
    assert (out / "run_args.json").exists() and (out / "encoder" / "config.json").exists()
    assert load_classifier(out).predict(["空调不制冷"])["fault_types"].iloc[0]


@pytest.mark.slow
def test_finetune_blends_with_the_baseline_and_activates_only_a_better_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedback_nlp.classifiers.registry import active_model
    from feedback_nlp.config import get_settings
    from feedback_nlp.store import Store

    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    corpus = demo_corpus(700, seed=6)
    data = tmp_path / "split"
    write_labelled(corpus.iloc[:500], data / "train.jsonl")
    write_labelled(corpus.iloc[500:600], data / "valid.jsonl")
    write_labelled(corpus.iloc[600:], data / "test.jsonl")
    models = tmp_path / "models"
    common = ["--data-dir", str(data), "--model-dir", str(models), "--public-dir", str(tmp_path / "none")]
    load_script(REPO / "training" / "train_baseline.py").main([*common, "--name", "baseline"])
    base = make_tiny_base(tmp_path / "base", corpus["text"])
    finetune = load_script(REPO / "training" / "finetune.py")
    tiny = ["--base-model", str(base), "--epochs", "1", "--num-threads", "1", "--name", "ft"]
    try:
        results = finetune.main([*common, *tiny])
        meta = read_metadata(models / "ft" / "v1")
        # blended with the baseline found in the model folder; the encoder alone is scored too
        assert meta["blend"]["companion"] == "baseline@v1" and set(meta["blend"]["weights"]) >= {"sentiment"}
        assert meta["encoder_only_metrics"]["test"]["sentiment_accuracy"] >= 0
        decision = results["activation"]
        assert decision["incumbent"] == "baseline@v1" and decision["set"] == "test"
        cand, inc = decision["candidate_scores"], decision["incumbent_scores"]
        expected = sum(cand.values()) / len(cand) > sum(inc.values()) / len(inc) and (
            cand["fault_micro_f1"] >= inc["fault_micro_f1"])
        assert decision["activated"] is expected
        with Store(get_settings().database_path) as store:
            assert active_model(store) == ("ft@v1" if expected else None)
        # --activate always records it whatever the scores
        finetune.main([*common, *tiny, "--blend-with", "none", "--activate", "always"])
        with Store(get_settings().database_path) as store:
            assert active_model(store) == "ft@v2"
        assert read_metadata(models / "ft" / "v2")["blend"] is None
        # --encoder-from: no fine-tuning, the same encoder blended (here with the baseline found)
        finetune.main([*common, "--encoder-from", "ft@v2", "--name", "ft", "--activate", "never"])
        v3 = read_metadata(models / "ft" / "v3")
        assert v3["blend"]["companion"] == "baseline@v1" and v3["arguments"]["encoder_from"] == "ft@v2"
        texts = corpus["text"].tolist()[:20]
        reblended, plain = load_classifier(models / "ft" / "v3"), load_classifier(models / "ft" / "v2")
        with reblended.encoder_only():
            same = reblended.predict_proba(texts)["sentiment"].to_numpy()
        assert abs(same - plain.predict_proba(texts)["sentiment"].to_numpy()).max() < 1e-6
    finally:
        get_settings.cache_clear()

