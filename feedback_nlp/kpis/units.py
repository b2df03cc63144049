"""Units sold (Σ orders.quantity) per group and period: the denominator of fault and return rates."""

from __future__ import annotations

from datetime import date

from feedback_nlp.kpis.context import ORDERS, Context, num

Key = tuple[str | None, date | None]


def units_sold(ctx: Context) -> tuple[dict[Key, float] | None, str | None]:
    """({(group, period): units}, None), or (None, reason) when orders cannot answer the query.

    Orders carry only product_line and product_model; an empty quantity counts as 1
    (the data model's default). Orders are windowed on ``purchased_at``.
    """
    reason = ctx.unsupported_reason(ORDERS, "orders (units sold)")
    if reason:
        return None, reason
    frame = ctx.select(ORDERS, "sum(coalesce(o.quantity, 1))::DOUBLE AS units")
    return {key: num(row, "units") for key, row in ctx.keys(frame)}, None
