"""Synthetic after-sales tables in the canonical data model, with planted structure.

Why this exists: a demo (and the KPI and trend tests) needs data whose KPIs mean
something. Every number here is drawn from a small causal story rather than
independently, so the relations an analyst would look for are actually there:

* engineers have a fixed skill that raises first-time fix and satisfaction;
* response and resolution times are right-skewed (lognormal) and slower on weekends,
  at night and on public holidays, so SLA breaches cluster where they would;
* a failed first fix adds visits, time and reopenings, which lower satisfaction and
  NPS and raise complaints; customers with a bad experience repurchase less;
* failure age mixes an early-failure peak (first ~90 days), random failures and a
  wear-out tail; installation and accessory problems are early, batteries wear out;
* one product model develops one fault in the final three weeks (``EmergingIssue``).

Everything is vectorised with numpy except the text of the feedback, which comes from
:class:`feedback_nlp.demo.text.TextGenerator` so that texts agree with their ticket.
Frames use the canonical English column names of :mod:`feedback_nlp.schema` and the
canonical enum values (``closed``, ``major``, ``phone``…); the writer turns them into
the Chinese spellings of real exports.

It is long because it is one thing: one causal simulation whose steps share the
``_World`` and one random stream (their order is part of the output). Its parameters
are the small tables next to the code that reads them; phrases and the product
catalogue are data files (see :mod:`.catalog` and :mod:`.phrases`).

One module on purpose (~1,000 lines): the steps share ``_World`` and the one random
stream whose order fixes the output, and each step reads the tables the previous one
made; split, every part would pass that state around and the story would be harder to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

import numpy as np
import pandas as pd

from feedback_nlp.demo.catalog import PRODUCT_LINES, ProductLine
from feedback_nlp.demo.text import FAULT_CODES, FAULT_NAMES_ZH, LabelledText, TextGenerator
from feedback_nlp.errors import ConfigError
from feedback_nlp.schema import FEEDBACK, FOLLOWUPS, ORDERS, TICKETS
from feedback_nlp.store import FOLLOWUP_FEEDBACK_PREFIX

__all__ = ["DEFAULT_END", "HISTORY_DAYS", "DemoData", "EmergingIssue", "generate_demo_data"]

DEFAULT_END = date(2026, 10, 31)
HISTORY_DAYS = 548  # ~18 months of tickets
EMERGING_DAYS = 21  # the planted issue shows in the final three weeks
TIMEZONE = "Asia/Shanghai"
LABEL_COLUMNS = ("feedback_id", "fault_types", "primary_fault", "sentiment", "aspects")

_DAY = 86_400
_HOUR = 3_600

_FIDX = {code: i for i, code in enumerate(FAULT_CODES)}
NONE_SHARE = 0.06  # consultations and pure service requests without a product fault

# Relative ticket volume per product line; lines missing here weigh 1.
_LINE_VOLUME = {"空调": 3.0, "冰箱": 2.0, "洗衣机": 2.0, "热水器": 1.5, "电视": 1.5, "手机": 3.0, "笔记本": 1.5,
                "汽车": 1.2, "耳机": 1.2, "平板": 0.8, "智能门锁": 0.8, "燃气灶": 0.7, "微波炉": 0.6}
# (amplitude, peak day of year) of the yearly cycle: air conditioners in summer, heaters in winter.
_SEASON = {"空调": (0.45, 200), "冰箱": (0.25, 205), "热水器": (0.30, 15), "净水器": (0.15, 210),
           "手机": (0.12, 320), "笔记本": (0.10, 250)}

REGIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "华东": (0.28, ("上海服务中心", "杭州服务中心", "南京服务中心")),
    "华南": (0.20, ("广州服务中心", "深圳服务中心")),
    "华北": (0.16, ("北京服务中心", "天津服务中心")),
    "华中": (0.13, ("武汉服务中心", "长沙服务中心")),
    "西南": (0.11, ("成都服务中心", "重庆服务中心")),
    "西北": (0.06, ("西安服务中心",)),
    "东北": (0.06, ("沈阳服务中心", "哈尔滨服务中心")),
}
CHANNELS = ("电话", "在线", "App", "门店", "邮件", "社交媒体")
_CHANNEL_P = {"appliance": (0.45, 0.18, 0.17, 0.05, 0.04, 0.11), "electronics": (0.25, 0.25, 0.20, 0.18, 0.04, 0.08),
              "car": (0.30, 0.05, 0.10, 0.50, 0.02, 0.03)}
# Median first-response hours per channel (phone is answered at once, e-mail is read later).
_RESPONSE_MEDIAN_H = np.array([0.10, 0.30, 0.35, 0.08, 3.0, 1.0])
_NIGHT_QUEUE = np.array([False, True, True, False, True, True])  # channels nobody works at night

SEVERITIES = ("minor", "normal", "major", "critical")
_SEVERITY_P = {"safety": (0.0, 0.10, 0.45, 0.45), "power": (0.05, 0.45, 0.40, 0.10), "leak": (0.10, 0.45, 0.40, 0.05),
               "temperature": (0.10, 0.55, 0.30, 0.05), "software": (0.25, 0.55, 0.18, 0.02),
               "appearance": (0.60, 0.35, 0.05, 0.0), "accessory": (0.65, 0.33, 0.02, 0.0),
               "none": (0.70, 0.30, 0.0, 0.0)}
_SEVERITY_DEFAULT = (0.20, 0.55, 0.22, 0.03)
# Median resolution hours per fault; hard-to-diagnose faults take longer and fail first fixes more.
_RESOLUTION_MEDIAN_H = {"power": 11, "display": 14, "battery": 12, "noise": 14, "leak": 12, "temperature": 11,
                        "software": 5, "function": 14, "appearance": 16, "safety": 8, "accessory": 16,
                        "installation": 9, "none": 3}
_DIFFICULTY = {"noise": 0.5, "function": 0.4, "power": 0.3, "leak": 0.3, "temperature": 0.2, "software": -0.1,
               "display": 0.1, "safety": 0.2, "appearance": -0.4, "accessory": -0.6, "installation": 0.0,
               "battery": 0.0, "none": -0.8}
_NO_PARTS = frozenset({"software", "installation", "none"})
# Failure-age mixture per fault: P(early failure), P(wear-out); the rest is random in the useful life.
_AGE_MIX = {"installation": (0.85, 0.02), "accessory": (0.90, 0.0), "appearance": (0.60, 0.05),
            "battery": (0.12, 0.45), "none": (0.30, 0.10)}
_AGE_MIX_DEFAULT = (0.28, 0.22)
_WARRANTY_DAYS = {"appliance": 365, "electronics": 365, "car": 3 * 365}

METHODS = ("phone", "sms", "wechat", "email", "visit")
_METHOD_P = np.array([0.60, 0.15, 0.15, 0.05, 0.05])
_REACH_P = np.array([0.80, 0.35, 0.55, 0.25, 0.95])
_PARTIAL_SCORES = np.array([False, True, False, True, False])  # short channels often give one score only

# Chinese New Year's Day; the seven-day Spring Festival holiday starts the day before.
_SPRING_FESTIVAL = {2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29),
                    2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23),
                    2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8)}


@dataclass(frozen=True)
class EmergingIssue:
    """The planted emerging problem: ``fault_type`` in ``product_model`` rises ``factor``× from ``start``."""

    product_line: str
    product_model: str
    fault_type: str
    start: date
    factor: float


@dataclass
class DemoData:
    """The four canonical tables, the gold labels of every text, and the planted issue.

    ``labels`` is keyed by ``feedback_id``: the ids of ``feedback`` rows and, for the
    follow-up notes, ``followup:<followup_id>`` — the id the store gives the feedback
    row it makes from a note. ``seed`` and ``end`` are the arguments that made the data.
    """

    tickets: pd.DataFrame
    feedback: pd.DataFrame
    followups: pd.DataFrame
    orders: pd.DataFrame
    labels: pd.DataFrame
    emerging: EmergingIssue
    seed: int = 0
    end: date = DEFAULT_END


def generate_demo_data(n_tickets: int = 20_000, *, seed: int = 0, end: date | None = None) -> DemoData:
    """Generate ~18 months of linked tickets, feedback, follow-ups and orders ending on ``end``.

    Parameters
    ----------
    n_tickets:
        Exact number of ticket rows (at least 200); the other tables scale with it
        (about 0.8 follow-up attempts, 0.5 texts and 3.5 orders per ticket).
    seed:
        Everything, texts included, is a function of the seed.
    end:
        Last day of the history (default 2026-10-31); the emerging issue ends here.

    Raises ``ValueError`` for fewer than 200 tickets: below that the planted
    distributions (SLA, early failures, the emerging issue) are noise.
    """
    if n_tickets < 200:
        raise ConfigError(f"n_tickets={n_tickets} is too small; use at least 200")
    end = end or DEFAULT_END
    rng = np.random.default_rng(seed)
    world = _World.build(rng, end)
    tk = _tickets(rng, world, n_tickets)
    fu = _followups(rng, world, tk)
    orders, units = _orders(rng, world, tk, fu)
    texts = TextGenerator(int(rng.integers(2**31)))
    feedback, fb_labels = _feedback(rng, world, tk, orders, units, texts)
    followups, fu_labels = _followup_frame(fu, tk, world, texts)
    tickets = _ticket_frame(tk, world)
    labels = pd.concat([fb_labels, fu_labels], ignore_index=True)
    return DemoData(tickets=tickets, feedback=feedback, followups=followups, orders=orders, labels=labels,
                    emerging=world.emerging, seed=seed, end=end)


# --------------------------------------------------------------------------- world


@dataclass
class _World:
    """Fixed facts of the simulated company: calendar, catalogue, organisation."""

    end: date
    start: date
    end_s: int  # last second of the history, local wall-clock seconds since 1970
    lines: tuple[ProductLine, ...]
    line_p: np.ndarray
    model_line: np.ndarray  # model index -> line index
    model_name: np.ndarray
    model_p: np.ndarray  # within-line share of each model
    model_price: np.ndarray
    fault_p: np.ndarray  # lines x FAULT_CODES, rows sum to one
    holidays: np.ndarray  # day numbers (days since 1970) of public holidays
    region_names: tuple[str, ...]
    region_p: np.ndarray
    team_names: tuple[str, ...]
    team_region: np.ndarray
    team_speed: np.ndarray  # multiplicative factor on times, fixed per team
    engineer_ids: np.ndarray
    engineer_team: np.ndarray
    engineer_skill: np.ndarray
    emerging: EmergingIssue
    emerging_model: int
    emerging_fault: int

    @classmethod
    def build(cls, rng: np.random.Generator, end: date) -> _World:
        start = end - timedelta(days=HISTORY_DAYS - 1)
        lines = PRODUCT_LINES
        line_w = np.array([_LINE_VOLUME.get(p.name, 1.0) for p in lines])
        model_line, model_name, model_p, model_price = [], [], [], []
        for li, line in enumerate(lines):
            w = 0.75 ** np.arange(len(line.models))  # the first models sell best
            lo, hi = line.price_range
            for mi, name in enumerate(line.models):
                model_line.append(li)
                model_name.append(name)
                model_p.append(w[mi] / w.sum())
                frac = (mi + 0.5) / len(line.models)
                model_price.append(lo + (hi - lo) * frac)
        fault_p = np.zeros((len(lines), len(FAULT_CODES)))
        for li, line in enumerate(lines):
            for code, weight in line.fault_weights.items():
                fault_p[li, _FIDX[code]] = weight
            fault_p[li] = fault_p[li] / fault_p[li].sum() * (1 - NONE_SHARE)
            fault_p[li, _FIDX["none"]] = NONE_SHARE

        region_names = tuple(REGIONS)
        region_p = np.array([REGIONS[r][0] for r in region_names])
        region_p = region_p / region_p.sum()
        team_names, team_region = [], []
        for ri, region in enumerate(region_names):
            for team in REGIONS[region][1]:
                team_names.append(team)
                team_region.append(ri)
        n_teams = len(team_names)
        team_speed = np.exp(rng.normal(0, 0.25, n_teams))
        per_team = rng.integers(5, 11, n_teams)
        engineer_team = np.repeat(np.arange(n_teams), per_team)
        engineer_ids = np.array([f"E{1001 + i}" for i in range(len(engineer_team))])
        engineer_skill = rng.normal(0, 1, len(engineer_team))

        model_line_a = np.array(model_line)
        model_p_a = np.array(model_p)
        # The emerging issue: a common fault of a best-selling model of a high-volume line.
        top_lines = np.argsort(-line_w, kind="stable")[:4]
        li = int(rng.choice(top_lines))
        m = int(np.flatnonzero(model_line_a == li)[int(rng.integers(2))])
        top_faults = np.argsort(-fault_p[li], kind="stable")[:3]
        f = int(rng.choice(top_faults))
        placeholder = EmergingIssue(lines[li].name, model_name[m], FAULT_CODES[f],
                                    end - timedelta(days=EMERGING_DAYS - 1), 1.0)
        return cls(
            end=end, start=start, end_s=_day_number(end) * _DAY + _DAY - 1, lines=lines,
            line_p=line_w / line_w.sum(), model_line=model_line_a, model_name=np.array(model_name, dtype=object),
            model_p=model_p_a, model_price=np.array(model_price), fault_p=fault_p,
            holidays=_holidays(start.year - 6, end.year + 1), region_names=region_names, region_p=region_p,
            team_names=tuple(team_names), team_region=np.array(team_region), team_speed=team_speed,
            engineer_ids=engineer_ids, engineer_team=engineer_team, engineer_skill=engineer_skill,
            emerging=placeholder, emerging_model=m, emerging_fault=f,
        )

    @property
    def start_s(self) -> int:
        return _day_number(self.start) * _DAY

    def category(self, line_idx: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, np.array([p.category for p in self.lines], dtype=object)[line_idx])

    def is_holiday(self, secs: np.ndarray) -> np.ndarray:
        return np.isin(secs // _DAY, self.holidays)

    def is_weekend(self, secs: np.ndarray) -> np.ndarray:
        return ((secs // _DAY + 3) % 7) >= 5  # 1970-01-01 was a Thursday

    def day_weights(self, line: ProductLine) -> np.ndarray:
        """Relative ticket volume per day: slow growth, a yearly cycle, holiday dips."""
        days = np.arange(_day_number(self.start), _day_number(self.end) + 1)
        t = (days - days[0]) / len(days)
        amp, peak = _SEASON.get(line.name, (0.05, 180))
        doy = days % 365.25  # close enough to the day of year for a smooth yearly cycle
        w = (1 + 0.25 * t) * (1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25))
        weekend = ((days + 3) % 7) >= 5
        w = w * np.where(weekend, 1.1, 1.0) * np.where(np.isin(days, self.holidays), 0.6, 1.0)
        return cast(np.ndarray, w / w.sum())


def _day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _holidays(first_year: int, last_year: int) -> np.ndarray:
    days: list[int] = []
    for year in range(first_year, last_year + 1):
        days.append(_day_number(date(year, 1, 1)))
        days.extend(_day_number(date(year, 5, d)) for d in range(1, 6))
        days.extend(_day_number(date(year, 10, d)) for d in range(1, 8))
        if year in _SPRING_FESTIVAL:
            first = date(year, *_SPRING_FESTIVAL[year]) - timedelta(days=1)
            days.extend(_day_number(first) + k for k in range(8))
    return np.array(sorted(days), dtype=np.int64)


# --------------------------------------------------------------------------- tickets

_HOUR_P = np.array([1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3, 6, 9, 10, 9, 7, 7, 9, 9.5, 9, 8, 7, 7, 6.5, 5, 3.5, 2])
_HOUR_P = _HOUR_P / _HOUR_P.sum()


def _tickets(rng: np.random.Generator, world: _World, n: int) -> dict[str, np.ndarray]:
    """All ticket columns as arrays, in chronological order of ``created``."""
    # How many tickets the planted issue adds: its factor on the expected baseline, but at
    # least 16 so that it stands out even in a small sample.
    m, f = world.emerging_model, world.emerging_fault
    li = world.model_line[m]
    pair_p = world.line_p[li] * world.model_p[m] * world.fault_p[li, f]
    n_repeat = int(round(0.06 * n))
    baseline = (n - n_repeat) * pair_p * EMERGING_DAYS / HISTORY_DAYS
    n_emerging = max(16, int(round(4.0 * baseline)))
    factor = round(float(1 + n_emerging / max(baseline, 1e-9)), 1)
    world.emerging = replace(world.emerging, factor=factor)  # build() cannot know n
    n_primary = n - n_repeat - n_emerging

    # --- primary tickets: product, fault, creation time, failure age
    line = rng.choice(len(world.lines), n_primary, p=world.line_p)
    model = np.empty(n_primary, dtype=np.int64)
    fault = np.empty(n_primary, dtype=np.int64)
    day = np.empty(n_primary, dtype=np.int64)
    for li_, pl in enumerate(world.lines):
        sel = np.flatnonzero(line == li_)
        models = np.flatnonzero(world.model_line == li_)
        model[sel] = rng.choice(models, len(sel), p=world.model_p[models])
        fault[sel] = rng.choice(len(FAULT_CODES), len(sel), p=world.fault_p[li_])
        day[sel] = rng.choice(HISTORY_DAYS, len(sel), p=world.day_weights(pl))
    created = world.start_s + day * _DAY + _time_of_day(rng, n_primary)
    age = _failure_age(rng, fault)

    # --- the emerging issue: a batch of recently sold units failing in the final weeks
    e_created = world.end_s - rng.integers(0, EMERGING_DAYS * _DAY, n_emerging)
    e_created = e_created - e_created % _DAY + _time_of_day(rng, n_emerging)
    e_age = np.clip(rng.gamma(2.0, 30.0, n_emerging), 5, 180).astype(np.int64)

    base = {
        "line": np.concatenate([line, np.full(n_emerging, li)]),
        "model": np.concatenate([model, np.full(n_emerging, m)]),
        "fault": np.concatenate([fault, np.full(n_emerging, f)]),
        "created": np.concatenate([created, e_created]),
        "age": np.concatenate([age, e_age]),
    }
    nb = n_primary + n_emerging
    base["purchase_day"] = base["created"] // _DAY - base["age"]
    base["unit"] = np.arange(nb)
    base["repeat"] = np.zeros(nb, dtype=bool)
    base["region"] = rng.choice(len(world.region_names), nb, p=world.region_p)
    base["team"] = _pick_team(rng, world, base["region"])
    _service(rng, world, base)

    # --- repeat repairs: the same unit back within weeks, mostly with the same fault;
    # failed first fixes and reopened tickets come back far more often.
    eligible = (base["status"] >= 2) & (base["resolved"] >= 0) & (base["created"] < world.end_s - 75 * _DAY)
    weight = eligible * (1.0 + 5.0 * (base["ftf"] == 0) + 3.0 * (base["reopened"] > 0))
    parents = rng.choice(nb, n_repeat, replace=False, p=weight / weight.sum())
    rep = {k: v[parents].copy() for k, v in base.items()
           if k in ("line", "model", "fault", "unit", "region", "team", "purchase_day")}
    gap = rng.uniform(1, 45, n_repeat) * _DAY
    rep["created"] = base["resolved"][parents] + gap.astype(np.int64)
    rep["age"] = rep["created"] // _DAY - rep["purchase_day"]
    other = rng.random(n_repeat) < 0.2
    rep["fault"][other] = _faults_for_lines(rng, world, rep["line"][other])
    rep["repeat"] = np.ones(n_repeat, dtype=bool)
    _service(rng, world, rep)

    tk = {k: np.concatenate([base[k], rep[k]]) for k in base}
    order = np.argsort(tk["created"], kind="stable")
    tk = {k: v[order] for k, v in tk.items()}
    tk["customer"], n_customers = _customers_for_units(rng, tk["unit"], nb)
    tk["n_customers"] = np.array([n_customers])
    return tk


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(24, n, p=_HOUR_P) * _HOUR + rng.integers(0, _HOUR, n)


def _faults_for_lines(rng: np.random.Generator, world: _World, line: np.ndarray) -> np.ndarray:
    out = np.empty(len(line), dtype=np.int64)
    for li in np.unique(line):
        sel = np.flatnonzero(line == li)
        out[sel] = rng.choice(len(FAULT_CODES), len(sel), p=world.fault_p[li])
    return out


def _failure_age(rng: np.random.Generator, fault: np.ndarray) -> np.ndarray:
    """Days from purchase to failure: early-failure peak, random middle, wear-out tail."""
    early_p = np.array([_AGE_MIX.get(c, _AGE_MIX_DEFAULT)[0] for c in FAULT_CODES])[fault]
    wear_p = np.array([_AGE_MIX.get(c, _AGE_MIX_DEFAULT)[1] for c in FAULT_CODES])[fault]
    u = rng.random(len(fault))
    # Truncated exponential on [0, 90): most early failures happen in the first weeks.
    scale = 25.0
    early = -scale * np.log1p(-rng.random(len(fault)) * (1 - np.exp(-90 / scale)))
    middle = rng.uniform(0, 1100, len(fault))
    wear = rng.gamma(6.0, 130.0, len(fault))
    age = np.where(u < early_p, early, np.where(u < early_p + wear_p, wear, middle))
    return age.astype(np.int64)


def _pick_team(rng: np.random.Generator, world: _World, region: np.ndarray) -> np.ndarray:
    n_in_region = np.bincount(world.team_region, minlength=len(world.region_names))
    first = np.searchsorted(world.team_region, np.arange(len(world.region_names)))
    return cast(np.ndarray, first[region] + (rng.random(len(region)) * n_in_region[region]).astype(np.int64))


def _customers_for_units(rng: np.random.Generator, unit: np.ndarray, n_units: int) -> tuple[np.ndarray, int]:
    """Owner of each ticket's unit, and the number of customers including those who never had a ticket.

    Most units belong to a customer of their own; about one in eight belongs to a
    customer who already owns another one (households with several appliances).
    """
    new = rng.random(n_units) >= 0.12
    new[0] = True
    seen = np.cumsum(new)
    owner = np.where(new, seen - 1, (rng.random(n_units) * seen).astype(np.int64))
    n_customers = int(seen[-1]) + int(round(0.9 * n_units))
    return owner[unit], n_customers


def _service(rng: np.random.Generator, world: _World, t: dict[str, np.ndarray]) -> None:
    """Fill in the service process of tickets whose product, fault, time and team are known.

    Status codes in ``t["status"]``: 0 open, 1 in_progress, 2 resolved, 3 closed,
    4 cancelled. Times are wall-clock seconds; -1 means absent.
    """
    n = len(t["created"])
    created, fault = t["created"], t["fault"]
    cat = world.category(t["line"])
    codes = np.array(FAULT_CODES, dtype=object)[fault]
    off_hours = world.is_weekend(created) | world.is_holiday(created)
    holiday = world.is_holiday(created)

    # Engineer: uniform within the team.
    first_eng = np.searchsorted(world.engineer_team, np.arange(len(world.team_names)))
    n_eng = np.bincount(world.engineer_team, minlength=len(world.team_names))
    eng = first_eng[t["team"]] + (rng.random(n) * n_eng[t["team"]]).astype(np.int64)
    skill = world.engineer_skill[eng]
    speed = world.team_speed[t["team"]]

    # Channel, by product category.
    channel = np.empty(n, dtype=np.int64)
    for c, p in _CHANNEL_P.items():
        sel = np.flatnonzero(cat == c)
        channel[sel] = rng.choice(len(CHANNELS), len(sel), p=p)

    # Severity, by fault.
    severity = np.empty(n, dtype=np.int64)
    for code in FAULT_CODES:
        sel = np.flatnonzero(codes == code)
        severity[sel] = rng.choice(4, len(sel), p=_SEVERITY_P.get(code, _SEVERITY_DEFAULT))

    # First response: lognormal around the channel's median; queued at night, slower off days.
    hour = (created % _DAY) / _HOUR
    night_wait = np.where(hour >= 20, 24 - hour + 8.5, np.where(hour < 8, 8.5 - hour, 0.0))
    resp_h = _RESPONSE_MEDIAN_H[channel] * speed * np.exp(rng.normal(0, 1.0, n))
    resp_h = resp_h * np.where(off_hours, 1.8, 1.0) * np.where(holiday, 2.0, 1.0)
    resp_h = resp_h + np.where(_NIGHT_QUEUE[channel], night_wait, 0.0)
    # The newest tickets partly still wait in the queue at the end of the history.
    queued = (created > world.end_s - 2 * _DAY) & (rng.random(n) < 0.3)
    resp_h = resp_h + queued * rng.uniform(24, 72, n)
    response = created + np.maximum(60, resp_h * _HOUR).astype(np.int64)

    # First-time fix: skill helps, hard faults and repeat visits hurt.
    difficulty = np.array([_DIFFICULTY[c] for c in FAULT_CODES])[fault]
    logit = 1.9 + 0.75 * skill - difficulty - 0.7 * t["repeat"]
    ftf = rng.random(n) < 1 / (1 + np.exp(-logit))
    p_reopen = np.where(ftf, 0.03, 0.22) + 0.05 * t["repeat"]
    reopened = np.where(rng.random(n) < p_reopen, 1 + (rng.random(n) < 0.2), 0)

    price = world.model_price[t["model"]] * rng.uniform(0.85, 1.0, n)
    needs_parts = ~np.isin(codes, tuple(_NO_PARTS)) & (rng.random(n) < 0.65)
    parts_wait = needs_parts & (rng.random(n) < 0.06)

    # Resolution: lognormal around the fault's median, longer for cars and mail-in
    # electronics, slower teams and weaker engineers, failed fixes, reopenings and
    # parts out of stock.
    med = np.array([_RESOLUTION_MEDIAN_H[c] for c in FAULT_CODES])[fault]
    med = med * np.where(cat == "car", 1.4, np.where(cat == "electronics", 1.2, 1.0))
    med = med * np.where(severity == 3, 0.6, np.where(severity == 2, 1.1, 1.0))
    res_h = 0.85 * med * speed * np.exp(-0.2 * skill + rng.normal(0, 0.8, n))
    res_h = res_h * np.where(off_hours, 1.3, 1.0) * np.where(holiday, 1.6, 1.0)
    res_h = res_h + ~ftf * rng.lognormal(np.log(24), 0.6, n) + reopened * rng.lognormal(np.log(40), 0.6, n)
    res_h = res_h + parts_wait * rng.uniform(48, 240, n)
    stuck = rng.random(n) < 0.004  # a few tickets get stuck for weeks (backlog that ages)
    res_h = res_h * np.where(stuck, rng.uniform(10, 40, n), 1.0)
    resolved = np.maximum(response + 600, created + (res_h * _HOUR).astype(np.int64))
    closed = resolved + (rng.lognormal(np.log(20), 0.9, n) * _HOUR).astype(np.int64)

    cancelled = rng.random(n) < 0.025
    end_s = world.end_s
    status = np.full(n, 3)
    status[closed > end_s] = 2
    status[resolved > end_s] = 1
    status[(resolved > end_s) & (response > end_s)] = 0
    status[cancelled] = 4
    cancel_at = created + (rng.lognormal(np.log(6), 0.8, n) * _HOUR).astype(np.int64)
    cancel_at = np.minimum(cancel_at, end_s)
    done = (status == 2) | (status == 3)

    response = np.where(response > end_s, -1, response)
    response = np.where(cancelled & (response > cancel_at), -1, response)
    resolved = np.where(done, resolved, -1)
    closed = np.where(status == 3, closed, np.where(cancelled, cancel_at, -1))
    # Unassigned open tickets have no engineer yet.
    eng = np.where((status == 0) & (rng.random(n) < 0.7), -1, eng)

    # Visits: on-site service for appliances and cars; electronics are mostly mailed in.
    remote_fault = np.isin(codes, ("software", "none"))
    onsite = np.where(cat == "electronics", rng.random(n) < 0.15, ~(remote_fault & (rng.random(n) < 0.6)))
    extra = (~ftf) * (1 + (rng.random(n) < 0.3)) + reopened
    visits = np.where(onsite, 1 + extra, 0)
    visits = np.where(done, visits, np.where(status == 1, onsite.astype(np.int64), 0))
    reopened = np.where(done, reopened, 0)

    # Returns: mostly within the first two weeks (7-day return, 15-day exchange) or after failed fixes.
    p_ret = 0.008 + 0.12 * (t["age"] <= 15) + 0.03 * ~ftf + 0.03 * (reopened > 0)
    returned = done & (rng.random(n) < p_ret) & ~np.isin(codes, ("none", "installation"))

    # Complaints: long waits, failed fixes, reopenings, repeats and returns escalate.
    hours_open = (np.where(done, resolved, end_s) - created) / _HOUR
    resp_hours = (np.where(response >= 0, response, end_s) - created) / _HOUR
    logit = (-3.4 + 0.9 * (hours_open > 48) + 0.9 * (reopened > 0) + 0.6 * (~ftf & done) + 0.5 * (severity >= 2)
             + 0.8 * t["repeat"] + 0.6 * (resp_hours > 4) + 0.8 * returned + 0.8 * (codes == "none")
             - 0.2 * skill)
    complaint = rng.random(n) < 1 / (1 + np.exp(-logit))

    # Costs (¥): labour per visit or remote handling, parts as a share of the product
    # price, logistics for mail-in and returns, and occasional other costs.
    is_car = cat == "car"
    labor = np.where(visits > 0, visits * rng.uniform(60, 160, n), rng.uniform(10, 45, n))
    labor = np.where(is_car, rng.uniform(200, 1500, n) * np.maximum(visits, 1), labor)
    share = np.where(is_car, rng.beta(1.2, 80, n), rng.beta(1.5, 16, n))
    material = np.where(needs_parts, np.maximum(20, price * share), 0.0)
    material = np.where(returned, 0.0, material)
    logistics = np.where(cat == "electronics", rng.uniform(12, 30, n) * 2, np.where(needs_parts,
                                                                                  rng.uniform(0, 40, n), 0.0))
    logistics = logistics + returned * rng.uniform(30, 250, n)
    other = np.where(rng.random(n) < 0.1, rng.uniform(20, 300, n), 0.0)
    warranty = np.array([_WARRANTY_DAYS[c] for c in cat])
    paid = (t["age"] > warranty) & ~returned
    revenue = np.where(paid, (labor + material) * rng.uniform(1.1, 1.5, n) + 50, 0.0)

    # Satisfaction as the customer would state it (the follow-up only samples it): worse
    # with long resolution, failed fixes, reopenings, repeats; better with skill.
    res_days = np.maximum(hours_open, 0.1) / 24
    z = (1.6 + 0.35 * skill - 0.55 * np.log1p(res_days) - 0.9 * ~ftf - 0.8 * reopened - 0.6 * t["repeat"]
         - 0.5 * complaint - 0.4 * (resp_hours > 4) + rng.normal(0, 0.75, n))

    t.update(engineer=eng, channel=channel, severity=severity, response=response, resolved=resolved,
             closed=closed, status=status, ftf=np.where(done, ftf.astype(np.int8), -1), reopened=reopened,
             visits=visits, returned=returned, complaint=complaint, labor=labor, material=material,
             logistics=logistics, other=other, revenue=revenue, latent=z, skill=skill, parts_wait=parts_wait,
             coded=_agent_coding(rng, world, t["line"], fault))


def _agent_coding(rng: np.random.Generator, world: _World, line: np.ndarray, fault: np.ndarray) -> np.ndarray:
    """The fault the agent coded: blank on ~30% of tickets, a wrong plausible fault on ~4%."""
    n = len(fault)
    coded = fault.copy()
    wrong = rng.random(n) < 0.04
    coded[wrong] = _faults_for_lines(rng, world, line[wrong])
    coded[rng.random(n) < 0.30] = -1
    return coded


def _ticket_frame(tk: dict[str, np.ndarray], world: _World) -> pd.DataFrame:
    n = len(tk["created"])
    done = (tk["status"] == 2) | (tk["status"] == 3)
    names = np.array([FAULT_NAMES_ZH[c] for c in FAULT_CODES], dtype=object)
    line_names = np.array([p.name for p in world.lines], dtype=object)
    cols: dict[str, object] = {
        "ticket_id": _ids("T", n, 8),
        "customer_id": _customer_ids(tk["customer"]),
        "created_at": _timestamps(tk["created"]),
        "first_response_at": _timestamps(tk["response"]),
        "resolved_at": _timestamps(tk["resolved"]),
        "closed_at": _timestamps(tk["closed"]),
        "status": np.array(["open", "in_progress", "resolved", "closed", "cancelled"], dtype=object)[tk["status"]],
        "channel": np.array(CHANNELS, dtype=object)[tk["channel"]],
        "product_line": line_names[tk["line"]],
        "product_model": world.model_name[tk["model"]],
        "serial_no": _serials(tk, world),
        "purchase_date": pd.to_datetime(tk["purchase_day"], unit="D"),
        "region": np.array(world.region_names, dtype=object)[tk["region"]],
        "engineer_id": _optional(world.engineer_ids, tk["engineer"]),
        "team": np.array(world.team_names, dtype=object)[tk["team"]],
        "fault_type": _optional(names, tk["coded"]),
        "severity": np.array(SEVERITIES, dtype=object)[tk["severity"]],
        "visits": tk["visits"],
        "first_time_fix": pd.array(np.where(tk["ftf"] >= 0, tk["ftf"] == 1, False), dtype="boolean"),
        "reopened": tk["reopened"],
        "is_complaint": tk["complaint"],
        "returned": tk["returned"],
    }
    frame = pd.DataFrame(cols)
    frame.loc[tk["ftf"] < 0, "first_time_fix"] = pd.NA
    for col, key in (("labor_cost", "labor"), ("material_cost", "material"), ("logistics_cost", "logistics"),
                     ("other_cost", "other"), ("revenue", "revenue")):
        frame[col] = pd.array(np.round(tk[key], 2), dtype="Float64")
        frame.loc[~done & (tk["status"] != 4), col] = pd.NA
        frame.loc[tk["status"] == 4, col] = 0.0
    frame["visits"] = frame["visits"].astype("Int64")
    frame["reopened"] = frame["reopened"].astype("Int64")
    return frame[list(TICKETS.column_names)]


# --------------------------------------------------------------------------- follow-ups


def _followups(rng: np.random.Generator, world: _World, tk: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Follow-up attempts after resolution: a second try for about half of the unreached."""
    n = len(tk["created"])
    done = (tk["status"] == 2) | (tk["status"] == 3)
    team_rate = 0.65 + 0.25 * (world.team_speed < 1.0)  # faster teams also call back more
    attempted = done & (rng.random(n) < team_rate[tk["team"]])
    idx = np.flatnonzero(attempted)
    first_at = tk["resolved"][idx] + (np.maximum(0.2, rng.lognormal(np.log(20), 0.8, len(idx))) * _HOUR).astype(
        np.int64)
    method = rng.choice(len(METHODS), len(idx), p=_METHOD_P)
    reached = rng.random(len(idx)) < _REACH_P[method]
    retry = ~reached & (rng.random(len(idx)) < 0.55)
    r_idx = idx[retry]
    r_at = first_at[retry] + (rng.uniform(20, 72, len(r_idx)) * _HOUR).astype(np.int64)
    r_method = np.where(rng.random(len(r_idx)) < 0.7, 0, 1)  # phone, else sms
    r_reached = rng.random(len(r_idx)) < _REACH_P[r_method]

    ticket = np.concatenate([idx, r_idx])
    at = _business_hours(rng, np.concatenate([first_at, r_at]))
    meth = np.concatenate([method, r_method])
    reach = np.concatenate([reached, r_reached])
    keep = at <= world.end_s
    ticket, at, meth, reach = ticket[keep], at[keep], meth[keep], reach[keep]
    order = np.argsort(at, kind="stable")
    ticket, at, meth, reach = ticket[order], at[order], meth[order], reach[order]
    m = len(ticket)

    z = tk["latent"][ticket] + rng.normal(0, 0.3, m)
    sat = np.digitize(z, [-1.5, -0.8, -0.1, 0.55]) + 1
    nps = np.clip(np.round(7.2 + 2.0 * z + rng.normal(0, 1.0, m)), 0, 10).astype(np.int64)
    skill = tk["skill"][ticket]
    ftf = tk["ftf"][ticket] == 1
    reopened = tk["reopened"][ticket]
    attitude = np.digitize(0.6 * z + 0.5 * skill + rng.normal(0, 0.6, m), [-1.6, -1.0, -0.3, 0.25]) + 1
    prof = np.digitize(0.6 * z + 0.4 * skill + 0.4 * ftf + rng.normal(0, 0.6, m), [-1.3, -0.7, 0.0, 0.6]) + 1
    effect = np.digitize(0.6 * z + 0.8 * ftf - 0.6 * reopened + rng.normal(0, 0.6, m), [-1.2, -0.6, 0.1, 0.7]) + 1
    partial = reach & _PARTIAL_SCORES[meth] & (rng.random(m) < 0.6)
    no_nps = ~reach | partial | (rng.random(m) < 0.05)
    return {
        "ticket": ticket, "at": at, "method": meth, "reached": reach,
        "satisfaction": np.where(reach, sat, -1), "nps": np.where(no_nps, -1, nps),
        "attitude": np.where(reach & ~partial, attitude, -1),
        "professionalism": np.where(reach & ~partial, prof, -1),
        "effectiveness": np.where(reach & ~partial, effect, -1),
        "has_note": rng.random(m) < 0.92,
    }


def _business_hours(rng: np.random.Generator, secs: np.ndarray) -> np.ndarray:
    """Move call-backs planned outside 9:00–20:00 to the next morning (nobody calls at 3 a.m.)."""
    hour = (secs % _DAY) // _HOUR
    day = secs // _DAY + (hour >= 20)
    morning = day * _DAY + 9 * _HOUR + rng.integers(0, 3 * _HOUR, len(secs))
    return np.where((hour < 9) | (hour >= 20), morning, secs)


def _followup_frame(fu: dict[str, np.ndarray], tk: dict[str, np.ndarray], world: _World,
                    texts: TextGenerator) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = len(fu["ticket"])
    ids = _ids("HF", m, 8)
    line_names = [p.name for p in world.lines]
    notes: list[str | None] = [None] * m
    labels: list[LabelledText] = []
    label_ids: list[str] = []
    for i in np.flatnonzero(fu["has_note"]):
        t = fu["ticket"][i]
        sat = int(fu["satisfaction"][i]) if fu["satisfaction"][i] > 0 else None
        # The customer considers the problem fixed unless the repair's effect was rated poorly.
        eff = fu["effectiveness"][i]
        resolved = bool(eff < 0 and (sat is None or sat >= 3) or eff >= 3)
        lt = texts.followup_note(line_names[tk["line"][t]], FAULT_CODES[tk["fault"][t]], reached=bool(fu["reached"][i]),
                                 resolved=resolved, satisfaction=sat)
        notes[i] = lt.text
        labels.append(lt)
        label_ids.append(FOLLOWUP_FEEDBACK_PREFIX + ids[i])
    frame = pd.DataFrame({
        "followup_id": ids,
        "ticket_id": _ids("T", len(tk["created"]), 8)[fu["ticket"]],
        "contacted_at": _timestamps(fu["at"]),
        "method": np.array(METHODS, dtype=object)[fu["method"]],
        "reached": fu["reached"],
        "satisfaction": _nullable_int(fu["satisfaction"]),
        "nps": _nullable_int(fu["nps"]),
        "attitude_score": _nullable_int(fu["attitude"]),
        "professionalism_score": _nullable_int(fu["professionalism"]),
        "effectiveness_score": _nullable_int(fu["effectiveness"]),
        "note": pd.array(notes, dtype="str"),
    })
    return frame[list(FOLLOWUPS.column_names)], _label_frame(label_ids, labels)


# --------------------------------------------------------------------------- orders


def _orders(rng: np.random.Generator, world: _World, tk: dict[str, np.ndarray],
            fu: dict[str, np.ndarray]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Purchases: one per ticketed unit, a first purchase for every other customer, and repurchases.

    Repurchases are drawn after the customer's last service experience and are far less
    likely after a bad one (complaint, reopening, return, low stated satisfaction), so
    repurchase and churn depend on service quality.
    """
    n_customers = int(tk["n_customers"][0])
    # Ticketed units: the first ticket of each unit carries its purchase.
    unit_ids, first = np.unique(tk["unit"], return_index=True)
    u_customer = tk["customer"][first]
    u_model = tk["model"][first]
    u_day = tk["purchase_day"][first]
    # Customers without a ticketed unit bought something in the three years to the end.
    has_unit = np.zeros(n_customers, dtype=bool)
    has_unit[u_customer] = True
    lonely = np.flatnonzero(~has_unit)
    end_day = _day_number(world.end)
    l_model = _random_models(rng, world, len(lonely))
    l_day = end_day - rng.integers(0, 3 * 365, len(lonely))

    # Experience per customer, from every ticket they had.
    bad_ticket = tk["complaint"] | (tk["reopened"] > 0) | tk["returned"] | (tk["latent"] < -0.8)
    good_ticket = (tk["latent"] > 0.55) & ~bad_ticket
    bad = np.bincount(tk["customer"], weights=bad_ticket, minlength=n_customers) > 0
    good = (np.bincount(tk["customer"], weights=good_ticket, minlength=n_customers) > 0) & ~bad
    last_event = np.full(n_customers, -1, dtype=np.int64)
    np.maximum.at(last_event, tk["customer"], np.maximum(tk["created"], tk["resolved"]) // _DAY)
    first_purchase = np.full(n_customers, end_day, dtype=np.int64)
    np.minimum.at(first_purchase, u_customer, u_day)
    first_purchase[lonely] = l_day
    anchor = np.maximum(first_purchase, last_event)
    rate = np.where(bad, 0.12, np.where(good, 0.75, 0.45))
    k = rng.poisson(rate)
    r_customer = np.repeat(np.arange(n_customers), k)
    r_day = np.repeat(anchor, k) + rng.exponential(220, len(r_customer)).astype(np.int64) + 3
    # A second repurchase comes after the first; spread them by their rank.
    rank = np.arange(len(r_customer)) - np.repeat(np.cumsum(k) - k, k)
    r_day = r_day + rank * rng.integers(30, 200, len(r_customer))
    keep = r_day <= end_day
    r_customer, r_day = r_customer[keep], r_day[keep]
    same_line = rng.random(len(r_customer)) < 0.4
    r_model = _random_models(rng, world, len(r_customer))
    prev_model = np.zeros(n_customers, dtype=np.int64)
    prev_model[u_customer] = u_model
    prev_model[lonely] = l_model
    r_model = np.where(same_line, _other_model_same_line(rng, world, prev_model[r_customer]), r_model)

    customer = np.concatenate([u_customer, lonely, r_customer])
    model = np.concatenate([u_model, l_model, r_model])
    day = np.concatenate([u_day, l_day, r_day])
    n = len(customer)
    line = world.model_line[model]
    cat = world.category(line)
    multi = np.isin(cat, ("electronics",)) & (rng.random(n) < 0.06)
    quantity = np.where(multi, 2, 1)
    quantity[: len(unit_ids)] = 1
    unit_price = world.model_price[model] * rng.uniform(0.85, 1.0, n)
    unit_price = np.where(unit_price > 10_000, np.round(unit_price, -2), np.round(unit_price, -2) - 1)
    secs = day * _DAY + rng.integers(9 * _HOUR, 22 * _HOUR, n)
    order = np.argsort(secs, kind="stable")
    line_names = np.array([p.name for p in world.lines], dtype=object)
    frame = pd.DataFrame({
        "order_id": _ids("O", n, 8),
        "customer_id": _customer_ids(customer[order]),
        "purchased_at": _timestamps(secs[order]),
        "product_line": line_names[line[order]],
        "product_model": world.model_name[model[order]],
        "quantity": pd.array(quantity[order], dtype="Int64"),
        "amount": pd.array(np.round(unit_price[order] * quantity[order], 2), dtype="Float64"),
    })
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    units = {"unit": unit_ids, "order_row": position[: len(unit_ids)]}
    return frame[list(ORDERS.column_names)], units


def _random_models(rng: np.random.Generator, world: _World, n: int) -> np.ndarray:
    p = world.line_p[world.model_line] * world.model_p
    return rng.choice(len(world.model_line), n, p=p / p.sum())


def _other_model_same_line(rng: np.random.Generator, world: _World, model: np.ndarray) -> np.ndarray:
    line = world.model_line[model]
    first = np.searchsorted(world.model_line, line)
    count = np.bincount(world.model_line)[line]
    return cast(np.ndarray, first + (rng.random(len(model)) * count).astype(np.int64))


# --------------------------------------------------------------------------- feedback


def _feedback(rng: np.random.Generator, world: _World, tk: dict[str, np.ndarray], orders: pd.DataFrame,
              units: dict[str, np.ndarray], texts: TextGenerator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complaint texts for complaint tickets (and problem descriptions for some others); reviews after purchases.

    Complaints about a ticket talk about its primary fault; the aspects hinted to the
    generator come from what went wrong in the ticket (late response, failed fix, fees…).
    """
    n = len(tk["created"])
    ticket_ids = _ids("T", n, 8)
    line_names = [p.name for p in world.lines]
    end_s = world.end_s

    # --- complaints
    wrote = tk["complaint"] | (rng.random(n) < 0.2)
    c_idx = np.flatnonzero(wrote)
    elapsed = np.where(tk["resolved"] >= 0, tk["resolved"], end_s) - tk["created"]
    c_at = tk["created"][c_idx] + (rng.random(len(c_idx)) * np.minimum(np.maximum(elapsed[c_idx], 600),
                                                                       72 * _HOUR)).astype(np.int64)
    c_at = np.minimum(c_at, end_s)
    resp_h = (np.where(tk["response"] >= 0, tk["response"], end_s) - tk["created"]) / _HOUR
    res_h = elapsed / _HOUR
    texts_out: list[_Text] = []
    for j, i in enumerate(c_idx):
        hints: list[str] = []
        if tk["complaint"][i]:  # a complaint names what went wrong; a plain problem report does not
            if resp_h[i] > 4 or res_h[i] > 72:
                hints.append("response")
            if tk["ftf"][i] == 0 or tk["reopened"][i] > 0:
                hints.append("professionalism")
            if tk["revenue"][i] > 0:
                hints.append("cost")
            if tk["returned"][i]:
                hints.append("logistics")
            if tk["parts_wait"][i]:
                hints.append("parts")
        lt = texts.complaint(line_names[tk["line"][i]], FAULT_CODES[tk["fault"][i]],
                             product_model=str(world.model_name[tk["model"][i]]), aspect_hints=tuple(hints))
        texts_out.append(_Text(lt, "complaint", int(c_at[j]), int(i), -1, -1))

    # --- reviews: some customers review a few days after buying; a unit that failed
    # early gets a review of that fault after its first ticket.
    first_ticket = np.full(int(tk["unit"].max()) + 1, -1, dtype=np.int64)
    first_ticket[tk["unit"][::-1]] = np.arange(n)[::-1]
    order_ticket = np.full(len(orders), -1, dtype=np.int64)
    order_ticket[units["order_row"]] = first_ticket[units["unit"]]
    purchased = _seconds(orders["purchased_at"])
    has_ticket = order_ticket >= 0
    t_of = np.where(has_ticket, order_ticket, 0)
    early = has_ticket & (tk["age"][t_of] <= 60)
    p_review = np.where(early, 0.35, 0.05)
    chosen = np.flatnonzero(rng.random(len(orders)) < p_review)
    r_at = np.where(early[chosen], tk["created"][t_of[chosen]], purchased[chosen])
    r_at = r_at + (rng.uniform(1, 20, len(chosen)) * _DAY).astype(np.int64)
    ok = (r_at <= end_s) & (r_at >= world.start_s)  # exports cover the ticket history only
    chosen, r_at = chosen[ok], r_at[ok]
    o_line = orders["product_line"].to_numpy(dtype=object)
    o_model = orders["product_model"].to_numpy(dtype=object)
    for j, o in enumerate(chosen):
        fault = FAULT_CODES[tk["fault"][order_ticket[o]]] if early[o] else None
        lt = texts.review(str(o_line[o]), primary_fault=fault, product_model=str(o_model[o]))
        ticket = int(order_ticket[o]) if early[o] else -1
        texts_out.append(_Text(lt, "review", int(r_at[j]), ticket, int(o), _rating_for(rng, lt.sentiment)))

    texts_out.sort(key=lambda x: x.at)  # stable: ties keep generation order
    customer_ids = _customer_ids(tk["customer"])
    o_customers = orders["customer_id"].to_numpy(dtype=object)
    channels = np.array(CHANNELS, dtype=object)
    review_channels = np.array(("京东", "天猫", "拼多多", "官方商城", "App"), dtype=object)
    fb_rows = []
    for pos, x in enumerate(texts_out):
        t = x.ticket
        if x.source == "complaint":
            cust, chan = customer_ids[t], channels[tk["channel"][t]]
            line, model = line_names[tk["line"][t]], world.model_name[tk["model"][t]]
        else:
            cust, line, model = o_customers[x.order], o_line[x.order], o_model[x.order]
            chan = review_channels[(x.order * 7 + pos) % len(review_channels)]
        fb_rows.append((x.labelled.text, x.source, x.at, ticket_ids[t] if t >= 0 else None, cust, chan, line, model,
                        x.rating))
    m = len(fb_rows)
    ids = _ids("FB", m, 8)
    cols: list[Sequence[Any]] = list(zip(*fb_rows, strict=True)) if fb_rows else [[] for _ in range(9)]
    frame = pd.DataFrame({
        "feedback_id": ids,
        "text": pd.array(cols[0], dtype="str"),
        "source": pd.array(cols[1], dtype="str"),
        "created_at": _timestamps(np.array(cols[2], dtype=np.int64)),
        "ticket_id": pd.array(cols[3], dtype="str"),
        "customer_id": pd.array(cols[4], dtype="str"),
        "channel": pd.array(cols[5], dtype="str"),
        "product_line": pd.array(cols[6], dtype="str"),
        "product_model": pd.array(cols[7], dtype="str"),
        "rating": _nullable_int(np.array(cols[8], dtype=np.int64)),
    })
    return frame[list(FEEDBACK.column_names)], _label_frame(list(ids), [x.labelled for x in texts_out])


@dataclass
class _Text:
    """One generated feedback text before it becomes a row (-1 for an absent ticket, order or rating)."""

    labelled: LabelledText
    source: str
    at: int
    ticket: int
    order: int
    rating: int


def _rating_for(rng: np.random.Generator, sentiment: str) -> int:
    if sentiment == "positive":
        return int(rng.choice([4, 5], p=[0.3, 0.7]))
    if sentiment == "negative":
        return int(rng.choice([1, 2, 3], p=[0.55, 0.35, 0.10]))
    return int(rng.choice([3, 4], p=[0.7, 0.3]))


def _label_frame(ids: list[str], labelled: list[LabelledText]) -> pd.DataFrame:
    return pd.DataFrame({
        "feedback_id": pd.array(ids, dtype="str"),
        "fault_types": pd.array([";".join(lt.fault_types) for lt in labelled], dtype="str"),
        "primary_fault": pd.array([lt.primary_fault for lt in labelled], dtype="str"),
        "sentiment": pd.array([lt.sentiment for lt in labelled], dtype="str"),
        "aspects": pd.array([";".join(lt.aspects) for lt in labelled], dtype="str"),
    }, columns=list(LABEL_COLUMNS))


# --------------------------------------------------------------------------- helpers


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _customer_ids(customer: np.ndarray) -> np.ndarray:
    return np.array([f"C{1_000_001 + c}" for c in customer.tolist()], dtype=object)


def _serials(tk: dict[str, np.ndarray], world: _World) -> np.ndarray:
    """Unit serial numbers; cars carry a 17-character VIN-like code."""
    cat = world.category(tk["line"])
    yy = (pd.to_datetime(tk["purchase_day"], unit="D").year % 100).to_numpy()
    out = []
    for c, line, y, u in zip(cat.tolist(), tk["line"].tolist(), yy.tolist(), tk["unit"].tolist(), strict=True):
        if c == "car":
            out.append(f"LVS{line:02d}{y:02d}A{u:09d}"[:17])
        else:
            out.append(f"SN{line:02d}{y:02d}{u:08d}")
    return np.array(out, dtype=object)


def _optional(values: np.ndarray, idx: np.ndarray) -> pd.Series:
    out = np.where(idx >= 0, values[np.maximum(idx, 0)], None)
    return pd.Series(out, dtype="str")


def _nullable_int(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Non-negative integers with -1 meaning absent, as a nullable Int64 array."""
    out = pd.array(values, dtype="Int64")
    out[values < 0] = pd.NA
    return out


def _timestamps(secs: np.ndarray) -> pd.Series:
    """Wall-clock seconds (-1 for absent) as tz-aware Asia/Shanghai timestamps."""
    naive = pd.to_datetime(np.where(secs >= 0, secs, 0), unit="s")
    out = pd.Series(naive).dt.tz_localize(TIMEZONE)
    return out.where(secs >= 0)


def _seconds(ts: pd.Series) -> np.ndarray:
    """Inverse of :func:`_timestamps` for present values."""
    naive = ts.dt.tz_localize(None)
    return cast(np.ndarray, (naive - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy().astype(np.int64))
