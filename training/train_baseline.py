"""Train the TF-IDF + logistic-regression baseline and write a model directory.

    python training/train_baseline.py --public-dir ../shared/data/public

The command is the library's :mod:`feedback_nlp.training.baseline` (its docstring has more
examples; ``--help`` lists every option), so the installed package runs it too, as
``python -m feedback_nlp.training.baseline``.
"""

from feedback_nlp.training.baseline import main

if __name__ == "__main__":
    main()
