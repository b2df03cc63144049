"""The dashboard's aggregated theme and sentiment views: a theme's trend and products, impact, aspect × sentiment.

Each answer is a handful of rows computed in the store (never the texts themselves), with
the query it answers and the model whose stored predictions it reads.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.analytics import QueryEcho


class TrendPointItem(BaseModel):
    period: str = Field(..., description="Local start date of the period (ISO; weeks start Monday).")
    count: int = Field(..., description="Texts of the period that mention the theme.")
    negative_count: int
    total: int = Field(..., description="Classified texts of the period.")
    share: float | None = Field(None, description="count / total; null for a period without classified texts.")


class ThemeTrendResponse(BaseModel):
    query: QueryEcho
    model: str
    fault_type: str
    name_zh: str
    period: str
    points: list[TrendPointItem] = Field(..., description="Every period of the window, oldest first.")


class ProductShareItem(BaseModel):
    product_line: str | None
    product_model: str | None
    count: int = Field(..., description="The model's texts that mention the theme.")
    share_of_theme: float = Field(..., description="count / all mentions of the theme.")
    texts: int = Field(..., description="The model's classified texts.")
    rate: float = Field(..., description="count / texts.")
    negative_count: int


class ThemeProductsResponse(BaseModel):
    query: QueryEcho
    model: str
    fault_type: str
    name_zh: str
    count: int = Field(..., description="All mentions of the theme in the window.")
    products: list[ProductShareItem] = Field(..., description="Most mentions first.")


class ThemeImpactItem(BaseModel):
    fault_type: str
    name_zh: str
    n_scored: int = Field(..., description="Texts mentioning the theme that carry a satisfaction score.")
    satisfaction: float | None = Field(None, description="Their mean satisfaction (1-5).")
    n_scored_without: int = Field(..., description="Scored texts that do not mention the theme.")
    satisfaction_without: float | None = None
    satisfaction_impact: float | None = Field(None, description="Overall mean - mean without the theme.")
    n_nps: int
    nps: float | None = None
    n_nps_without: int
    nps_without: float | None = None
    nps_impact: float | None = None


class ThemeImpactResponse(BaseModel):
    query: QueryEcho
    model: str
    themes: list[ThemeImpactItem] = Field(..., description="Most negative satisfaction impact first.")


class SentimentTotal(BaseModel):
    sentiment: str
    name_zh: str
    count: int = Field(..., description="Classified texts with this sentiment.")


class AspectSentimentItem(BaseModel):
    aspect: str
    name_zh: str
    total: int = Field(..., description="Texts naming the aspect.")
    counts: dict[str, int] = Field(..., description="Those texts per sentiment.")
    negative_share: float | None = None


class AspectSentimentResponse(BaseModel):
    query: QueryEcho
    model: str
    sentiments: list[SentimentTotal]
    aspects: list[AspectSentimentItem] = Field(..., description="Most mentioned first.")
