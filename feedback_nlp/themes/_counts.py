"""One pass over the scope: mentions, negatives and scores per fault type, now and before.

All counting happens in DuckDB (``UNNEST(fault_types) … GROUP BY``); Python only
receives one row per fault type plus one row of totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feedback_nlp.store import Store
from feedback_nlp.themes._scope import TIME_COLUMN, Scope

#: Each feedback text's satisfaction (1–5) and NPS answer (0–10): its own star rating,
#: else the latest answer given in a follow-up of its ticket. A follow-up note's
#: feedback row carries no rating, so it takes its ticket's follow-up answers. Only
#: answered follow-ups are aggregated (the others change no ticket's answer).
_SCORES_SQL = """
SELECT ticket_id,
       arg_max(satisfaction, contacted_at) FILTER (WHERE satisfaction IS NOT NULL) AS sat,
       arg_max(nps, contacted_at) FILTER (WHERE nps IS NOT NULL) AS nps
FROM followups WHERE satisfaction IS NOT NULL OR nps IS NOT NULL GROUP BY ticket_id
"""


@dataclass(frozen=True)
class Aggregate:
    """Counts of one fault type (or of all classified texts) in the current window."""

    n: int = 0
    n_negative: int = 0
    n_previous: int = 0
    n_sat: int = 0
    sum_sat: float = 0.0
    n_nps: int = 0
    n_promoters: int = 0
    n_detractors: int = 0


def window_counts(store: Store, scope: Scope, lo: datetime | None, hi: datetime | None,
                  previous_lo: datetime | None, *, scores: bool = True) -> tuple[dict[str, Aggregate], Aggregate]:
    """Per fault type and in total: counts in ``[lo, hi)`` and mentions in ``[previous_lo, lo)``.

    ``previous_lo`` None means no previous window (``n_previous`` stays 0). With
    ``scores`` False the satisfaction/NPS columns are not joined (cheaper).
    """
    where, params = scope.where_sql(previous_lo if previous_lo is not None else lo, hi)
    cur = f"{TIME_COLUMN} >= ?" if previous_lo is not None else "TRUE"
    cur_params = [lo] if previous_lo is not None else []
    if scores:
        score_cols = "coalesce(f.rating, s.sat) AS sat, s.nps AS nps"
        score_join = f"LEFT JOIN ({_SCORES_SQL}) s ON s.ticket_id = f.ticket_id"
    else:
        score_cols, score_join = "NULL::DOUBLE AS sat, NULL::INTEGER AS nps", ""
    aggs = """
        count(*) FILTER (WHERE cur), count(*) FILTER (WHERE cur AND neg), count(*) FILTER (WHERE NOT cur),
        count(sat) FILTER (WHERE cur), coalesce(sum(sat) FILTER (WHERE cur), 0),
        count(nps) FILTER (WHERE cur), count(*) FILTER (WHERE cur AND nps >= 9),
        count(*) FILTER (WHERE cur AND nps <= 6)
    """
    sql = f"""
        WITH base AS MATERIALIZED (
          SELECT p.fault_types, p.sentiment = 'negative' AS neg, {cur} AS cur, {score_cols}
          FROM {scope.from_sql()} {score_join}
          WHERE {where}
        )
        SELECT ft, {aggs} FROM (SELECT unnest(fault_types) AS ft, cur, neg, sat, nps FROM base) GROUP BY ft
        UNION ALL
        SELECT NULL, {aggs} FROM base
    """
    con = store.cursor()
    try:
        rows = con.execute(sql, [*cur_params, *params]).fetchall()
    finally:
        con.close()
    per_theme: dict[str, Aggregate] = {}
    total = Aggregate()
    for row in rows:
        agg = Aggregate(*(int(v) for v in row[1:4]), int(row[4]), float(row[5]), *(int(v) for v in row[6:9]))
        if row[0] is None:
            total = agg
        else:
            per_theme[str(row[0])] = agg
    return per_theme, total
