"""One pass over the scope: mentions, negatives and scores per fault type, now and before.

All counting happens in DuckDB (``UNNEST(fault_types) … GROUP BY``); Python only
receives one row per fault type plus one row of totals — and, when asked, the sampled
texts of each fault type, picked in the same statement (see :func:`window_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

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


#: Hash buckets of the text sample: a text is sampled for a fault type when
#: ``hash(feedback_id) % HASH_MOD`` is among the type's ``sample_size`` lowest.
HASH_MOD = 1_000_003
SAMPLE_COLUMNS = ["ft", "feedback_id", "text", "sentiment", "primary_fault", "keywords", "product_line", "h"]


def window_counts(store: Store, scope: Scope, lo: datetime | None, hi: datetime | None,
                  previous_lo: datetime | None, *, scores: bool = True) -> tuple[dict[str, Aggregate], Aggregate]:
    """Per fault type and in total: counts in ``[lo, hi)`` and mentions in ``[previous_lo, lo)``.

    ``previous_lo`` None means no previous window (``n_previous`` stays 0). With
    ``scores`` False the satisfaction/NPS columns are not joined (cheaper).
    """
    per_theme, total, _ = window_counts_and_sample(store, scope, lo, hi, previous_lo, scores=scores, sample_size=0)
    return per_theme, total


def window_counts_and_sample(store: Store, scope: Scope, lo: datetime | None, hi: datetime | None,
                             previous_lo: datetime | None, *, scores: bool = True, sample_size: int = 0
                             ) -> tuple[dict[str, Aggregate], Aggregate, pd.DataFrame]:
    """:func:`window_counts`, plus at most ``sample_size`` texts per fault type of ``[lo, hi)``.

    The sample holds, per fault type mentioned in the window, the texts with the lowest
    ``hash(feedback_id) % HASH_MOD`` (ties: lowest feedback_id), as columns
    :data:`SAMPLE_COLUMNS` ordered by type, hash and id. It is picked from the same
    scan as the counts (the predictions ⋈ feedback join is the expensive part), and a
    per-type hash threshold a little above ``sample_size / count`` keeps the window
    function from ranking every row; only the picked rows' texts and stored keywords
    are read.
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
        count(*) FILTER (WHERE cur) AS n, count(*) FILTER (WHERE cur AND neg) AS n_negative,
        count(*) FILTER (WHERE NOT cur) AS n_previous, count(sat) FILTER (WHERE cur) AS n_sat,
        coalesce(sum(sat) FILTER (WHERE cur), 0)::DOUBLE AS sum_sat, count(nps) FILTER (WHERE cur) AS n_nps,
        count(*) FILTER (WHERE cur AND nps >= 9) AS n_promoters,
        count(*) FILTER (WHERE cur AND nps <= 6) AS n_detractors
    """
    sample = sample_size > 0
    id_col = ", p.feedback_id" if sample else ""
    counts_sql = f"""
        SELECT 'theme' AS kind, ft, {aggs} FROM (SELECT unnest(fault_types) AS ft, cur, neg, sat, nps FROM base)
        GROUP BY ft
        UNION ALL
        SELECT 'total', NULL, {aggs} FROM base
    """
    sample_params: list[Any] = []
    if sample:
        # The window's bounds again on the late feedback join: lets it skip row groups.
        bounds = [c for c, v in (("f.created_at >= ?", lo), ("f.created_at < ?", hi)) if v is not None]
        bound_params = [v for v in (lo, hi) if v is not None]
        # The threshold repeats in SQL the float arithmetic of the former Python one:
        # int(HASH_MOD * min(1.0, 1.2 * sample_size / n)) + 1.
        counts_sql = f"""
            , c AS ({counts_sql}),
            picked AS (
              SELECT ft, feedback_id, h FROM (
                SELECT ft, feedback_id, hash(feedback_id) % {HASH_MOD} AS h
                FROM (SELECT unnest(fault_types) AS ft, feedback_id FROM base WHERE cur)
              ) JOIN (SELECT ft AS c_ft, least({HASH_MOD}, trunc({HASH_MOD}::DOUBLE * least(1.0::DOUBLE,
                        1.2::DOUBLE * ?::DOUBLE / n::DOUBLE))::BIGINT + 1) AS limit_h
                      FROM c WHERE kind = 'theme') ON c_ft = ft
              WHERE h < limit_h
              QUALIFY row_number() OVER (PARTITION BY ft ORDER BY h, feedback_id) <= ?)
            SELECT * FROM c
            UNION ALL BY NAME
            SELECT 'sample' AS kind, s.ft, s.feedback_id, f.text, p.sentiment, p.primary_fault,
                   CAST(json_extract(p.scores, '$.keywords') AS VARCHAR[]) AS keywords, f.product_line, s.h
            FROM picked s
            JOIN predictions p ON p.feedback_id = s.feedback_id AND p.model_name = ? AND p.model_version = ?
            JOIN feedback f ON f.feedback_id = s.feedback_id{"".join(f" AND {c}" for c in bounds)}
        """
        sample_params = [sample_size, sample_size, scope.name, scope.version, *bound_params]
    sql = f"""
        WITH base AS MATERIALIZED (
          SELECT p.fault_types, p.sentiment = 'negative' AS neg, {cur} AS cur, {score_cols}{id_col}
          FROM {scope.from_sql()} {score_join}
          WHERE {where}
        ){counts_sql}
    """
    with store.reader() as db:
        frame = db.frame(sql, [*cur_params, *params, *sample_params])
    per_theme: dict[str, Aggregate] = {}
    total = Aggregate()
    agg_columns = ["n", "n_negative", "n_previous", "n_sat", "sum_sat", "n_nps", "n_promoters", "n_detractors"]
    for kind, ft, n, n_neg, n_prev, n_sat, sum_sat, n_nps, n_pro, n_det in (
            frame[frame["kind"] != "sample"][["kind", "ft", *agg_columns]].itertuples(index=False)):
        agg = Aggregate(int(n), int(n_neg), int(n_prev), int(n_sat), float(sum_sat), int(n_nps), int(n_pro),
                        int(n_det))
        if kind == "total":
            total = agg
        else:
            per_theme[str(ft)] = agg
    if not sample:
        return per_theme, total, pd.DataFrame(columns=SAMPLE_COLUMNS)
    rows = frame[frame["kind"] == "sample"][SAMPLE_COLUMNS]
    rows = rows.astype({"h": "uint64"}).sort_values(["ft", "h", "feedback_id"], kind="stable").reset_index(drop=True)
    return per_theme, total, rows
