"""Fine-tune the transformer (one encoder, multi-task heads) and write a model directory.

Examples::

    # the default: converted multilingual-e5-small, default corpus, a CPU budget
    python training/finetune.py --public-dir ../shared/data/public --max-steps 1200

    # a local Chinese checkpoint instead (bert-base-chinese, chinese-roberta-wwm-ext, MacBERT…)
    python training/finetune.py --base-model /models/chinese-roberta-wwm-ext --n-layers 6

    # your own data and taxonomy
    python training/finetune.py --data-dir data/training/chezhi-letters \
        --taxonomy data/training/chezhi-letters/taxonomy.yaml --name chezhi-letters-ft

Writes ``models/<name>/<version>/`` in the same format as the baseline (``metadata.json``
with metrics on every held-out set, the gold set included for the default taxonomy),
and prints the scores next to the best baseline's.
"""

# The logic lives in the library (feedback_nlp.training.finetune), so the installed package
# runs it too: `python -m feedback_nlp.training.finetune` is the same command.
from feedback_nlp.training.finetune import main

if __name__ == "__main__":
    main()
