"""The training pipeline end to end on a tiny encoder: data, baseline, fine-tune, activation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.classifiers.artifacts import list_models, read_metadata
from feedback_nlp.config import get_settings
from feedback_nlp.encoder.tiny import make_tiny_base
from feedback_nlp.errors import ConfigError
from feedback_nlp.training.pipeline import PipelineOptions, run_pipeline

pytestmark = pytest.mark.slow


def test_pipeline_runs_every_step_once_and_reuses_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feedback_nlp.datasets.corpus import demo_corpus

    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        base = make_tiny_base(tmp_path / "base", demo_corpus(600, seed=3)["text"])
        options = PipelineOptions(
            model_dir=tmp_path / "models", data_dir=tmp_path / "data", public_dir=tmp_path / "no-public",
            n_demo=1200, finetune_minutes=0.05, base_model=base, n_layers=None, num_threads=1, max_eval_samples=150,
            extra_finetune_args=["--epochs", "1", "--no-freeze-embeddings"],
        )  # fmt: skip
        lines: list[str] = []
        result = run_pipeline(options, say=lines.append)
        assert [line.split("]")[0] for line in lines if line.startswith("[")] == ["[1/4", "[2/4", "[3/4", "[4/4"]
        assert (tmp_path / "data" / "training" / "default" / "train.jsonl").exists()
        assert result.baseline == "baseline@v1" and result.transformer == "transformer@v1"
        meta = read_metadata(tmp_path / "models" / "transformer" / "v1")
        assert meta["blend"]["companion"] == "baseline@v1"
        assert meta["parameters"]["max_minutes"] == 0.05
        assert (meta["parameters"]["learning_rate"], meta["parameters"]["head_learning_rate"]) == (
            options.learning_rate, options.head_learning_rate)  # fmt: skip
        # the decision compares on held-out data and is recorded either way
        assert result.activation["incumbent"] == "baseline@v1" and "wins" in result.activation
        # a second run reuses the data and the baseline, and fine-tunes a new version
        lines.clear()
        again = run_pipeline(options, say=lines.append)
        assert any("reusing" in line and "default" in line for line in lines)
        assert any("reusing baseline@v1" in line for line in lines)
        assert again.baseline == "baseline@v1" and again.transformer == "transformer@v2"
        assert {m.ref for m in list_models(tmp_path / "models")} == {"baseline@v1", "transformer@v1", "transformer@v2"}
    finally:
        get_settings.cache_clear()


def test_budget_zero_trains_the_baseline_only(tmp_path: Path) -> None:
    options = PipelineOptions(model_dir=tmp_path / "models", data_dir=tmp_path / "data",
                              public_dir=None, n_demo=800, finetune_minutes=0)  # fmt: skip
    lines: list[str] = []
    result = run_pipeline(options, say=lines.append)
    assert result.baseline == "baseline@v1" and result.transformer is None
    assert not (tmp_path / "models" / "base").exists()  # no conversion when nothing is fine-tuned
    assert any("skipped" in line for line in lines)


def test_a_bad_base_model_is_refused_before_training(tmp_path: Path) -> None:
    options = PipelineOptions(model_dir=tmp_path / "models", data_dir=tmp_path / "data", public_dir=None,
                              n_demo=800, finetune_minutes=1, base_model=tmp_path / "nothing")  # fmt: skip
    with pytest.raises(ConfigError, match="no config.json"):
        run_pipeline(options, say=lambda _: None)
    assert not (tmp_path / "models").exists()


def test_changed_human_labels_retrain_the_baseline(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    texts = ["遥控器按了没反应，换了电池也不行", "洗衣机脱水的时候整个机器在跳", "师傅上门很快，修好了"]
    frame = pd.DataFrame({"text": texts, "fault_types": ["function", "noise", "none"],
                          "sentiment": ["negative", "negative", "positive"], "labeller": "ivy"})
    frame.to_csv(labels, index=False)

    def run() -> tuple[str | None, list[str]]:
        lines: list[str] = []
        options = PipelineOptions(model_dir=tmp_path / "models", data_dir=tmp_path / "data", public_dir=None,
                                  n_demo=800, finetune_minutes=0, label_files=[labels])  # fmt: skip
        return run_pipeline(options, say=lines.append).baseline, lines

    first, _ = run()
    again, lines = run()
    assert first == again == "baseline@v1" and any("reusing baseline@v1" in line for line in lines)
    frame.loc[2, "sentiment"] = "neutral"
    frame.to_csv(labels, index=False)
    changed, lines = run()
    assert changed == "baseline@v2" and any("human labels changed" in line for line in lines)
