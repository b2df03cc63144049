"""Fine-tune the transformer (one encoder, multi-task heads) and write a model directory.

    python training/finetune.py --public-dir ../shared/data/public --max-steps 1200

The command is the library's :mod:`feedback_nlp.training.finetune` (its docstring has more
examples; ``--help`` lists every option), so the installed package runs it too, as
``python -m feedback_nlp.training.finetune``.
"""

from feedback_nlp.training.finetune import main

if __name__ == "__main__":
    main()
