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

Where things live: the phrases are data (``data/phrases*.yaml``, read by
:mod:`.phrases` and :mod:`.phrases_faults`), parsed into per-product-line pools and
given the label vocabulary by :mod:`.banks`; this module composes texts from them.
It is long because it is one thing: :class:`TextGenerator`, whose composing methods
share one random stream and one set of labelling rules.

Speed: uniforms come from one ``numpy.random.Generator`` in blocks and are consumed
as Python floats, so a text costs a few dozen list look-ups and one string join
(``sample`` makes well over 20,000 texts a second on one core).

Example::

    gen = TextGenerator(random_state=0)
    gen.complaint("空调", "leak").text
    corpus = gen.sample(5000)              # pandas.DataFrame, one labelled text a row

One module on purpose (~670 lines): one generator, whose methods compose each other's
fragments (a complaint reuses the symptom, negation and service-remark builders), over the
phrase tables in ``demo/data/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

import numpy as np
import pandas as pd

from feedback_nlp.demo import banks as b
from feedback_nlp.demo import phrases as ph
from feedback_nlp.demo.banks import ASPECTS, FAULT_CODES, FAULT_NAMES_ZH, SENTIMENTS, SOURCES
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

_T = TypeVar("_T")
_FAULT_ORDER = {code: i for i, code in enumerate(FAULT_CODES)}
_ASPECT_ORDER = {code: i for i, code in enumerate(ASPECTS)}

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


# --------------------------------------------------------------------------- draws

# Aspects a spontaneous service remark is about, weighted towards what customers
# mention most often (waiting and attitude) — real complaint sites show the same skew.
_ASPECT_DRAW = ("response", "response", "attitude", "attitude", "professionalism", "professionalism",
                "cost", "parts", "communication", "communication", "logistics")
_ASPECT_DRAW_NO_REPAIR = tuple(a for a in _ASPECT_DRAW if a != "professionalism")
_REVIEW_SERVICE_DRAW = ("logistics", "logistics", "logistics", "attitude", "response", "cost",
                        "professionalism")

# Ruling another cause out reads naturally only before a symptom, not before a
# missing accessory or a scratch.
_NEGATABLE_PRIMARY = frozenset(
    ("power", "display", "battery", "noise", "leak", "temperature", "software", "function", "safety")
)
_TOPIC_ONLY = frozenset(("appearance", "accessory", "installation"))

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
        codes, cum = b.FAULT_CUM[line.name]
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
            text = text.replace("{p}", self._noun(line)).replace("{s}", self._pick(b.SERVER[line.category]))
        return text

    def _symptom(self, line: ProductLine, fault: str) -> b.Frag:
        specific, general = b.SYMPTOM_POOLS[line.name, fault]
        pool = specific if specific and (not general or self._u() < 0.6) else general
        text, labels = self._pick(pool)
        return self._fill(text, line), labels

    def _service(self, line: ProductLine, aspect: str, positive: bool) -> b.Frag:
        bank = b.SERVICE_POS if positive else b.SERVICE_NEG
        return self._pick(bank[line.name, aspect])

    def _model(self, line: ProductLine, model: str | None) -> str:
        m = model if model is not None else self._pick(line.models)
        return self._pick(b.MODEL_MENTIONS).replace("{m}", m).replace("{p}", line.name)

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
            text = self._pick(b.SHORT_POOLS[line.name, primary]) + self._pick(_SHORT_ENDS)
            return LabelledText(text, (primary,), primary, "negative", (), "complaint", line.name)

        long_text = u() < 0.12
        faults: set[str] = set()
        aspects: set[str] = set()
        head: list[str] = []
        if u() < 0.5:
            head.append(self._pick(b.OPENERS[line.category]))
        if u() < 0.6:
            head.append(self._pick(b.TIMES[line.category]))
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
            body.append(self._pick(b.EMPHASIS) + main_text)
        else:
            body.append(main_text)
            if u() < 0.25:
                body.append(self._pick(b.FREQUENCY))
            for extra_text in secondary:
                body.append(self._pick(b.CONNECTORS) + extra_text)
        if u() < 0.4:
            conseq = b.CONSEQ_POOLS[line.name, primary]
            body.append(self._fill(self._pick(conseq), line))

        service = self._service_remarks(line, hints, long_text, aspects, p_remark=0.45)
        tail: list[str] = []
        if u() < 0.5:
            tail.append(self._pick(b.EMOTIONS))
        if u() < 0.55:
            tail.append(self._pick(b.DEMANDS))
        if u() < 0.2:
            tail.append(self._pick(b.CLOSERS))
        text = self._noise(self._join(head + body + service + tail))
        return LabelledText(
            text, _sort_faults(faults), primary, "negative", _sort_aspects(aspects), "complaint", line.name
        )

    def _negate(self, line: ProductLine, faults: set[str], main_text: str) -> str:
        if self._u() < 0.5:
            options = [(f, w) for f, w in b.NEG_COMPONENT[line.name] if f not in faults]
            if options:
                _, word = self._pick(options)
                pattern = self._pick(b.NEG_COMPONENT_PATTERNS)
                return pattern.replace("{w}", word) + main_text
        options = [(f, w) for f, w in b.NEG_SYMPTOM[line.name] if f not in faults]
        if options:
            _, word = self._pick(options)
            pattern = self._pick(b.NEG_SYMPTOM_PATTERNS)
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
                out.insert(0, self._fill(text, line) + self._pick(b.BUT_UNRESOLVED))
            else:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=False)
                out.append(self._fill(text, line))
            aspects.update(labels)
        if long_text:
            for _ in range(2 + int(u() * 3)):
                text, labels = self._pick(b.HISTORY_ALL)
                out.append(text)
                aspects.update(labels)
            story = b.STORY[line.category]
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
            head.append(self._pick(b.OPENERS[line.category]))
        if model is not None or u() < 0.2:
            head.append(self._model(line, model))
        if u() < 0.4:
            head.append(self._fill(self._pick(b.UNSPECIFIED), line))
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
            tail.append(self._pick(b.EMOTIONS))
        if u() < 0.4:
            tail.append(self._pick(b.DEMANDS))
        pieces = head + service + tail or [self._fill(self._pick(b.UNSPECIFIED), line), "一直没人管"]
        text = self._noise(self._join(pieces))
        return LabelledText(text, ("none",), "none", "negative", _sort_aspects(aspects), "complaint", line.name)

    # -- reviews --------------------------------------------------------------------

    def _praise(self, line: ProductLine, aspects: set[str], avoid: tuple[str, ...] = ()) -> str:
        for _ in range(4):
            text, labels = self._pick(b.PRAISE[line.name])
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
                text, labels = self._pick(b.REVIEW_NEUTRAL)
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
                pieces.append(self._pick(b.REVIEW_NEG_CLOSERS))
            text = self._noise(self._join(pieces))
            return LabelledText(text, ("none",), "none", "negative", _sort_aspects(aspects), "review", line.name)

        faults: set[str] = set()
        pieces = []
        if model is not None or u() < 0.15:
            pieces.append(self._model(line, model))
        if u() < 0.35:
            pieces.append(self._praise(line, aspects, avoid=b.PRAISE_CONFLICTS.get(primary, ())))
            main_prefix = self._pick(b.REVIEW_BUTS)
        else:
            main_prefix = ""
            if u() < 0.4:
                pieces.append(self._pick(b.TIMES[line.category]))
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
                pieces.append(self._pick(b.CONNECTORS) + extra_text)
        if u() < 0.25:
            text, labels = self._pick(b.RESOLVED_FIXES)
            pieces.append(self._fill(text, line))
            aspects.update(labels)
            if u() < 0.4:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=True)
                pieces.append(self._fill(text, line))
                aspects.update(labels)
            if u() < 0.45:
                pieces.append(self._pick(b.REVIEW_FIXED_POSITIVE))
                sentiment = "positive"
            else:
                pieces.append(self._pick(b.REVIEW_FIXED_NEUTRAL))
                sentiment = "neutral"
        else:
            sentiment = "negative"
            if u() < 0.25:
                text, labels = self._service(line, self._pick(_ASPECT_DRAW), positive=False)
                pieces.append(self._fill(text, line))
                aspects.update(labels)
            if u() < 0.7:
                pieces.append(self._pick(b.REVIEW_NEG_CLOSERS))
        text = self._noise(self._join(pieces))
        return LabelledText(
            text, _sort_faults(faults), primary, sentiment, _sort_aspects(aspects), "review", line.name
        )

    def _positive_review(self, line: ProductLine, model: str | None) -> LabelledText:
        u = self._u
        aspects: set[str] = set()
        if model is None and u() < 0.1:
            text = self._pick(b.REVIEW_POS_CLOSERS) + self._pick(("", "！", "", "👍", "。"))
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
                pieces.insert(int(u() * (len(pieces) + 1)), self._pick(b.REVIEW_STORY))
        if u() < 0.6:
            pieces.append(self._pick(b.REVIEW_POS_CLOSERS))
        text = self._noise(self._join(pieces))
        return LabelledText(text, ("none",), "none", "positive", _sort_aspects(aspects), "review", line.name)

    # -- follow-up notes ------------------------------------------------------------

    def _followup(
        self, line: ProductLine, primary: str, reached: bool, resolved: bool, satisfaction: int | None
    ) -> LabelledText:
        u = self._u
        if not reached:
            return LabelledText(
                self._pick(b.FOLLOWUP_UNREACHED), ("none",), "none", "neutral", (), "followup", line.name
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
        prefix = self._pick(b.FOLLOWUP_PREFIXES)
        if primary == "none":
            pieces.append(self._fill(self._pick(b.FOLLOWUP_NONE), line))
        else:
            topic = self._noun(line) + self._pick(b.SHORT_POOLS[line.name, primary]) + "的问题"
            faults.add(primary)
            if resolved:
                template = self._pick(b.FOLLOWUP_RESOLVED)
                if "{t}" not in template:
                    # "维修后使用正常" names no fault: labelling one would teach a label with no evidence.
                    faults = {"none"}
                    primary = "none"
                body = template.replace("{t}", topic)
            elif primary in _TOPIC_ONLY:
                body = self._pick(b.FOLLOWUP_UNRESOLVED_TOPIC).replace("{t}", topic)
            else:
                symptom, labels = self._symptom(line, primary)
                faults.update(labels)
                body = self._pick(b.FOLLOWUP_UNRESOLVED).replace("{t}", topic).replace("{x}", symptom)
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
            pieces.append(self._pick(b.ATTITUDE[sentiment]))
        if satisfaction is not None:
            pieces.append(self._pick(b.SCORE).replace("{n}", str(satisfaction)))
        if u() < 0.3:
            pieces.append(self._pick(b.AGENT_NOTES))
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
                review_fault = None if u() < _P_NONE_REVIEW else self._draw_fault(line)
                rows.append(self._review(line, review_fault, None))
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
