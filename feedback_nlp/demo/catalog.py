"""Product catalogue for the demo data: product lines, models, fault mix and prices.

Why this exists: the structured-demo writer (tickets, orders, follow-ups) and the
labelled text generator must agree on which product lines exist, which fault types
are plausible for each line and how often each one is the *primary* fault. Keeping
that knowledge in one frozen table means a 燃气灶 never gets a "battery" ticket and a
手机 never gets an "installation" one, in the tickets and in the texts alike.

``fault_weights`` are relative frequencies (they need not sum to one) over the
taxonomy fault codes of ``shared/spec/taxonomy.md``; ``"none"`` is never listed,
callers decide separately how often a ticket has no fault. Model names are plausible
invented or generic designations, not a claim about any real product.

The table itself is data: ``feedback_nlp/demo/data/catalog.yaml``, read once at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from feedback_nlp.demo.datafiles import load_data

__all__ = ["ProductLine", "PRODUCT_LINES", "get_product_line"]


@dataclass(frozen=True)
class ProductLine:
    """One product line as stored in ticket data (``name`` is the stored Chinese value)."""

    name: str
    category: str
    models: tuple[str, ...]
    fault_weights: Mapping[str, float]
    price_range: tuple[float, float]


def _product_line(entry: Mapping[str, Any]) -> ProductLine:
    low, high = entry["price_range"]
    return ProductLine(
        name=entry["name"],
        category=entry["category"],
        models=tuple(entry["models"]),
        # Read-only: frozen dataclasses should not hold mutable dicts; the order is the file's.
        fault_weights=MappingProxyType({code: float(w) for code, w in entry["fault_weights"].items()}),
        price_range=(float(low), float(high)),
    )


DATA_FILE = "catalog.yaml"
PRODUCT_LINES: tuple[ProductLine, ...] = tuple(_product_line(e) for e in load_data(DATA_FILE)["product_lines"])

_BY_NAME: Mapping[str, ProductLine] = MappingProxyType({p.name: p for p in PRODUCT_LINES})


def get_product_line(name: str) -> ProductLine:
    """Return the product line stored as ``name``; ``KeyError`` naming the known lines otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = "、".join(_BY_NAME)
        raise KeyError(f"unknown product line {name!r}; known product lines: {known}") from None
