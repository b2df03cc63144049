"""Fault phrase banks for the labelled text generator (symptoms described, not named).

The banks are data: ``feedback_nlp/demo/data/phrases_faults.yaml`` (each top-level key
is the lower-case name of one bank below); this module reads that file once at import.

Each bank maps a fault code to scopes — ``"any"``, a category (``"appliance"``,
``"electronics"``, ``"car"``) or a product-line name from the catalogue — and each
scope holds one fragment per line. A fragment carries the fault it is filed under;
a trailing ``#code,code`` adds further labels the fragment also reports (a leak caused
by a bad installation is both ``installation`` and ``leak``, per the taxonomy's
boundary rules). ``{p}`` stands for a colloquial name of the product.

- :data:`SYMPTOMS`: fault → scope → fragments;
- :data:`SHORT_SYMPTOMS`: fault → scope → very short complaints and agent-style topic
  names, space separated (single labels only);
- :data:`CONSEQUENCES`: fault (or ``"any"``) → scope → clauses that may follow a symptom;
- :data:`NEGATION_COMPONENTS`: fault → scope → the component noun a customer rules out
  ("不是屏幕的问题，是…");
- :data:`NEGATION_SYMPTOMS`: fault → scope → the symptom a customer says is absent
  ("没有漏水，就是…").

Fragments are written the way customers write on 车质网, e-commerce review pages and
in call-centre notes: described symptoms, 口语, run-on clauses. Nothing here is copied
from the public corpora; it only imitates their register.
"""

from __future__ import annotations

from typing import Any

from feedback_nlp.demo.datafiles import load_data

__all__ = ["SYMPTOMS", "SHORT_SYMPTOMS", "CONSEQUENCES", "NEGATION_COMPONENTS", "NEGATION_SYMPTOMS"]

DATA_FILE = "phrases_faults.yaml"
_D: dict[str, Any] = load_data(DATA_FILE)

SYMPTOMS: dict[str, dict[str, str]] = _D["symptoms"]
SHORT_SYMPTOMS: dict[str, dict[str, str]] = _D["short_symptoms"]
CONSEQUENCES: dict[str, dict[str, str]] = _D["consequences"]
NEGATION_COMPONENTS: dict[str, dict[str, str]] = _D["negation_components"]
NEGATION_SYMPTOMS: dict[str, dict[str, str]] = _D["negation_symptoms"]
