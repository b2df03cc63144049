"""Training: data preparation, the baseline, fine-tuning, evaluation and the whole pipeline.

Each command is a module with ``main(argv=None) -> dict`` (the results it also writes as
JSON), runnable as ``python -m feedback_nlp.training.<command>`` or through the thin,
documented scripts in the repository's ``training/`` folder that analysts read:

==================  ===============================  ==========================================
module              script                           does
==================  ===============================  ==========================================
``prepare_data``    ``training/prepare_data.py``     build train/valid/test files (presets)
``prepare_base``    ``training/prepare_base.py``     convert the pretrained encoder
``baseline``        ``training/train_baseline.py``   TF-IDF + logistic-regression model
``finetune``        ``training/finetune.py``         fine-tune the transformer (time budget)
``evaluate``        ``training/evaluate.py``         score a model on a labelled file
``pipeline``        ``feedback-nlp train``           all of the above, in order
==================  ===============================  ==========================================

What they share lives in ``arguments`` (dataclasses ↔ command line), ``data`` (splits,
human labels, held-out sets) and ``results`` (evaluate, save, write results).
"""

from feedback_nlp.training.arguments import args_to_dict, load_script, parse_args, provenance, setup_logging
from feedback_nlp.training.data import (
    GOLD_FILE,
    HOLDOUT_FILE,
    LABELLED_DIR,
    MIN_CHOICE_ROWS,
    SHIPPED_LABEL_FILES,
    SPLIT_FILES,
    DataArguments,
    TrainingData,
    choice_rows,
    human_label_files,
    keep_human_rows,
    load_training_data,
    read_split,
    shipped_label_files,
    write_splits,
)
from feedback_nlp.training.results import (
    RESULTS_FILE,
    evaluate_and_save,
    evaluate_model,
    evaluate_sets,
    output_dir,
    results_dict,
    write_results,
)

__all__ = [
    "GOLD_FILE", "HOLDOUT_FILE", "LABELLED_DIR", "MIN_CHOICE_ROWS", "RESULTS_FILE", "SHIPPED_LABEL_FILES",
    "SPLIT_FILES", "DataArguments", "TrainingData", "args_to_dict", "choice_rows", "evaluate_and_save",
    "evaluate_model", "evaluate_sets", "human_label_files", "keep_human_rows", "load_script",
    "load_training_data", "output_dir", "parse_args", "provenance", "read_split", "results_dict",
    "setup_logging", "shipped_label_files", "write_results", "write_splits",
]  # fmt: skip
