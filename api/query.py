"""The KPI and theme routes' query parameters, turned into a :class:`feedback_nlp.query.Query`.

The same window, filters, grouping and period as the CLI: ``from`` and ``to`` (local
dates, both inclusive), one parameter per dimension (repeat it or separate values by
commas: ``region=华东&region=华南`` or ``region=华东,华南``), or the CLI's form
``filter=region=华东`` (repeatable), plus ``group_by``, ``period`` and ``model``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query

from api.runtime import MODEL_REF_PATTERN
from feedback_nlp.query import DIMENSIONS, MAX_DATE, MIN_DATE, PERIODS
from feedback_nlp.query import Query as DataQuery

Dimension = Literal[DIMENSIONS]  # type: ignore[valid-type]
Period = Literal[PERIODS]  # type: ignore[valid-type]

#: The dates a query may name (the library refuses others: 422 invalid_query).
_RANGE = f"YYYY-MM-DD from {MIN_DATE} to {MAX_DATE}"
_Values = Annotated[list[str] | None, Query(description="Accepted values (repeat or comma-separate).")]


@dataclass(frozen=True)
class QueryParams:
    """A parsed query and the model whose predictions the text-derived figures read."""

    query: DataQuery
    model: str | None


async def query_params(
    from_: Annotated[date | None, Query(alias="from", description=f"First local date, inclusive; {_RANGE}.")] = None,
    to: Annotated[date | None, Query(description=f"Last local date, inclusive; {_RANGE}.")] = None,
    product_line: _Values = None,
    product_model: _Values = None,
    channel: _Values = None,
    region: _Values = None,
    team: _Values = None,
    engineer_id: _Values = None,
    source: _Values = None,
    filter_: Annotated[list[str] | None, Query(alias="filter", description="KEY=VALUE, as in the CLI.")] = None,
    group_by: Annotated[Dimension | None, Query(description="Split by one dimension.")] = None,
    period: Annotated[Period | None, Query(description="Split by period (weeks start Monday).")] = None,
    model: Annotated[str | None, Query(pattern=MODEL_REF_PATTERN,
                                       description="NAME@VERSION whose stored predictions to read.")] = None,
) -> QueryParams:
    named = {"product_line": product_line, "product_model": product_model, "channel": channel, "region": region,
             "team": team, "engineer_id": engineer_id, "source": source}
    filters: dict[str, list[str]] = DataQuery.parse_filters(filter_ or [])
    for key, values in named.items():
        for value in values or []:
            # "" stays, so the query names the empty filter; "a,,b" is a and b
            filters.setdefault(key, []).extend([v for v in value.split(",") if v.strip()] or [value])
    query = DataQuery(start=from_, end=to, filters={k: tuple(v) for k, v in filters.items()}, group_by=group_by,
                      period=period)
    return QueryParams(query, model)


QueryDep = Annotated[QueryParams, Depends(query_params)]
