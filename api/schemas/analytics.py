"""KPI and theme responses: the library's records, with the query they answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class QueryEcho(BaseModel):
    """The window, filters, grouping and period applied (local dates, both inclusive)."""

    from_: str | None = Field(None, alias="from")
    to: str | None = None
    filters: dict[str, list[str]] = Field(default_factory=dict)
    group_by: str | None = None
    period: str | None = None

    model_config = {"populate_by_name": True}


class KpiResultItem(BaseModel):
    """One KPI value for one group and period; ``value`` is null exactly when ``reason`` says why."""

    id: str = Field(..., examples=["csat_rate"])
    name_zh: str = Field(..., examples=["客户满意度 (满意率)"])
    unit: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sample_size: int | None = None
    target: float | None = None
    met: bool | None = None
    reason: str | None = None
    group: str | None = None
    period: str | None = Field(None, description="Local start date of the period (ISO).")
    details: dict[str, Any] = Field(default_factory=dict)


class KpisResponse(BaseModel):
    query: QueryEcho
    model: str | None = Field(None, description="Model whose stored predictions the text KPIs read.")
    timezone: str
    window: dict[str, Any] = Field(default_factory=dict, description="The resolved window ends.")
    results: list[KpiResultItem] = Field(..., description="One per KPI × group × period.")


class KpiDefinitionItem(BaseModel):
    id: str
    name_zh: str
    category: str
    category_zh: str
    description: str
    formula: str
    unit: str
    direction: str
    target: float | None = Field(None, description="The configured target (FEEDBACK_NLP_KPI_TARGETS__…).")
    target_key: str | None = None
    headline: str = ""
    text: bool = Field(False, description="Reads the stored predictions of one model version.")


class KpiCatalogueResponse(BaseModel):
    kpis: list[KpiDefinitionItem]


class ThemesResponse(BaseModel):
    query: QueryEcho
    model: str | None = None
    themes: list[dict[str, Any]]
