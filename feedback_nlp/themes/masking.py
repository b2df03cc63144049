"""Example texts leave the product masked: the one place that policy lives.

The themes already mask the examples they pick (:func:`feedback_nlp.themes.subthemes`);
:func:`mask_examples` applies the rule again to every ``example…`` field of a result on its
way out (API responses, the CLI's JSON), so no later change to a result can leak a phone
number, ID card, e-mail address or licence plate.
"""

from __future__ import annotations

from typing import Any

from feedback_nlp.text import mask_personal_data


def mask_examples(value: Any, *, example: bool = False) -> Any:
    """``value`` (a ``to_dict()`` result) with every string under an ``example…`` key masked."""
    if isinstance(value, str):
        return mask_personal_data(value) if example else value
    if isinstance(value, dict):
        return {k: mask_examples(v, example=example or "example" in str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_examples(v, example=example) for v in value]
    return value
