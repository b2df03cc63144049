"""The scripts in training/ are thin entry points: the logic is the library's, so the wheel trains too."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from feedback_nlp import training

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = {"prepare_data": "prepare_data", "prepare_base": "prepare_base", "train_baseline": "baseline",
           "finetune": "finetune", "evaluate": "evaluate"}  # fmt: skip


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_each_script_runs_the_library_command(script: str) -> None:
    path = REPO / "training" / f"{script}.py"
    module = importlib.import_module(f"feedback_nlp.training.{SCRIPTS[script]}")
    assert training.load_script(path).main is module.main
    assert len(path.read_text(encoding="utf-8").splitlines()) < 40  # a docstring and an import
    assert module.__doc__ and f"training/{script}.py" in module.__doc__


def test_the_label_files_in_training_are_the_packaged_ones() -> None:
    for link in ("gold/real_gold.csv", "gold/real_holdout.csv", "labels/real_labels.csv", "labels/written_labels.csv"):
        assert (REPO / "training" / link).resolve() == (training.LABELLED_DIR / Path(link).name).resolve()
    assert training.DataArguments().gold_file == training.GOLD_FILE
