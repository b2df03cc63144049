"""Labelled Chinese after-sales texts for demos and for training the classifiers.

Why it is built this way: the texts are the training signal for classifiers that are
later judged on real customer writing, so a text is composed from many small
fragments (symptoms described rather than named, openers, time expressions, model
mentions, service experiences, emotions, demands, noise) and its labels are derived
from the fragments actually used — every fault fragment carries its fault codes and
every service fragment its aspect codes, and nothing else may carry either. Boundary
rules of ``shared/spec/taxonomy.md`` live in the fragment labels (a leak caused by a
bad installation is filed as ``installation`` + ``leak``, a touch-screen failure as
``display``, a burning smell as ``safety``), sentiment in the composing functions.

Speed: uniforms come from one ``numpy.random.Generator`` in blocks and are consumed
as Python floats, so a text costs a few dozen list look-ups and one string join
(``sample`` makes well over 20,000 texts a second on one core).

Example::

    gen = TextGenerator(random_state=0)
    gen.complaint("空调", "leak").text
    corpus = gen.sample(5000)              # pandas.DataFrame, one labelled text a row
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

import numpy as np
import pandas as pd

from feedback_nlp.demo import phrases as ph
from feedback_nlp.demo import phrases_faults as pf
from feedback_nlp.demo.catalog import PRODUCT_LINES, ProductLine, get_product_line
from feedback_nlp.errors import ConfigError

__all__ = [
    "ASPECTS",
    "FAULT_CODES",
    "FAULT_NAMES_ZH",
    "SENTIMENTS",
    "SOURCES",
    "LabelledText",
    "TextGenerator",
]

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

_T = TypeVar("_T")
_FAULT_ORDER = {code: i for i, code in enumerate(FAULT_CODES)}
_ASPECT_ORDER = {code: i for i, code in enumerate(ASPECTS)}
_REAL_FAULTS = FAULT_CODES[:-1]

# Mix of sources and labels in ``sample``; the classifiers see all kinds of text.
_SOURCE_WEIGHTS = {"complaint": 0.45, "review": 0.35, "followup": 0.20}
_P_NONE_COMPLAINT = 0.12
_P_NONE_REVIEW = 0.55
_P_NONE_FOLLOWUP = 0.05


@dataclass(frozen=True)
class LabelledText:
    """One generated text with its labels (invariants: see :class:`TextGenerator`)."""

    text: str
    fault_types: tuple[str, ...]
    primary_fault: str
    sentiment: str
    aspects: tuple[str, ...]
    source: str
    product_line: str


# --------------------------------------------------------------------------- banks

_Frag = tuple[str, tuple[str, ...]]  # text, label codes it carries


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.splitlines() if line.strip())


def _frags(block: str, base: tuple[str, ...]) -> tuple[_Frag, ...]:
    """Parse ``text #code,code`` lines into fragments labelled ``base`` + the listed codes."""
    out = []
    for line in _lines(block):
        text, _, extra = line.partition(" #")
        labels = tuple(dict.fromkeys(base + tuple(c for c in extra.split(",") if c)))
        out.append((text.strip(), labels))
    return tuple(out)


def _scopes(line: ProductLine) -> tuple[str, str, str]:
    return (line.name, line.category, "any")


def _pool(bank: Mapping[str, str], line: ProductLine, base: tuple[str, ...]) -> tuple[
    tuple[_Frag, ...], tuple[_Frag, ...]
]:
    """(line-specific fragments, category + generic fragments) of one bank for one line."""
    specific = _frags(bank.get(line.name, ""), base)
    general = _frags(bank.get(line.category, ""), base) + _frags(bank.get("any", ""), base)
    return specific, general


def _check_bank_labels() -> None:
    for fault, scopes in pf.SYMPTOMS.items():
        for block in scopes.values():
            for _, labels in _frags(block, (fault,)):
                bad = set(labels) - set(_REAL_FAULTS)
                if bad:  # a typo in a phrase bank must not become a silent new label
                    raise ConfigError(f"phrase bank for {fault!r} has unknown fault codes {sorted(bad)}")


_check_bank_labels()

_SYMPTOM_POOLS: dict[tuple[str, str], tuple[tuple[_Frag, ...], tuple[_Frag, ...]]] = {}
_SHORT_POOLS: dict[tuple[str, str], tuple[str, ...]] = {}
_CONSEQ_POOLS: dict[tuple[str, str], tuple[str, ...]] = {}
_NEG_COMPONENT: dict[str, tuple[tuple[str, str], ...]] = {}
_NEG_SYMPTOM: dict[str, tuple[tuple[str, str], ...]] = {}
_FAULT_CUM: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
_PRAISE: dict[str, tuple[_Frag, ...]] = {}
_SERVICE_NEG: dict[tuple[str, str], tuple[_Frag, ...]] = {}
_SERVICE_POS: dict[tuple[str, str], tuple[_Frag, ...]] = {}


def _scoped_words(bank: Mapping[str, str], line: ProductLine) -> tuple[str, ...]:
    words: list[str] = []
    for scope in _scopes(line):
        words.extend(bank.get(scope, "").split())
    return tuple(words)


def _service_bank(bank: Mapping[str, Mapping[str, str]], line: ProductLine, aspect: str) -> tuple[_Frag, ...]:
    scopes = bank[aspect]
    return tuple(f for scope in _scopes(line) for f in _frags(scopes.get(scope, ""), (aspect,)))


for _line in PRODUCT_LINES:
    for _fault in _REAL_FAULTS:
        _SYMPTOM_POOLS[_line.name, _fault] = _pool(pf.SYMPTOMS[_fault], _line, (_fault,))
        _SHORT_POOLS[_line.name, _fault] = _scoped_words(pf.SHORT_SYMPTOMS[_fault], _line)
        _CONSEQ_POOLS[_line.name, _fault] = tuple(
            t for scope in _scopes(_line)
            for key in ("any", _fault)
            for t in _lines(pf.CONSEQUENCES.get(key, {}).get(scope, ""))
        )
    for _aspect in ASPECTS:
        _SERVICE_NEG[_line.name, _aspect] = _service_bank(ph.SERVICE_NEG, _line, _aspect)
        _SERVICE_POS[_line.name, _aspect] = _service_bank(ph.SERVICE_POS, _line, _aspect)
    _NEG_COMPONENT[_line.name] = tuple(
        (fault, word) for fault, scopes in pf.NEGATION_COMPONENTS.items()
        for scope in _scopes(_line) if (word := scopes.get(scope))
    )
    _NEG_SYMPTOM[_line.name] = tuple(
        (fault, word) for fault, scopes in pf.NEGATION_SYMPTOMS.items()
        for scope in _scopes(_line) if (word := scopes.get(scope))
    )
    _codes = tuple(_line.fault_weights)
    _cum = tuple(accumulate(_line.fault_weights[c] for c in _codes))
    _FAULT_CUM[_line.name] = (_codes, tuple(c / _cum[-1] for c in _cum))
    _PRAISE[_line.name] = tuple(
        f for scope in _scopes(_line) for f in _frags(ph.PRAISE.get(scope, ""), ())
    )

_OPENERS = {c: _lines(ph.OPENERS["any"]) + _lines(ph.OPENERS.get(c, "")) for c in ("appliance", "electronics", "car")}
_TIMES = {
    "appliance": _lines(ph.TIMES["any"]),
    "electronics": _lines(ph.TIMES["any"]),
    "car": _lines(ph.TIMES["car"]) + _lines(ph.TIMES["any"])[:6],
}
_MODEL_MENTIONS = _lines(ph.MODEL_MENTIONS)
_CONNECTORS = _lines(ph.CONNECTORS)
_EMPHASIS = _lines(ph.EMPHASIS)
_FREQUENCY = _lines(ph.FREQUENCY)
_EMOTIONS = _lines(ph.EMOTIONS)
_DEMANDS = _lines(ph.DEMANDS)
_CLOSERS = _lines(ph.CLOSERS)
_HISTORY = {a: _frags(b, (a,)) for a, b in ph.HISTORY.items()}
_HISTORY_ALL = tuple(f for frags in _HISTORY.values() for f in frags)
_UNSPECIFIED = _lines(ph.UNSPECIFIED)
_STORY = {
    c: _frags(ph.STORY["any"], ()) + _frags(ph.STORY.get(c, ""), ()) for c in ("appliance", "electronics", "car")
}
_REVIEW_STORY = _lines(ph.REVIEW_STORY)
_AGENT_NOTES = _lines(ph.AGENT_NOTES)
_REVIEW_POS_CLOSERS = _lines(ph.REVIEW_POS_CLOSERS)
_REVIEW_NEG_CLOSERS = _lines(ph.REVIEW_NEG_CLOSERS)
_REVIEW_BUTS = _lines(ph.REVIEW_BUTS)
_REVIEW_NEUTRAL: tuple[_Frag, ...] = tuple(
    f for key, block in ph.REVIEW_NEUTRAL.items()
    for f in _frags(block, () if key in ("any", "consult_none") else (key.removeprefix("consult_"),))
)
_RESOLVED_FIXES = _frags(ph.RESOLVED_FIXES, ())
_FOLLOWUP_UNREACHED = _lines(ph.FOLLOWUP_UNREACHED)
_FOLLOWUP_PREFIXES = _lines(ph.FOLLOWUP_PREFIXES)
_FOLLOWUP_RESOLVED = _lines(ph.FOLLOWUP_RESOLVED)
_FOLLOWUP_UNRESOLVED = _lines(ph.FOLLOWUP_UNRESOLVED)
_FOLLOWUP_NONE = _lines(ph.FOLLOWUP_NONE)
_ATTITUDE = {s: _lines(b) for s, b in ph.ATTITUDE.items()}
_SCORE = _lines(ph.SCORE)
_SERVER = {"appliance": ("售后", "师傅", "客服", "厂家"), "electronics": ("售后", "客服", "官方售后"),
           "car": ("4S店", "4s店", "售后")}

# Aspects a spontaneous service remark is about, weighted towards what customers
# mention most often (waiting and attitude) — real complaint sites show the same skew.
_ASPECT_DRAW = ("response", "response", "attitude", "attitude", "professionalism", "professionalism",
                "cost", "parts", "communication", "communication", "logistics")
_ASPECT_DRAW_NO_REPAIR = tuple(a for a in _ASPECT_DRAW if a != "professionalism")
_BUT_UNRESOLVED = (
    "，但是问题还是没解决", "，可是问题没解决有什么用", "，但东西不行啊", "，但是解决不了问题", "，但这不是重点",
)
_NEG_COMPONENT_PATTERNS = (
    "不是{w}的问题，是", "{w}倒是没问题，就是", "不是{w}的问题，主要是", "检查过了不是{w}的问题，",
)
_NEG_SYMPTOM_PATTERNS = ("没有{w}，就是", "倒是没有{w}，但是", "没有{w}的情况，主要是")
_REVIEW_SERVICE_DRAW = ("logistics", "logistics", "logistics", "attitude", "response", "cost",
                        "professionalism")

# Praise that would contradict the fault reported right after it ("静音效果好，就是噪音大").
_PRAISE_CONFLICTS: dict[str, tuple[str, ...]] = {
    "display": ("屏幕", "画质", "色彩"),
    "battery": ("续航", "充电", "省电"),
    "noise": ("静音", "声音", "隔音"),
    "temperature": ("制冷", "制热", "热水", "冷冻", "加热", "散热", "保鲜"),
    "software": ("系统", "流畅", "连接", "聪明"),
    "function": ("吸力", "扫得", "降噪", "开锁", "火力", "拍照", "洗得", "烘干", "出水", "键盘", "操作"),
    "power": ("开机",),
    "appearance": ("颜值", "外观", "做工", "好看"),
    "installation": ("安装",),
}

# Ruling another cause out reads naturally only before a symptom, not before a
# missing accessory or a scratch.
_NEGATABLE_PRIMARY = frozenset(
    ("power", "display", "battery", "noise", "leak", "temperature", "software", "function", "safety")
)
_TOPIC_ONLY = frozenset(("appearance", "accessory", "installation"))
_FOLLOWUP_UNRESOLVED_TOPIC = ("客户称{t}一直没处理", "客户反映{t}至今未解决", "客户表示{t}还没给解决方案")

# Boundary punctuation: mostly commas, some full stops, spaces or nothing (noisy input).
_SEPS = ("，",) * 14 + ("。",) * 4 + ("！", " ", " ", "", ",", "、")
_ENDS = ("",) * 6 + ("。",) * 4 + ("！", "！！", "！！！", "!!", "。。。", "？？", "~")
_SHORT_ENDS = ("", "", "", "！", "了", "！！！", "啊", "。", "了。", "怎么办")


def _sort_faults(codes: set[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=_FAULT_ORDER.__getitem__)) if codes else ("none",)


def _sort_aspects(codes: set[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=_ASPECT_ORDER.__getitem__))


def _validate_fault(code: str) -> None:
    if code not in _FAULT_ORDER:
        raise ConfigError(f"unknown fault code {code!r}; known codes: {', '.join(FAULT_CODES)}")


def _line(name: str) -> ProductLine:
    try:
        return get_product_line(name)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from exc


def _sentiment_of(satisfaction: int) -> str:
    return "negative" if satisfaction <= 2 else ("neutral" if satisfaction == 3 else "positive")


# ---------------------------------------------------------------------- generator


class TextGenerator:
    """Composes labelled complaints, reviews and follow-up notes.

    Invariants of every :class:`LabelledText`: ``primary_fault`` is in ``fault_types``;
    ``"none"`` appears only alone; ``fault_types`` follow :data:`FAULT_CODES` order and
    ``aspects`` :data:`ASPECTS` order. The same ``random_state`` and the same sequence of
    calls give the same texts.

    Parameters
    ----------
    random_state:
        Seed or ``numpy.random.Generator``; ``None`` seeds from the operating system.
    """

    _BLOCK = 8192

    def __init__(self, random_state: int | np.random.Generator | None = None) -> None:
        self.random_state = random_state
        self._rng = (
            random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        )
        self._buf: list[float] = []
        self._pos = 0

    # -- randomness ---------------------------------------------------------------

    def _u(self) -> float:
        pos = self._pos
        if pos >= len(self._buf):
            self._buf = self._rng.random(self._BLOCK).tolist()
            pos = 0
        self._pos = pos + 1
        return self._buf[pos]

    def _pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self._u() * len(seq))]

    def _draw_fault(self, line: ProductLine, exclude: set[str] | frozenset[str] = frozenset()) -> str | None:
        codes, cum = _FAULT_CUM[line.name]
        for _ in range(6):
            u = self._u()
            code = codes[-1]
            for candidate, c in zip(codes, cum, strict=True):
                if u < c:
                    code = candidate
                    break
            if code not in exclude:
                return code
        return None

    # -- fragments ----------------------------------------------------------------

    def _noun(self, line: ProductLine) -> str:
        return self._pick(ph.PRODUCT_NOUNS.get(line.name, (line.name,)))

    def _fill(self, text: str, line: ProductLine) -> str:
        if "{" in text:
            text = text.replace("{p}", self._noun(line)).replace("{s}", self._pick(_SERVER[line.category]))
        return text

    def _symptom(self, line: ProductLine, fault: str) -> _Frag:
        specific, general = _SYMPTOM_POOLS[line.name, fault]
        pool = specific if specific and (not general or self._u() < 0.6) else general
        text, labels = self._pick(pool)
        return self._fill(text, line), labels

    def _service(self, line: ProductLine, aspect: str, positive: bool) -> _Frag:
        bank = _SERVICE_POS if positive else _SERVICE_NEG
        return self._pick(bank[line.name, aspect])

    def _model(self, line: ProductLine, model: str | None) -> str:
        m = model if model is not None else self._pick(line.models)
        return self._pick(_MODEL_MENTIONS).replace("{m}", m).replace("{p}", line.name)

    def _join(self, pieces: list[str]) -> str:
        pieces = list(dict.fromkeys(pieces))  # a repeated fragment reads like a bug, not like a customer
        out = [pieces[0]]
        for piece in pieces[1:]:
            out.append(self._pick(_SEPS))
            out.append(piece)
        out.append(self._pick(_ENDS))
        return "".join(out)

    def _noise(self, text: str) -> str:
        """Typos, colloquial swaps, dropped punctuation, shouting — once in a while each."""
        u = self._u()
        if u < 0.30:
            std, noisy = self._pick(ph.TYPOS)
            if std in text:
                text = text.replace(std, noisy, 1)
        u = self._u()
        if u < 0.05:
            text = text.replace("，", "")
        elif u < 0.09:
            text = text.replace("，", " ")
        elif u < 0.12:
            text = text + self._pick(ph.EMOJI)
        elif u < 0.14:
            text = text.replace("！", "！！！")
        elif u < 0.16:
            text = text.replace("wifi", "WiFi").replace("app", "APP").replace("4S店", "4s店")
        return text

    # -- complaints -----------------------------------------------------------------

    def _complaint(self, line: ProductLine, primary: str, model: str | None, hints: Sequence[str]) -> LabelledText:
        if primary == "none":
            return self._service_complaint(line, model, hints)
        u = self._u
        if not hints and model is None and u() < 0.07:
            text = self._pick(_SHORT_POOLS[line.name, primary]) + self._pick(_SHORT_ENDS)
            return LabelledText(text, (primary,), primary, "negative", (), "complaint", line.name)

        long_text = u() < 0.12
        faults: set[str] = set()
        aspects: set[str] = set()
        head: list[str] = []
        if u() < 0.5:
            head.append(self._pick(_OPENERS[line.category]))
        if u() < 0.6:
            head.append(self._pick(_TIMES[line.category]))
        if model is not None or u() < 0.35:
            head.append(self._model(line, model))

        main_text, labels = self._symptom(line, primary)
        faults.update(labels)
        r = u()
        n_secondary = (2 if r < 0.07 else 1 if r < 0.30 else 0) + (1 if long_text and r < 0.6 else 0)
        secondary: list[str] = []
        for _ in range(n_secondary):
            extra = self._draw_fault(line, faults)
            if extra is None:
                break
            extra_text, labels = self._symptom(line, extra)
            faults.update(labels)
            secondary.append(extra_text)

        # Negation names a fault the customer rules out; it must carry no label, so the
        # negated fault is chosen only among faults absent from the text.
        if primary in _NEGATABLE_PRIMARY and u() < 0.18:
            main_text = self._negate(line, faults, main_text)

        body: list[str] = []
        if secondary and u() < 0.2:
            body.extend(secondary)
            body.append(self._pick(_EMPHASIS) + main_text)
        else:
            body.append(main_text)
            if u() < 0.25:
                body.append(self._pick(_FREQUENCY))
            for extra_text in secondary:
                body.append(self._pick(_CONNECTORS) + extra_text)
        if u() < 0.4:
            conseq = _CONSEQ_POOLS[line.name, primary]
            body.append(self._fill(self._pick(conseq), line))

        service = self._service_remarks(line, hints, long_text, aspects, p_remark=0.45)
        tail: list[str] = []
        if u() < 0.5:
            tail.append(self._pick(_EMOTIONS))
        if u() < 0.55:
            tail.append(self._pick(_DEMANDS))
        if u() < 0.2:
            tail.append(self._pick(_CLOSERS))
        text = self._noise(self._join(head + body + service + tail))
        return LabelledText(
            text, _sort_faults(faults), primary, "negative", _sort_aspects(aspects), "complaint", line.name
        )

    def _negate(self, line: ProductLine, faults: set[str], main_text: str) -> str:
        if self._u() < 0.5:
            options = [(f, w) for f, w in _NEG_COMPONENT[line.name] if f not in faults]
            if options:
                _, word = self._pick(options)
                pattern = self._pick(_NEG_COMPONENT_PATTERNS)
                return pattern.replace("{w}", word) + main_text
        options = [(f, w) for f, w in _NEG_SYMPTOM[line.name] if f not in faults]
        if options:
            _, word = self._pick(options)
            pattern = self._pick(_NEG_SYMPTOM_PATTERNS)
            return pattern.replace("{w}", word) + main_text
        return main_text

    def _service_remarks(
        self,
        line: ProductLine,
        hints: Sequence[str],
        long_text: bool,
        aspects: set[str],
        p_remark: float,
        p_positive: float = 0.2,
    ) -> list[str]:
        """Service-experience fragments: every hinted aspect, a few spontaneous ones, history."""
        u = self._u
        out: list[str] = []
        for aspect in hints:
            text, labels = self._service(line, aspect, positive=u() < 0.12)
            out.append(self._fill(text, line))
            aspects.update(labels)
        n = 0
        if u() < p_remark:
            n = 1 if u() < 0.7 else 2
        for _ in range(n):
            if u() < p_positive:
                # Praise next to an unresolved problem is still a complaint (taxonomy);
                # praise of the repair itself would contradict it, so it is not drawn.
                text, labels = self._service(line, self._pick(_ASPECT_DRAW_NO_REPAIR), positive=True)
                out.insert(0, self._fill(text, line) + self._pick(_BUT_UNRESOLVED))
            else:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=False)
                out.append(self._fill(text, line))
            aspects.update(labels)
        if long_text:
            for _ in range(2 + int(u() * 3)):
                text, labels = self._pick(_HISTORY_ALL)
                out.append(text)
                aspects.update(labels)
            story = _STORY[line.category]
            for _ in range(2 + int(u() * 5)):
                text, labels = self._pick(story)
                out.insert(int(u() * (len(out) + 1)), text)
                aspects.update(labels)
        return out

    def _service_complaint(self, line: ProductLine, model: str | None, hints: Sequence[str]) -> LabelledText:
        u = self._u
        aspects: set[str] = set()
        head: list[str] = []
        if u() < 0.6:
            head.append(self._pick(_OPENERS[line.category]))
        if model is not None or u() < 0.2:
            head.append(self._model(line, model))
        if u() < 0.4:
            head.append(self._fill(self._pick(_UNSPECIFIED), line))
        long_text = u() < 0.12
        service = self._service_remarks(
            line, hints, long_text, aspects, p_remark=1.0 if not hints else 0.3, p_positive=0.0
        )
        if not aspects and u() < 0.85:  # p_remark drew one remark at most 70 % of the time above
            text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=False)
            service.append(self._fill(text, line))
            aspects.update(labels)
        tail: list[str] = []
        if u() < 0.5:
            tail.append(self._pick(_EMOTIONS))
        if u() < 0.4:
            tail.append(self._pick(_DEMANDS))
        pieces = head + service + tail or [self._fill(self._pick(_UNSPECIFIED), line), "一直没人管"]
        text = self._noise(self._join(pieces))
        return LabelledText(text, ("none",), "none", "negative", _sort_aspects(aspects), "complaint", line.name)

    # -- reviews --------------------------------------------------------------------

    def _praise(self, line: ProductLine, aspects: set[str], avoid: tuple[str, ...] = ()) -> str:
        for _ in range(4):
            text, labels = self._pick(_PRAISE[line.name])
            if not any(word in text for word in avoid):
                break
        else:
            text, labels = "外观还行", ()
        aspects.update(labels)
        return text

    def _review(self, line: ProductLine, primary: str | None, model: str | None) -> LabelledText:
        u = self._u
        aspects: set[str] = set()
        if primary is None or primary == "none":
            r = u()
            if r < 0.62:
                return self._positive_review(line, model)
            if r < 0.82:
                text, labels = self._pick(_REVIEW_NEUTRAL)
                pieces = [text]
                aspects.update(labels)
                if u() < 0.3:
                    pieces.insert(0, self._praise(line, aspects))
                text = self._noise(self._join(pieces))
                return LabelledText(text, ("none",), "none", "neutral", _sort_aspects(aspects), "review", line.name)
            pieces = []
            for _ in range(1 + (u() < 0.35)):
                text, labels = self._service(line, self._pick(_REVIEW_SERVICE_DRAW), positive=False)
                pieces.append(self._fill(text, line))
                aspects.update(labels)
            if u() < 0.7:
                pieces.append(self._pick(_REVIEW_NEG_CLOSERS))
            text = self._noise(self._join(pieces))
            return LabelledText(text, ("none",), "none", "negative", _sort_aspects(aspects), "review", line.name)

        faults: set[str] = set()
        pieces = []
        if model is not None or u() < 0.15:
            pieces.append(self._model(line, model))
        if u() < 0.35:
            pieces.append(self._praise(line, aspects, avoid=_PRAISE_CONFLICTS.get(primary, ())))
            main_prefix = self._pick(_REVIEW_BUTS)
        else:
            main_prefix = ""
            if u() < 0.4:
                pieces.append(self._pick(_TIMES[line.category]))
        main_text, labels = self._symptom(line, primary)
        faults.update(labels)
        if primary in _NEGATABLE_PRIMARY and u() < 0.1:
            main_text = self._negate(line, faults, main_text)
        pieces.append(main_prefix + main_text)
        if u() < 0.15:
            extra = self._draw_fault(line, faults)
            if extra is not None:
                extra_text, labels = self._symptom(line, extra)
                faults.update(labels)
                pieces.append(self._pick(_CONNECTORS) + extra_text)
        if u() < 0.25:
            text, labels = self._pick(_RESOLVED_FIXES)
            pieces.append(self._fill(text, line))
            aspects.update(labels)
            if u() < 0.4:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=True)
                pieces.append(self._fill(text, line))
                aspects.update(labels)
            if u() < 0.45:
                pieces.append(self._pick(("总体还是满意的", "整体满意", "还是给个好评吧", "服务给五星")))
                sentiment = "positive"
            else:
                pieces.append(self._pick(("总的来说一般吧", "中评吧", "希望以后别再出问题", "就这样吧")))
                sentiment = "neutral"
        else:
            sentiment = "negative"
            if u() < 0.25:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=False)
                pieces.append(self._fill(text, line))
                aspects.update(labels)
            if u() < 0.7:
                pieces.append(self._pick(_REVIEW_NEG_CLOSERS))
        text = self._noise(self._join(pieces))
        return LabelledText(
            text, _sort_faults(faults), primary, sentiment, _sort_aspects(aspects), "review", line.name
        )

    def _positive_review(self, line: ProductLine, model: str | None) -> LabelledText:
        u = self._u
        aspects: set[str] = set()
        if model is None and u() < 0.1:
            text = self._pick(_REVIEW_POS_CLOSERS) + self._pick(("", "！", "", "👍", "。"))
            return LabelledText(text, ("none",), "none", "positive", (), "review", line.name)
        pieces: list[str] = []
        if model is not None or u() < 0.12:
            pieces.append(self._model(line, model))
        for _ in range(1 + int(u() * 4)):
            pieces.append(self._praise(line, aspects))
        if u() < 0.4:
            text, labels = self._service(line, self._pick(_REVIEW_SERVICE_DRAW), positive=True)
            pieces.insert(int(u() * (len(pieces) + 1)), self._fill(text, line))
            aspects.update(labels)
        if u() < 0.25:
            for _ in range(1 + int(u() * 3)):
                pieces.insert(int(u() * (len(pieces) + 1)), self._pick(_REVIEW_STORY))
        if u() < 0.6:
            pieces.append(self._pick(_REVIEW_POS_CLOSERS))
        text = self._noise(self._join(pieces))
        return LabelledText(text, ("none",), "none", "positive", _sort_aspects(aspects), "review", line.name)

    # -- follow-up notes ------------------------------------------------------------

    def _followup(
        self, line: ProductLine, primary: str, reached: bool, resolved: bool, satisfaction: int | None
    ) -> LabelledText:
        u = self._u
        if not reached:
            return LabelledText(
                self._pick(_FOLLOWUP_UNREACHED), ("none",), "none", "neutral", (), "followup", line.name
            )
        if satisfaction is not None:
            sentiment = _sentiment_of(satisfaction)
        elif resolved:
            sentiment = "positive" if u() < 0.8 else "neutral"
        else:
            sentiment = "negative" if u() < 0.85 else "neutral"
        aspects: set[str] = set()
        faults: set[str] = set()
        pieces: list[str] = []
        prefix = self._pick(_FOLLOWUP_PREFIXES)
        if primary == "none":
            pieces.append(self._fill(self._pick(_FOLLOWUP_NONE), line))
        else:
            topic = self._noun(line) + self._pick(_SHORT_POOLS[line.name, primary]) + "的问题"
            faults.add(primary)
            if resolved:
                template = self._pick(_FOLLOWUP_RESOLVED)
                if "{t}" not in template:
                    # "维修后使用正常" names no fault: labelling one would teach a label with no evidence.
                    faults = {"none"}
                    primary = "none"
                body = template.replace("{t}", topic)
            elif primary in _TOPIC_ONLY:
                body = self._pick(_FOLLOWUP_UNRESOLVED_TOPIC).replace("{t}", topic)
            else:
                symptom, labels = self._symptom(line, primary)
                faults.update(labels)
                body = self._pick(_FOLLOWUP_UNRESOLVED).replace("{t}", topic).replace("{x}", symptom)
            pieces.append(self._fill(body, line))
            aspects.add("professionalism")  # the note reports whether the repair worked
        if u() < 0.5:
            positive = resolved if u() < 0.85 else not resolved
            # A remark on the repair must agree with whether it worked.
            draw = _ASPECT_DRAW if positive == resolved else _ASPECT_DRAW_NO_REPAIR
            text, labels = self._service(line, self._pick(draw), positive)
            pieces.append(self._fill(text, line))
            aspects.update(labels)
        if satisfaction is None or u() < 0.8:
            pieces.append(self._pick(_ATTITUDE[sentiment]))
        if satisfaction is not None:
            pieces.append(self._pick(_SCORE).replace("{n}", str(satisfaction)))
        if u() < 0.3:
            pieces.append(self._pick(_AGENT_NOTES))
        text = prefix + self._join(pieces)
        return LabelledText(
            text, _sort_faults(faults), primary, sentiment, _sort_aspects(aspects), "followup", line.name
        )

    # -- public API ---------------------------------------------------------------

    def complaint(
        self,
        product_line: str,
        primary_fault: str,
        *,
        product_model: str | None = None,
        aspect_hints: Sequence[str] = (),
    ) -> LabelledText:
        """A customer complaint (投诉) whose main fault is ``primary_fault``.

        ``primary_fault="none"`` gives a pure service complaint (negative, aspects set).
        ``aspect_hints`` adds one service remark per listed aspect. Raises
        :class:`~feedback_nlp.errors.ConfigError` for an unknown line, fault or aspect.
        """
        line = _line(product_line)
        _validate_fault(primary_fault)
        for aspect in aspect_hints:
            if aspect not in _ASPECT_ORDER:
                raise ConfigError(f"unknown aspect {aspect!r}; known aspects: {', '.join(ASPECTS)}")
        return self._complaint(line, primary_fault, product_model, tuple(dict.fromkeys(aspect_hints)))

    def review(
        self, product_line: str, *, primary_fault: str | None = None, product_model: str | None = None
    ) -> LabelledText:
        """A product review (评价): without ``primary_fault`` mostly praise, else a review reporting it."""
        line = _line(product_line)
        if primary_fault is not None:
            _validate_fault(primary_fault)
        return self._review(line, primary_fault, product_model)

    def followup_note(
        self,
        product_line: str,
        primary_fault: str,
        *,
        reached: bool = True,
        resolved: bool = True,
        satisfaction: int | None = None,
    ) -> LabelledText:
        """An agent's follow-up note (回访记录) on a ticket about ``primary_fault``.

        Sentiment is the customer's reported attitude: from ``satisfaction`` (1–2
        negative, 3 neutral, 4–5 positive) when given, else from ``resolved``. An
        unreached customer gives fault ``("none",)`` and neutral sentiment.
        """
        line = _line(product_line)
        _validate_fault(primary_fault)
        if satisfaction is not None and satisfaction not in (1, 2, 3, 4, 5):
            raise ConfigError(f"satisfaction must be an integer 1-5 or None, got {satisfaction!r}")
        return self._followup(line, primary_fault, reached, resolved, satisfaction)

    def sample(
        self,
        n: int,
        *,
        sources: Sequence[str] = SOURCES,
        product_lines: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """A labelled corpus of ``n`` texts, faults drawn with each line's catalogue weights.

        Returns a DataFrame with columns ``text``, ``fault_types`` (tuple),
        ``primary_fault``, ``sentiment``, ``aspects`` (tuple), ``source``, ``product_line``.
        """
        if n < 0:
            raise ConfigError(f"n must be >= 0, got {n}")
        for source in sources:
            if source not in _SOURCE_WEIGHTS:
                raise ConfigError(f"unknown source {source!r}; known sources: {', '.join(SOURCES)}")
        if not sources:
            raise ConfigError("sources must name at least one of: " + ", ".join(SOURCES))
        lines = [_line(name) for name in product_lines] if product_lines is not None else list(PRODUCT_LINES)
        if not lines:
            raise ConfigError("product_lines must name at least one product line")
        srcs = tuple(dict.fromkeys(sources))
        total = sum(_SOURCE_WEIGHTS[s] for s in srcs)
        src_cum = tuple(accumulate(_SOURCE_WEIGHTS[s] / total for s in srcs))

        u = self._u
        rows: list[LabelledText] = []
        for _ in range(n):
            line = self._pick(lines)
            r = u()
            source = srcs[-1]
            for s, c in zip(srcs, src_cum, strict=True):
                if r < c:
                    source = s
                    break
            if source == "complaint":
                fault = "none" if u() < _P_NONE_COMPLAINT else self._draw_fault(line) or "none"
                rows.append(self._complaint(line, fault, None, ()))
            elif source == "review":
                fault = None if u() < _P_NONE_REVIEW else self._draw_fault(line)
                rows.append(self._review(line, fault, None))
            else:
                fault = "none" if u() < _P_NONE_FOLLOWUP else self._draw_fault(line) or "none"
                reached = u() < 0.85
                resolved = u() < 0.75
                satisfaction = None
                if u() < 0.6:
                    weights = (0.0, 0.03, 0.17, 0.3, 0.5) if resolved else (0.4, 0.3, 0.25, 0.05, 0.0)
                    r = u()
                    satisfaction = 5
                    for score, c in zip((1, 2, 3, 4, 5), accumulate(weights), strict=True):
                        if r < c:
                            satisfaction = score
                            break
                rows.append(self._followup(line, fault, reached, resolved, satisfaction))
        return pd.DataFrame(
            {
                "text": [t.text for t in rows],
                "fault_types": [t.fault_types for t in rows],
                "primary_fault": [t.primary_fault for t in rows],
                "sentiment": [t.sentiment for t in rows],
                "aspects": [t.aspects for t in rows],
                "source": [t.source for t in rows],
                "product_line": [t.product_line for t in rows],
            },
            columns=["text", "fault_types", "primary_fault", "sentiment", "aspects", "source", "product_line"],
        )
