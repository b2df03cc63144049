"""Emerging issues: fault types and keywords whose mentions rise significantly above baseline.

**Windows.** The *current* window ends on the query's ``to`` date, or on the local date
of the newest feedback in scope; it starts on the query's ``from`` date, or ``L − 1``
days earlier where ``L`` is the length of ``query.period`` (default ``week``: day 1,
week 7, month 30, quarter 91 days). The *baseline* is the ``baseline_periods`` (K,
default :data:`BASELINE_PERIODS` = 8) windows of the same length just before it.

**Series.** Each fault type (``none`` excluded) over all products; each fault type
within each product model (a rise confined to one model drowns in the fault type's
total); each keyword stored with the predictions (``scores->'keywords'``). Counts per
window come from one SQL ``GROUP BY``.

**Test.** Conditional on the series' total ``n = c + b`` (current count ``c``, baseline
count ``b``), under "no rise" ``c ~ Binomial(n, π)`` with ``π = N_cur / (N_cur + N_base)``,
the share of all classified texts in scope that fall in the current window — the
exact test for comparing two Poisson rates, which also allows for the baseline's own
noise and for changes of overall volume (a quieter week, a partial last week).
``p = P(X ≥ c)``; ``expected = n·π``. Series with ``n`` below ``min_count`` are not
tested (this filter does not depend on ``c`` given ``n``, so it does not bias the
test); the p-values are adjusted with Benjamini–Hochberg within each kind (the fault
type series form one family, the keyword series another, so the many keywords do not
dilute the fault types).
A series is an emerging issue when ``q ≤ alpha``, ``c ≥ min_count`` and
``c ≥ min_ratio × expected``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from feedback_nlp.query import Query, QueryError, day_bounds
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.themes._scope import TIME_COLUMN, Scope, scope_for
from feedback_nlp.themes.keywords import default_stopwords, is_theme_word

#: Baseline windows before the current one (K).
BASELINE_PERIODS = 8
#: Window length per period name, in days.
PERIOD_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30, "quarter": 91}
#: Product models listed as evidence per issue.
N_PRODUCT_MODELS = 5
KINDS = ("fault_type", "keyword")


@dataclass(frozen=True)
class ModelEvidence:
    """Mentions of an issue in one product model: now, and per baseline window on average."""

    product_model: str
    count: int
    baseline_mean: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EmergingIssue:
    """One series that rose significantly. ``product_model`` is set when the series is one
    fault type within one product model; ``None`` means all products in scope."""

    kind: str
    key: str
    name: str
    product_model: str | None
    period_start: date
    period_end: date
    count: int
    baseline_periods: int
    baseline_count: int
    baseline_mean: float
    expected: float
    ratio: float | None
    p_value: float
    q_value: float
    product_models: list[ModelEvidence] = field(default_factory=list)
    #: Newest texts of the current window behind the rise (unmasked here; ``mask_examples`` masks them).
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["period_start"] = self.period_start.isoformat()
        out["period_end"] = self.period_end.isoformat()
        out["product_models"] = [m.to_dict() for m in self.product_models]
        return out


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def rise_p_values(current: np.ndarray, baseline: np.ndarray, share_current: float) -> np.ndarray:
    """``P(X ≥ current)`` for ``X ~ Binomial(current + baseline, share_current)``, per series."""
    from scipy.stats import binom

    c = np.asarray(current, dtype=np.int64)
    n = c + np.asarray(baseline, dtype=np.int64)
    return np.asarray(binom.sf(c - 1, n, share_current), dtype=float)


@dataclass(frozen=True)
class _Windows:
    start: date
    end: date  # inclusive
    days: int
    k: int

    @property
    def first(self) -> date:
        return self.start - timedelta(days=self.days * self.k)


def _windows(store: Store, scope: Scope, query: Query, baseline_periods: int) -> _Windows | None:
    period = query.period or "week"
    if period not in PERIOD_DAYS:
        raise QueryError(f"period {period!r}: expected one of {', '.join(PERIOD_DAYS)}")
    end = query.end
    if end is None:
        where, params = scope.where_sql(*query.bounds(store.timezone))
        with store.reader() as db:
            last = db.scalar(f"SELECT CAST(timezone({_tz_literal(store.timezone)}, max({TIME_COLUMN})) AS DATE) "
                             f"FROM {scope.from_sql()} WHERE {where}", params)  # fmt: skip
        if last is None:
            return None
        end = last
    start = query.start or end - timedelta(days=PERIOD_DAYS[period] - 1)
    if start > end:
        return None
    return _Windows(start, end, (end - start).days + 1, baseline_periods)


def _tz_literal(timezone: str) -> str:
    if "'" in timezone:
        raise QueryError(f"bad time zone {timezone!r}")
    return f"'{timezone}'"


def _counts(store: Store, scope: Scope, win: _Windows) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Mentions per window (0 = current, 1..K = baseline): fault series, keyword series, totals."""
    tz = store.timezone
    lo = day_bounds(win.first, win.end, tz)  # the baselines may start before MIN_DATE
    where, params = scope.where_sql(*lo)
    window_sql = (f"date_diff('day', CAST(timezone({_tz_literal(tz)}, {TIME_COLUMN}) AS DATE), ?::DATE) "
                  f"// {win.days}")
    base = f"""
        WITH base AS MATERIALIZED (
          SELECT p.fault_types, p.scores, coalesce(f.product_model, '') AS product_model,
                 CAST({window_sql} AS INTEGER) AS w
          FROM {scope.from_sql()} WHERE {where}
        )
    """
    base_params = [win.end, *params]
    with store.reader() as db:
        totals = db.rows(f"{base} SELECT w, count(*) FROM base GROUP BY w", base_params)
        faults = db.frame(
            f"""{base}
            SELECT ft AS key, product_model, w, count(*) AS n
            FROM (SELECT unnest(fault_types) AS ft, product_model, w FROM base)
            GROUP BY GROUPING SETS ((ft, w), (ft, product_model, w))
            """, base_params,
        )
        keywords = db.frame(
            f"""{base}
            SELECT kw AS key, product_model, w, count(*) AS n
            FROM (SELECT unnest(CAST(json_extract(scores, '$.keywords') AS VARCHAR[])) AS kw, product_model, w
                  FROM base)
            GROUP BY GROUPING SETS ((kw, w), (kw, product_model, w))
            """, base_params,
        )
    per_window = np.zeros(win.k + 1, dtype=np.int64)
    for w, n in totals:
        if 0 <= int(w) <= win.k:
            per_window[int(w)] = int(n)
    return faults, keywords, per_window


def _series(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """One row per series (key, product_model; NaN model = all products): current and baseline count."""
    if frame.empty:
        return pd.DataFrame(columns=["key", "product_model", "current", "baseline"])
    frame = frame.assign(current=np.where(frame["w"] == 0, frame["n"], 0),
                         baseline=np.where((frame["w"] >= 1) & (frame["w"] <= k), frame["n"], 0))
    keyed = frame.assign(product_model=frame["product_model"].fillna("\0all"))
    out = keyed.groupby(["key", "product_model"], sort=True)[["current", "baseline"]].sum().reset_index()
    out["product_model"] = out["product_model"].replace("\0all", None)
    return out


def emerging_issues(
    store: Store,
    query: Query,
    *,
    model: str | None = None,
    active: str | None = None,
    baseline_periods: int = BASELINE_PERIODS,
    min_count: int = 5,
    min_ratio: float = 1.5,
    alpha: float = 0.05,
    kinds: tuple[str, ...] = KINDS,
    per_model: bool = True,
    taxonomy: Taxonomy | None = None,
    n_examples: int = 3,
) -> list[EmergingIssue]:
    """Series whose count in the current window rises significantly over the baseline; strongest first.

    See the module docstring for the windows and the test. Sorted by q-value, then
    p-value, then the size of the rise.

    Args:
        store: the store holding feedback and predictions.
        query: filters; ``to``/``from`` fix the current window, ``period`` its length.
        model: ``name@version`` whose predictions to read (None: active, else newest).
        baseline_periods: K, baseline windows before the current one.
        min_count: fewest mentions a series needs (in the current window) to be flagged,
            and in current + baseline to be tested at all.
        min_ratio: smallest ``count / expected`` flagged (an effect size floor: with
            millions of rows tiny rises are "significant" too).
        alpha: false discovery rate (Benjamini–Hochberg) within each kind of series.
        kinds: which series kinds to test (``fault_type``, ``keyword``).
        per_model: also test each fault type within each product model.
        taxonomy: for the Chinese names of fault types (default: the shipped one).
        n_examples: newest texts of the current window behind each issue (the 20 strongest get them).

    Raises:
        PredictionsError: no stored predictions (run ``feedback-nlp classify-store``).
        QueryError: bad period, kind or filter.
    """
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or baseline_periods < 1:
        raise QueryError(f"kinds {unknown} / baseline_periods {baseline_periods}: expected kinds from "
                         f"{', '.join(KINDS)} and at least one baseline period")
    scope = scope_for(store, query, model, active)
    win = _windows(store, scope, query, baseline_periods)
    if win is None:
        return []
    faults, keywords, per_window = _counts(store, scope, win)
    n_cur, n_base = int(per_window[0]), int(per_window[1:].sum())
    if n_cur == 0 or n_base == 0:
        return []  # no baseline (or nothing now): nothing can be said to rise
    pi = n_cur / (n_cur + n_base)
    taxonomy = taxonomy or Taxonomy.default()
    stopwords = default_stopwords()

    candidates: list[pd.DataFrame] = []
    fault_series = _series(faults, win.k)
    keyword_series = _series(keywords, win.k)
    if "fault_type" in kinds and not fault_series.empty:
        s = fault_series[fault_series["key"] != "none"]
        if not per_model:
            s = s[s["product_model"].isna()]
        candidates.append(s.assign(kind="fault_type"))
    if "keyword" in kinds and not keyword_series.empty:
        s = keyword_series[keyword_series["product_model"].isna()]
        s = s[[is_theme_word(str(w), stopwords) for w in s["key"]]]
        candidates.append(s.assign(kind="keyword"))
    if not candidates:
        return []
    tested = pd.concat(candidates, ignore_index=True)
    tested = tested[(tested["current"] + tested["baseline"]) >= min_count].reset_index(drop=True)
    if tested.empty:
        return []
    tested["p"] = rise_p_values(tested["current"].to_numpy(), tested["baseline"].to_numpy(), pi)
    tested["q"] = 1.0
    for kind in tested["kind"].unique():  # one family per kind: fault series and keyword series
        rows = tested["kind"] == kind
        tested.loc[rows, "q"] = benjamini_hochberg(tested.loc[rows, "p"].to_numpy())
    tested["expected"] = (tested["current"] + tested["baseline"]) * pi
    hits = tested[(tested["q"] <= alpha) & (tested["current"] >= min_count)
                  & (tested["current"] >= min_ratio * tested["expected"])]
    issues = [_issue(row, win, taxonomy, fault_series, keyword_series) for row in hits.itertuples(index=False)]
    issues.sort(key=lambda i: (i.q_value, i.p_value, -(i.count - i.expected), i.kind, i.key, i.product_model or ""))
    _add_examples(store, scope, win, issues[:MAX_WITH_EXAMPLES], n_examples)
    return issues


#: Issues (strongest first) that get example texts: one small query each.
MAX_WITH_EXAMPLES = 20


def _add_examples(store: Store, scope: Scope, win: _Windows, issues: list[EmergingIssue], n: int) -> None:
    """The newest ``n`` texts of the current window that carry each issue's fault type (or keyword)."""
    if n <= 0 or not issues:
        return
    where, params = scope.where_sql(*day_bounds(win.start, win.end, store.timezone))
    with store.reader() as db:
        for issue in issues:
            if issue.kind == "fault_type":
                match, args = "list_contains(p.fault_types, ?)", [issue.key]
            else:
                match = "list_contains(CAST(json_extract(p.scores, '$.keywords') AS VARCHAR[]), ?)"
                args = [issue.key]
            if issue.product_model is not None:
                match += " AND coalesce(f.product_model, '') = ?"
                args.append(issue.product_model)
            rows = db.rows(f"SELECT f.text FROM {scope.from_sql()} WHERE {where} AND {match} "
                           f"ORDER BY {TIME_COLUMN} DESC, f.feedback_id LIMIT ?", [*params, *args, n])
            issue.examples = [str(r[0]) for r in rows]


def _issue(row: Any, win: _Windows, taxonomy: Taxonomy, fault_series: pd.DataFrame,
           keyword_series: pd.DataFrame) -> EmergingIssue:
    kind, key = str(row.kind), str(row.key)
    model = None if row.product_model is None or pd.isna(row.product_model) else str(row.product_model)
    if kind == "fault_type":
        try:
            name = taxonomy.name_zh("fault_types", key)
        except (KeyError, ValueError):
            name = key
    else:
        name = key
    series = fault_series if kind == "fault_type" else keyword_series
    by_model = series[(series["key"] == key) & series["product_model"].notna() & (series["current"] > 0)]
    if model is not None:
        by_model = by_model[by_model["product_model"] == model]
    by_model = by_model.sort_values(["current", "product_model"], ascending=[False, True]).head(N_PRODUCT_MODELS)
    evidence = [ModelEvidence(str(m) or "(unknown)", int(c), round(b / win.k, 3))
                for m, c, b in by_model[["product_model", "current", "baseline"]].itertuples(index=False)]
    count, baseline = int(row.current), int(row.baseline)
    return EmergingIssue(
        kind=kind, key=key, name=name, product_model=(model or "(unknown)") if model is not None else None,
        period_start=win.start, period_end=win.end, count=count, baseline_periods=win.k, baseline_count=baseline,
        baseline_mean=round(baseline / win.k, 3), expected=round(float(row.expected), 3),
        ratio=round(count / row.expected, 3) if row.expected > 0 else None,
        p_value=float(row.p), q_value=float(row.q), product_models=evidence,
    )  # fmt: skip
