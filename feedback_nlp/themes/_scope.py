"""The rows a theme question reads: one model's predictions joined to their feedback.

Shared by top themes, impact and emerging issues so that "the same query" selects the
same texts everywhere. Values never enter SQL text: each builder returns SQL and its
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedback_nlp.predictions import require_prediction_model, split_model_key
from feedback_nlp.query import Query, range_sql
from feedback_nlp.store import Store

#: Where each query dimension lives in :data:`FROM_SQL` (region/team/engineer via the ticket).
COLUMNS: dict[str, str] = {
    "source": "f.source", "channel": "f.channel", "product_line": "f.product_line",
    "product_model": "f.product_model", "region": "t.region", "team": "t.team", "engineer_id": "t.engineer_id",
}  # fmt: skip
_TICKET_DIMENSIONS = frozenset({"region", "team", "engineer_id"})
TIME_COLUMN = "f.created_at"

def resolve_model(store: Store, model: str | None, active: str | None) -> tuple[str, str]:
    """``(name, version)`` of the predictions to read.

    Raises:
        PredictionsError: ``model`` has no stored predictions, or nothing is stored at all
            (the message says to run ``feedback-nlp classify-store``).
    """
    return split_model_key(require_prediction_model(store, model, active))


@dataclass(frozen=True)
class Scope:
    """``FROM … WHERE …`` of one model's predictions under a query's filters (no time bounds)."""

    name: str
    version: str
    query: Query
    timezone: str

    def from_sql(self) -> str:
        """Predictions ``p`` joined to feedback ``f`` (and tickets ``t`` when a filter needs them)."""
        sql = "predictions p JOIN feedback f ON f.feedback_id = p.feedback_id"
        if _TICKET_DIMENSIONS.intersection(self.query.filters):
            sql += " LEFT JOIN tickets t ON t.ticket_id = f.ticket_id"
        return sql

    def where_sql(self, lo: datetime | None = None, hi: datetime | None = None) -> tuple[str, list[Any]]:
        """The model and the filters, and ``lo <= created_at < hi`` when given (the query's
        own window is not applied: callers choose the windows they read)."""
        filters_sql, params = self.query.replace(start=None, end=None).where_sql(None, COLUMNS, self.timezone)
        bounds, bound_params = range_sql(TIME_COLUMN, lo, hi)
        parts = ["p.model_name = ?", "p.model_version = ?", filters_sql, *bounds]
        return " AND ".join(parts), [self.name, self.version, *params, *bound_params]


def scope_for(store: Store, query: Query, model: str | None, active: str | None) -> Scope:
    name, version = resolve_model(store, model, active)
    return Scope(name, version, query, store.timezone)
