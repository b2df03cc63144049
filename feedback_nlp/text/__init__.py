"""Text pipeline: normalisation, personal-data masking, segmentation and keywords.

:func:`normalise` cleans a raw text (OpenCC, full-width, emoji, whitespace);
:func:`mask_personal_data` hides phone, ID, e-mail and plate numbers wherever text
leaves the system; a :class:`Segmenter` cuts normalised text with its own jieba
tokenizer, the shipped domain dictionary (:data:`DEFAULT_USER_DICT_PATH`) and stopwords
(:func:`load_stopwords`). Importing this package loads neither jieba nor a dictionary.
"""

from feedback_nlp.text.normalize import mask_personal_data, normalise
from feedback_nlp.text.segment import DEFAULT_USER_DICT_PATH, NEGATION_WORDS, Segmenter, load_stopwords

__all__ = [
    "DEFAULT_USER_DICT_PATH",
    "NEGATION_WORDS",
    "Segmenter",
    "load_stopwords",
    "mask_personal_data",
    "normalise",
]
