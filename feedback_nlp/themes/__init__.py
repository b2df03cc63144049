"""Themes mined from the stored predictions: top fault themes, sub-themes, impact, emerging issues,
a theme's trend and products, aspect × sentiment.

Every function reads the predictions of one model version (``model="name@version"``;
None: the active model when it has predictions, else the most recently predicted) for
the feedback selected by a :class:`~feedback_nlp.query.Query`. With no predictions
stored they raise :class:`~feedback_nlp.predictions.PredictionsError`, whose message
says to run ``feedback-nlp classify-store``.
"""

from feedback_nlp.themes.breakdown import (
    TREND_PERIODS,
    AspectSentiment,
    ProductShare,
    TrendPoint,
    aspect_sentiment,
    theme_products,
    theme_trend,
)
from feedback_nlp.themes.emerging import BASELINE_PERIODS, EmergingIssue, ModelEvidence, emerging_issues
from feedback_nlp.themes.impact import ThemeImpact, theme_impact
from feedback_nlp.themes.keywords import Keyword
from feedback_nlp.themes.masking import mask_examples
from feedback_nlp.themes.subthemes import SubTheme
from feedback_nlp.themes.subthemes import preload as preload_sub_themes
from feedback_nlp.themes.top import SORTS, Theme, top_themes

__all__ = [
    "BASELINE_PERIODS",
    "SORTS",
    "TREND_PERIODS",
    "AspectSentiment",
    "EmergingIssue",
    "Keyword",
    "ModelEvidence",
    "ProductShare",
    "SubTheme",
    "Theme",
    "ThemeImpact",
    "TrendPoint",
    "aspect_sentiment",
    "emerging_issues",
    "mask_examples",
    "preload_sub_themes",
    "theme_impact",
    "theme_products",
    "theme_trend",
    "top_themes",
]
