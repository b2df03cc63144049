"""Smoke test of training/finetune.py on a tiny random BERT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback_nlp.classifiers.artifacts import load_classifier, read_metadata
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.labels import write_labelled
from feedback_nlp.training import RESULTS_FILE, load_script
from feedback_nlp.transformer.tiny import make_tiny_base

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
         "--no-freeze-embeddings", "--num-threads", "1", "--public-dir", str(tmp_path / "none")]
    )  # fmt: skip
    out = tmp_path / "models" / "tiny-ft" / "v1"
    assert results["model"] == "tiny-ft@v1"
    assert json.loads((out / RESULTS_FILE).read_text(encoding="utf-8")) == results
    assert results["test_sentiment_accuracy"] > 0.6
    meta = read_metadata(out)
    assert meta["kind"] == "transformer" and meta["metrics"]["test"] and meta["base_model"] == str(base)
    assert (out / "run_args.json").exists() and (out / "encoder" / "config.json").exists()
    assert load_classifier(out).predict(["空调不制冷"])["fault_types"].iloc[0]
