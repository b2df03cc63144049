"""Build a labelled data folder (train.jsonl, valid.jsonl, test.jsonl [, taxonomy.yaml]).

    python training/prepare_data.py --preset default --out data/training/default

The command is the library's :mod:`feedback_nlp.training.prepare_data` (its docstring has more
examples; ``--help`` lists every option), so the installed package runs it too, as
``python -m feedback_nlp.training.prepare_data``.
"""

from feedback_nlp.training.prepare_data import main

if __name__ == "__main__":
    main()
