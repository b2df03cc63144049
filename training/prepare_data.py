"""Build a labelled data folder (train.jsonl, valid.jsonl, test.jsonl [, taxonomy.yaml]).

Examples::

    # the default taxonomy: demo text + public sets, gold and ChnSentiCorp dev/test held out
    python training/prepare_data.py --preset default --out data/training/default

    # the worked example: 车质网 system letters A–O as your own taxonomy, split by date
    python training/prepare_data.py --preset chezhi-letters --out data/training/chezhi-letters

    # ChnSentiCorp sentiment only, its published splits
    python training/prepare_data.py --preset chnsenticorp --out data/training/chnsenticorp

The public files are read in place from ``--public-dir`` and never copied into the
repository; the output folder holds derived training files for your machine only.
"""

# The logic lives in the library (feedback_nlp.training.prepare_data), so the installed package
# runs it too: `python -m feedback_nlp.training.prepare_data` is the same command.
from feedback_nlp.training.prepare_data import main

if __name__ == "__main__":
    main()
