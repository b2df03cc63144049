"""Evaluate a model directory on a labelled file and write the scores as JSON.

Examples::

    python training/evaluate.py --model models/baseline/v1 --data my_labelled.csv
    python training/evaluate.py --model baseline --data gold          # the real-text gold set

``--data`` takes any CSV/JSONL/XLSX with ``text``, ``fault_types`` (comma-separated or
a list), ``primary_fault``, ``sentiment`` and ``aspects`` columns, or ``gold`` for the
hand-labelled set (read through ``--public-dir``). Prints per-label precision, recall
and F1, micro/macro F1, primary-fault accuracy, sentiment accuracy and macro-F1 and the
confusion matrices; writes them to ``--out`` (default: ``<model>/eval_<data name>.json``).
"""

# The logic lives in the library (feedback_nlp.training.evaluate), so the installed package
# runs it too: `python -m feedback_nlp.training.evaluate` is the same command.
from feedback_nlp.training.evaluate import main

if __name__ == "__main__":
    main()
