"""Train the TF-IDF + logistic-regression baseline and write a model directory.

Examples::

    # the default model: demo text + the public sets (gold and test texts held out)
    python training/train_baseline.py --public-dir ../shared/data/public

    # your own data and taxonomy (files from training/prepare_data.py or your own)
    python training/train_baseline.py --data-dir data/training/chezhi-letters \
        --taxonomy data/training/chezhi-letters/taxonomy.yaml --name chezhi-letters

Writes ``models/<name>/<version>/`` (weights, ``metadata.json`` with metrics,
``run_args.json``, ``{split}_results.json``, ``all_results.json``) and prints the scores.
"""

# The logic lives in the library (feedback_nlp.training.baseline), so the installed package
# runs it too: `python -m feedback_nlp.training.baseline` is the same command.
from feedback_nlp.training.baseline import main

if __name__ == "__main__":
    main()
