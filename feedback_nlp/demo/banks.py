"""The label vocabulary of the demo texts, and the phrase banks parsed into ready-to-draw pools.

The banks are data (``data/phrases.yaml``, ``data/phrases_faults.yaml``, exposed by
:mod:`.phrases` and :mod:`.phrases_faults`); this module turns them, once at import, into
tuples the generator of :mod:`.text` indexes directly: a fragment is ``(text, labels)``,
where a fault fragment carries its fault codes and a service fragment its aspect codes,
and pools are precomputed per product line (its own scope, then its category, then
``"any"``). A fault code in a bank that is not in :data:`FAULT_CODES` raises
:class:`~feedback_nlp.errors.ConfigError` here, so a typo in a data file cannot become a
silent new label.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import accumulate

from feedback_nlp.demo import phrases as ph
from feedback_nlp.demo import phrases_faults as pf
from feedback_nlp.demo.catalog import PRODUCT_LINES, ProductLine
from feedback_nlp.errors import ConfigError

FAULT_CODES: tuple[str, ...] = (
    "power", "display", "battery", "noise", "leak", "temperature", "software",
    "function", "appearance", "safety", "accessory", "installation", "none",
)
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
ASPECTS: tuple[str, ...] = (
    "response", "attitude", "professionalism", "cost", "parts", "communication", "logistics",
)
SOURCES: tuple[str, ...] = ("complaint", "review", "followup")
FAULT_NAMES_ZH: dict[str, str] = {
    "power": "电源/无法开机",
    "display": "屏幕/显示",
    "battery": "电池/充电",
    "noise": "噪音/异响/振动",
    "leak": "漏水/渗漏",
    "temperature": "制冷/制热/温控",
    "software": "软件/系统/联网",
    "function": "功能/部件失效",
    "appearance": "外观/做工/破损",
    "safety": "安全隐患",
    "accessory": "配件/缺件",
    "installation": "安装问题",
    "none": "无明确故障",
}
REAL_FAULTS = FAULT_CODES[:-1]

Frag = tuple[str, tuple[str, ...]]  # text, label codes it carries


def lines(block: str) -> tuple[str, ...]:
    """The non-empty lines of a bank block, stripped."""
    return tuple(line.strip() for line in block.splitlines() if line.strip())


def frags(block: str, base: tuple[str, ...]) -> tuple[Frag, ...]:
    """Parse ``text #code,code`` lines into fragments labelled ``base`` + the listed codes."""
    out = []
    for line in lines(block):
        text, _, extra = line.partition(" #")
        labels = tuple(dict.fromkeys(base + tuple(c for c in extra.split(",") if c)))
        out.append((text.strip(), labels))
    return tuple(out)


def _scopes(line: ProductLine) -> tuple[str, str, str]:
    return (line.name, line.category, "any")


def _pool(bank: Mapping[str, str], line: ProductLine, base: tuple[str, ...]) -> tuple[
    tuple[Frag, ...], tuple[Frag, ...]
]:
    """(line-specific fragments, category + generic fragments) of one bank for one line."""
    specific = frags(bank.get(line.name, ""), base)
    general = frags(bank.get(line.category, ""), base) + frags(bank.get("any", ""), base)
    return specific, general


def _check_bank_labels() -> None:
    for fault, scopes in pf.SYMPTOMS.items():
        for block in scopes.values():
            for _, labels in frags(block, (fault,)):
                bad = set(labels) - set(REAL_FAULTS)
                if bad:  # a typo in a phrase bank must not become a silent new label
                    raise ConfigError(f"phrase bank for {fault!r} has unknown fault codes {sorted(bad)}")


_check_bank_labels()


def _scoped_words(bank: Mapping[str, str], line: ProductLine) -> tuple[str, ...]:
    words: list[str] = []
    for scope in _scopes(line):
        words.extend(bank.get(scope, "").split())
    return tuple(words)


def _service_bank(bank: Mapping[str, Mapping[str, str]], line: ProductLine, aspect: str) -> tuple[Frag, ...]:
    scopes = bank[aspect]
    return tuple(f for scope in _scopes(line) for f in frags(scopes.get(scope, ""), (aspect,)))


# --------------------------------------------------------------------- per product line

SYMPTOM_POOLS: dict[tuple[str, str], tuple[tuple[Frag, ...], tuple[Frag, ...]]] = {}
SHORT_POOLS: dict[tuple[str, str], tuple[str, ...]] = {}
CONSEQ_POOLS: dict[tuple[str, str], tuple[str, ...]] = {}
NEG_COMPONENT: dict[str, tuple[tuple[str, str], ...]] = {}
NEG_SYMPTOM: dict[str, tuple[tuple[str, str], ...]] = {}
FAULT_CUM: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
PRAISE: dict[str, tuple[Frag, ...]] = {}
SERVICE_NEG: dict[tuple[str, str], tuple[Frag, ...]] = {}
SERVICE_POS: dict[tuple[str, str], tuple[Frag, ...]] = {}

for _line in PRODUCT_LINES:
    for _fault in REAL_FAULTS:
        SYMPTOM_POOLS[_line.name, _fault] = _pool(pf.SYMPTOMS[_fault], _line, (_fault,))
        SHORT_POOLS[_line.name, _fault] = _scoped_words(pf.SHORT_SYMPTOMS[_fault], _line)
        CONSEQ_POOLS[_line.name, _fault] = tuple(
            t for scope in _scopes(_line)
            for key in ("any", _fault)
            for t in lines(pf.CONSEQUENCES.get(key, {}).get(scope, ""))
        )
    for _aspect in ASPECTS:
        SERVICE_NEG[_line.name, _aspect] = _service_bank(ph.SERVICE_NEG, _line, _aspect)
        SERVICE_POS[_line.name, _aspect] = _service_bank(ph.SERVICE_POS, _line, _aspect)
    NEG_COMPONENT[_line.name] = tuple(
        (fault, word) for fault, scopes in pf.NEGATION_COMPONENTS.items()
        for scope in _scopes(_line) if (word := scopes.get(scope))
    )
    NEG_SYMPTOM[_line.name] = tuple(
        (fault, word) for fault, scopes in pf.NEGATION_SYMPTOMS.items()
        for scope in _scopes(_line) if (word := scopes.get(scope))
    )
    _codes = tuple(_line.fault_weights)
    _cum = tuple(accumulate(_line.fault_weights[c] for c in _codes))
    FAULT_CUM[_line.name] = (_codes, tuple(c / _cum[-1] for c in _cum))
    PRAISE[_line.name] = tuple(
        f for scope in _scopes(_line) for f in frags(ph.PRAISE.get(scope, ""), ())
    )

# ------------------------------------------------------------------------- per category

OPENERS = {c: lines(ph.OPENERS["any"]) + lines(ph.OPENERS.get(c, "")) for c in ("appliance", "electronics", "car")}
TIMES = {
    "appliance": lines(ph.TIMES["any"]),
    "electronics": lines(ph.TIMES["any"]),
    "car": lines(ph.TIMES["car"]) + lines(ph.TIMES["any"])[:6],
}
STORY = {
    c: frags(ph.STORY["any"], ()) + frags(ph.STORY.get(c, ""), ()) for c in ("appliance", "electronics", "car")
}
SERVER = {c: tuple(words.split()) for c, words in ph.SERVERS.items()}

# ------------------------------------------------------------------------------ shared

MODEL_MENTIONS = lines(ph.MODEL_MENTIONS)
CONNECTORS = lines(ph.CONNECTORS)
EMPHASIS = lines(ph.EMPHASIS)
FREQUENCY = lines(ph.FREQUENCY)
EMOTIONS = lines(ph.EMOTIONS)
DEMANDS = lines(ph.DEMANDS)
CLOSERS = lines(ph.CLOSERS)
HISTORY = {a: frags(b, (a,)) for a, b in ph.HISTORY.items()}
HISTORY_ALL = tuple(f for fs in HISTORY.values() for f in fs)
UNSPECIFIED = lines(ph.UNSPECIFIED)
REVIEW_STORY = lines(ph.REVIEW_STORY)
AGENT_NOTES = lines(ph.AGENT_NOTES)
REVIEW_POS_CLOSERS = lines(ph.REVIEW_POS_CLOSERS)
REVIEW_NEG_CLOSERS = lines(ph.REVIEW_NEG_CLOSERS)
REVIEW_BUTS = lines(ph.REVIEW_BUTS)
REVIEW_NEUTRAL: tuple[Frag, ...] = tuple(
    f for key, block in ph.REVIEW_NEUTRAL.items()
    for f in frags(block, () if key in ("any", "consult_none") else (key.removeprefix("consult_"),))
)
REVIEW_FIXED_POSITIVE = lines(ph.REVIEW_FIXED_POSITIVE)
REVIEW_FIXED_NEUTRAL = lines(ph.REVIEW_FIXED_NEUTRAL)
RESOLVED_FIXES = frags(ph.RESOLVED_FIXES, ())
FOLLOWUP_UNREACHED = lines(ph.FOLLOWUP_UNREACHED)
FOLLOWUP_PREFIXES = lines(ph.FOLLOWUP_PREFIXES)
FOLLOWUP_RESOLVED = lines(ph.FOLLOWUP_RESOLVED)
FOLLOWUP_UNRESOLVED = lines(ph.FOLLOWUP_UNRESOLVED)
FOLLOWUP_UNRESOLVED_TOPIC = lines(ph.FOLLOWUP_UNRESOLVED_TOPIC)
FOLLOWUP_NONE = lines(ph.FOLLOWUP_NONE)
ATTITUDE = {s: lines(b) for s, b in ph.ATTITUDE.items()}
SCORE = lines(ph.SCORE)
BUT_UNRESOLVED = lines(ph.BUT_UNRESOLVED)
NEG_COMPONENT_PATTERNS = lines(ph.NEGATION_COMPONENT_PATTERNS)
NEG_SYMPTOM_PATTERNS = lines(ph.NEGATION_SYMPTOM_PATTERNS)
# Praise that would contradict the fault reported right after it ("静音效果好，就是噪音大").
PRAISE_CONFLICTS: dict[str, tuple[str, ...]] = {f: tuple(w.split()) for f, w in ph.PRAISE_CONFLICTS.items()}
