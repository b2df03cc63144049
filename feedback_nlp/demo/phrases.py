"""Label-free and service-aspect phrase banks for the labelled text generator.

The banks are data: ``feedback_nlp/demo/data/phrases.yaml`` (each top-level key is the
lower-case name of one bank below; what each holds is commented there). This module
reads that file once at import; :mod:`feedback_nlp.demo.banks` parses the blocks into
the pools the generator draws from.

Nothing in the label-free banks (openers, time expressions, connectors, emotions,
demands, closers, praise) may mention a fault: the generator derives fault labels
only from the fragments of :mod:`feedback_nlp.demo.phrases_faults`, so a fault word
here would leak an unlabelled fault into the training signal. A ``str`` bank holds one
fragment a line; service fragments carry their aspect codes (the dict key, plus
``#code,code`` at the end of a line for more). Placeholders: ``{p}`` product noun,
``{m}`` model, ``{s}`` who serves (售后/4S店), ``{n}`` satisfaction score, ``{t}`` topic
and ``{x}`` symptom of a follow-up, ``{w}`` the negated word.
"""

from __future__ import annotations

from typing import Any

from feedback_nlp.demo.datafiles import load_data

__all__ = [
    "PRODUCT_NOUNS", "OPENERS", "TIMES", "MODEL_MENTIONS", "CONNECTORS", "EMPHASIS", "FREQUENCY",
    "EMOTIONS", "DEMANDS", "CLOSERS", "SERVICE_NEG", "SERVICE_POS", "HISTORY", "UNSPECIFIED",
    "PRAISE", "REVIEW_POS_CLOSERS", "REVIEW_NEUTRAL", "REVIEW_NEG_CLOSERS", "REVIEW_BUTS",
    "RESOLVED_FIXES", "FOLLOWUP_UNREACHED", "FOLLOWUP_PREFIXES", "FOLLOWUP_RESOLVED",
    "FOLLOWUP_UNRESOLVED", "FOLLOWUP_NONE", "ATTITUDE", "SCORE", "EMOJI", "TYPOS", "STORY", "REVIEW_STORY",
    "AGENT_NOTES", "SERVERS", "BUT_UNRESOLVED", "NEGATION_COMPONENT_PATTERNS", "NEGATION_SYMPTOM_PATTERNS",
    "FOLLOWUP_UNRESOLVED_TOPIC", "PRAISE_CONFLICTS", "REVIEW_FIXED_POSITIVE", "REVIEW_FIXED_NEUTRAL",
]

DATA_FILE = "phrases.yaml"
_D: dict[str, Any] = load_data(DATA_FILE)

PRODUCT_NOUNS: dict[str, tuple[str, ...]] = {line: tuple(nouns) for line, nouns in _D["product_nouns"].items()}
OPENERS: dict[str, str] = _D["openers"]
TIMES: dict[str, str] = _D["times"]
MODEL_MENTIONS: str = _D["model_mentions"]
CONNECTORS: str = _D["connectors"]
EMPHASIS: str = _D["emphasis"]
FREQUENCY: str = _D["frequency"]
EMOTIONS: str = _D["emotions"]
DEMANDS: str = _D["demands"]
CLOSERS: str = _D["closers"]
SERVICE_NEG: dict[str, dict[str, str]] = _D["service_neg"]
SERVICE_POS: dict[str, dict[str, str]] = _D["service_pos"]
HISTORY: dict[str, str] = _D["history"]
UNSPECIFIED: str = _D["unspecified"]
PRAISE: dict[str, str] = _D["praise"]
REVIEW_POS_CLOSERS: str = _D["review_pos_closers"]
REVIEW_NEUTRAL: dict[str, str] = _D["review_neutral"]
REVIEW_NEG_CLOSERS: str = _D["review_neg_closers"]
REVIEW_BUTS: str = _D["review_buts"]
RESOLVED_FIXES: str = _D["resolved_fixes"]
FOLLOWUP_UNREACHED: str = _D["followup_unreached"]
FOLLOWUP_PREFIXES: str = _D["followup_prefixes"]
FOLLOWUP_RESOLVED: str = _D["followup_resolved"]
FOLLOWUP_UNRESOLVED: str = _D["followup_unresolved"]
FOLLOWUP_NONE: str = _D["followup_none"]
ATTITUDE: dict[str, str] = _D["attitude"]
SCORE: str = _D["score"]
EMOJI: tuple[str, ...] = tuple(_D["emoji"])
TYPOS: tuple[tuple[str, str], ...] = tuple((standard, noisy) for standard, noisy in _D["typos"])
STORY: dict[str, str] = _D["story"]
REVIEW_STORY: str = _D["review_story"]
AGENT_NOTES: str = _D["agent_notes"]
SERVERS: dict[str, str] = _D["servers"]
BUT_UNRESOLVED: str = _D["but_unresolved"]
NEGATION_COMPONENT_PATTERNS: str = _D["negation_component_patterns"]
NEGATION_SYMPTOM_PATTERNS: str = _D["negation_symptom_patterns"]
FOLLOWUP_UNRESOLVED_TOPIC: str = _D["followup_unresolved_topic"]
PRAISE_CONFLICTS: dict[str, str] = _D["praise_conflicts"]
REVIEW_FIXED_POSITIVE: str = _D["review_fixed_positive"]
REVIEW_FIXED_NEUTRAL: str = _D["review_fixed_neutral"]
