"""Evaluate a model directory on a labelled file and write the scores as JSON.

    python training/evaluate.py --model models/baseline/v1 --data my_labelled.csv

The command is the library's :mod:`feedback_nlp.training.evaluate` (its docstring has more
examples; ``--help`` lists every option), so the installed package runs it too, as
``python -m feedback_nlp.training.evaluate``.
"""

from feedback_nlp.training.evaluate import main

if __name__ == "__main__":
    main()
