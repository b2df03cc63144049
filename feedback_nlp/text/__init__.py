"""Text pipeline: normalisation, personal-data masking, segmentation and keywords.

:func:`normalise` cleans a raw text (OpenCC, full-width, emoji, whitespace);
:func:`has_content` says whether it holds anything to classify (a letter or digit);
:func:`mask_personal_data` hides phone, ID, e-mail and plate numbers wherever text
leaves the system; a :class:`Segmenter` cuts normalised text with its own jieba
tokenizer, the shipped domain dictionary (:data:`DEFAULT_USER_DICT_PATH`) and stopwords
(:func:`load_stopwords`), through jieba-rs when ``rjieba`` is installed (same words,
:mod:`feedback_nlp.text.fast_cut`). Importing this package loads neither jieba nor a dictionary.
"""

from feedback_nlp.text.normalise import NO_CONTENT, content_problem, has_content, mask_personal_data, normalise
from feedback_nlp.text.segment import DEFAULT_USER_DICT_PATH, NEGATION_WORDS, Segmenter, load_stopwords

__all__ = [
    "DEFAULT_USER_DICT_PATH",
    "NEGATION_WORDS",
    "NO_CONTENT",
    "Segmenter",
    "content_problem",
    "has_content",
    "load_stopwords",
    "mask_personal_data",
    "normalise",
]
