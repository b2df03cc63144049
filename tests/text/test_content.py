"""The one rule for a text worth classifying (issue 16, row 11): a letter or a digit of any script."""

from __future__ import annotations

import pytest

from feedback_nlp.text import NO_CONTENT, content_problem, has_content, normalise


@pytest.mark.parametrize("text", ["\u200b\u200b", "\ufeff", "\u0000", "\x00\x01\x7f", "👍👍", "😡😡😡", "？？？",
                                  "...!!!", "。，、", "_-_", "\u3000 \t\n", "❶❷", "🇨🇳", "\u2060\u200d", "℃"])
def test_no_letter_or_digit_is_no_content(text: str) -> None:
    assert not has_content(text)
    assert content_problem(text) == NO_CONTENT


@pytest.mark.parametrize("text", ["好", "E21", "3", "１２", "ＡＢ", "👍好评", "\u200b差", "空调不制冷！！", "ok",
                                  "Ⅷ", "é"])
def test_a_letter_or_digit_is_content(text: str) -> None:
    assert has_content(text) and content_problem(text) is None
    assert normalise(text)  # and normalise keeps something to classify


def test_a_lone_surrogate_is_refused_as_not_unicode() -> None:
    assert content_problem("\udc80好") == "text holds a lone surrogate (U+DC80), which is not Unicode text"
