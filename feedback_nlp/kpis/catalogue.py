"""The KPI catalogue (``shared/spec/kpis.md``) as data: one :class:`KpiDefinition` per KPI.

The catalogue is what code, the CLI (``feedback-nlp kpis --list``) and the API show
a user; the computation lives in the family modules of this package. Where the
spec is silent the choice is written into ``description`` so that the number a user
sees can be traced to one sentence here.

Conventions shared by every entry:

* **Shares** (unit ``share``) are fractions 0–1 (shown as % by the CLI); targets for
  them are fractions too, as in :class:`feedback_nlp.config.KpiTargets`.
* **Cancelled tickets** were withdrawn, so no service was delivered: they are left out
  of every ticket-based KPI (and so are the follow-ups of cancelled tickets).
  ``resolution_rate`` reports how many were left out in ``details.n_cancelled``.
* **Resolved tickets** are tickets whose status is ``resolved`` or ``closed``.
* **Windows** filter each table on its own time: tickets on ``created_at``, feedback
  on ``created_at``, orders on ``purchased_at``; follow-ups on the ``created_at`` of
  their ticket (so follow-up KPIs describe the tickets of the window).
* **Distributions** carry the number of counted rows as ``value`` and the counts and
  shares in ``details``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

from feedback_nlp.errors import UnknownKpiError as UnknownKpiError  # re-exported

Direction = Literal["higher", "lower", "none"]
CATEGORIES: dict[str, str] = {
    "efficiency": "问题解决效率",
    "satisfaction": "客户满意度与服务质量",
    "quality": "产品故障率",
    "cost": "售后成本",
    "retention": "客户保留率",
    "text": "客户反馈分析",
}


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI: what it means, how it is computed, and how its target is read.

    ``target_key`` names the field of :class:`feedback_nlp.config.KpiTargets` holding
    its target (None: the KPI has no target, e.g. a distribution). ``direction`` says
    which way is better and decides ``met``: ``value >= target`` for ``higher``,
    ``value <= target`` for ``lower``. ``headline`` says which number is ``value``
    when the spec names several (the others are in the result's ``details``).
    """

    id: str
    name_zh: str
    category: str
    description: str
    formula: str
    unit: str
    direction: Direction
    target_key: str | None = None
    headline: str = ""
    text: bool = False  # reads the stored predictions of one model version

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _d(id: str, name_zh: str, category: str, unit: str, direction: Direction, formula: str, description: str,
       *, target_key: str | None = None, headline: str = "", text: bool = False) -> KpiDefinition:
    return KpiDefinition(id=id, name_zh=name_zh, category=category, description=" ".join(description.split()),
                         formula=formula, unit=unit, direction=direction, target_key=target_key,
                         headline=headline, text=text)


_ENTRIES: tuple[KpiDefinition, ...] = (
    # -- efficiency ----------------------------------------------------------------------
    _d("first_response_time", "平均/中位/P90 响应时间", "efficiency", "hours", "lower",
       "first_response_at − created_at in hours; mean, median, p90",
       "Tickets with a recorded first_response_at. The target applies to the mean.",
       target_key="first_response_hours", headline="mean (median and p90 in details)"),
    _d("response_sla_rate", "响应达标率", "efficiency", "share", "higher",
       "tickets with response time ≤ the response target ÷ tickets with a recorded response",
       "The threshold is the first_response_time target (first_response_hours). Tickets without "
       "first_response_at are not in the denominator (details.n_without_response).",
       target_key="response_sla_rate"),
    _d("resolution_time", "平均问题解决时间 (服务完成时间)", "efficiency", "hours", "lower",
       "resolved_at − created_at in hours; mean, median, p90",
       "Tickets with a recorded resolved_at, whatever their status now. The target applies to the mean.",
       target_key="resolution_hours", headline="mean (median and p90 in details)"),
    _d("resolution_sla_rate", "解决时效达标率 (问题处理时效)", "efficiency", "share", "higher",
       "tickets resolved within the resolution target ÷ tickets with a recorded resolved_at",
       "The threshold is the resolution_time target (resolution_hours).",
       target_key="resolution_sla_rate"),
    _d("resolution_rate", "问题解决率 / 服务解决率", "efficiency", "share", "higher",
       "resolved or closed tickets ÷ all non-cancelled tickets",
       "By status now. details.n_cancelled counts the cancelled tickets left out.",
       target_key="resolution_rate"),
    _d("first_time_fix_rate", "首次修复率 / 首次解决率", "efficiency", "share", "higher",
       "resolved tickets with first_time_fix ÷ resolved tickets with first_time_fix recorded",
       "Resolved tickets whose first_time_fix is empty are unknown, not failures: they are left out of the "
       "denominator (details.n_unknown).",
       target_key="first_time_fix_rate"),
    _d("backlog", "未结工单数", "efficiency", "count", "lower",
       "tickets created before the end of the window and not resolved/closed by then",
       "Open at time T = created before T, not cancelled, and either open/in_progress now or resolved/closed "
       "after T (done time = resolved_at, else closed_at; a resolved/closed ticket with neither counts as done). "
       "Tickets created before the window start count too. T is the end of the window; for an open-ended window "
       "T is the latest created_at in the store (the data's as-of time). With a period, value is the backlog at "
       "the end of each period (clipped to the window).",
       target_key="backlog"),
    _d("backlog_overdue_rate", "客户问题滞留率", "efficiency", "share", "lower",
       "open tickets at T older than the resolution target ÷ open tickets at T",
       "Same open tickets and T as backlog; age = T − created_at compared with resolution_hours.",
       target_key="backlog_overdue_rate"),
    _d("reopen_rate", "重开率", "efficiency", "share", "lower",
       "tickets with reopened > 0 ÷ tickets resolved at least once",
       "'Resolved at least once' = resolved/closed now or reopened > 0 (a reopened ticket was resolved before), "
       "so the numerator is part of the denominator. Tickets with reopened empty are left out.",
       target_key="reopen_rate"),
    _d("repeat_problem_rate", "重复问题率 / 问题再发率", "efficiency", "share", "lower",
       "resolved tickets followed within 30 days of resolution by another ticket of the same customer "
       "(same serial_no where both are known) with the same fault ÷ resolved tickets with a known fault",
       "The later ticket may fall after the window and is not filtered; it must not be cancelled. The fault is "
       "the effective fault (see fault_type_distribution); resolved tickets whose fault is unknown or 'none' "
       "(no product fault) or that have no resolved_at/closed_at are left out (details.n_excluded).",
       target_key="repeat_problem_rate"),
    _d("repeat_repair_rate", "返修率", "efficiency", "share", "lower",
       "units (serial_no) with a ticket in the window that came ≤ 90 days after an earlier ticket of the same "
       "unit ÷ units with a ticket in the window",
       "Every non-cancelled ticket with a serial_no is a repair ticket; the earlier ticket may lie before the "
       "window and is not filtered by dimension (a unit repaired again by another team is still a 返修).",
       target_key="repeat_repair_rate"),
    _d("visits_per_ticket", "平均上门次数", "efficiency", "visits", "lower",
       "mean visits over tickets with visits recorded", "Tickets with visits empty are left out.",
       target_key="visits_per_ticket"),
    _d("tickets_per_engineer", "人均工单量 (工作量)", "efficiency", "tickets", "none",
       "tickets with an engineer ÷ distinct engineers",
       "details.per_engineer lists the tickets of each engineer (largest first); tickets without engineer_id "
       "are counted in details.n_unassigned and left out."),
    _d("workload_growth", "工作量增长率", "efficiency", "share", "none",
       "tickets in the window ÷ tickets in the previous window − 1",
       "The previous window has the same length and ends the day before the window starts (Query.previous). "
       "An open end is the date of the latest created_at; an open start gives null. With a period, each period "
       "is compared with the calendar period before it (the first one with the period before the window)."),
    # -- satisfaction ----------------------------------------------------------------------
    _d("csat_score", "满意度评分", "satisfaction", "score", "higher",
       "mean satisfaction 1–5 over follow-up satisfaction and feedback ratings",
       "Follow-ups count with source 'followup' and are windowed by their ticket's created_at; feedback ratings "
       "by the feedback's created_at. Feedback made from follow-up notes has no rating, so nothing counts twice.",
       target_key="csat_score"),
    _d("csat_rate", "客户满意度 (满意率)", "satisfaction", "share", "higher",
       "responses with satisfaction ≥ 4 ÷ responses", "Same responses as csat_score.",
       target_key="csat_rate"),
    _d("satisfaction_distribution", "满意度评分分布", "satisfaction", "count", "none",
       "count and share per score 1–5", "Same responses as csat_score; value is the number of responses."),
    _d("nps", "净推荐值", "satisfaction", "points", "higher",
       "(promoters 9–10 − detractors 0–6) ÷ NPS responses × 100",
       "Every follow-up with an nps answer is one response (−100…100).", target_key="nps"),
    _d("recommendation_rate", "客户推荐率", "satisfaction", "share", "higher",
       "promoters (9–10) ÷ NPS responses", "Same responses as nps.", target_key="recommendation_rate"),
    _d("service_quality_scores", "服务态度/专业性/效果评分", "satisfaction", "score", "higher",
       "mean attitude_score, professionalism_score, effectiveness_score",
       "value is the unweighted mean of the three per-score means (of those with any answer); each mean and "
       "its count is in details.", target_key="service_quality_score",
       headline="mean of the three score means"),
    _d("complaint_rate", "客户投诉率", "satisfaction", "share", "lower",
       "complaint tickets ÷ tickets with is_complaint recorded",
       "details.per_1000_units = complaint tickets ÷ units sold in the window × 1000, when the query can be "
       "applied to orders (only product_line/product_model filters and grouping) and units were sold.",
       target_key="complaint_rate"),
    _d("repeat_complaint_rate", "重复投诉率", "satisfaction", "share", "lower",
       "customers with ≥ 2 complaint tickets with the same fault in the window ÷ customers with a complaint",
       "The fault is the effective fault ('none' counts as a fault: repeated pure service complaints); two "
       "complaints whose fault is unknown are not 'the same fault'.", target_key="repeat_complaint_rate"),
    _d("followup_rate", "服务回访率", "satisfaction", "share", "higher",
       "resolved tickets with ≥ 1 follow-up attempt ÷ resolved tickets", "",
       target_key="followup_rate"),
    _d("followup_reach_rate", "回访成功率 (客户响应率)", "satisfaction", "share", "higher",
       "follow-ups with reached ÷ follow-up attempts, overall and per method",
       "details.per_method holds the rate per method; attempts without a method are under '(missing)'.",
       target_key="followup_reach_rate", headline="overall rate"),
    _d("feedback_rate", "客户反馈率", "satisfaction", "share", "higher",
       "resolved tickets with linked feedback or a rated follow-up ÷ resolved tickets",
       "Linked feedback = a feedback row of source complaint/review/survey with the ticket's id (rows made from "
       "follow-up notes are not feedback by themselves); rated follow-up = one with satisfaction or nps.",
       target_key="feedback_rate"),
    # -- quality ---------------------------------------------------------------------------
    _d("fault_type_distribution", "故障类型统计", "quality", "count", "none",
       "count and share per fault type, ranked",
       "Effective fault of a ticket: the agent-coded tickets.fault_type (a taxonomy name_zh is mapped to its "
       "code), else the predicted primary fault of the ticket's linked feedback (the earliest one whose primary "
       "fault is not 'none'), read from the predictions of one model version. Tickets with neither are counted "
       "in details.n_unknown and left out of the shares. value is the number of tickets with a known fault."),
    _d("fault_rate", "产品故障率", "quality", "share", "lower",
       "fault tickets ÷ units sold (Σ orders.quantity, empty quantity = 1) in the window",
       "A fault ticket is a non-cancelled ticket whose effective fault is not 'none' (an after-sales ticket "
       "with no fault recorded or predicted is presumed a fault). Orders carry only product_line/product_model, "
       "so any other filter or grouping gives null. Group by product_model and period for the spec's view.",
       target_key="fault_rate"),
    _d("early_failure_rate", "早期故障率", "quality", "share", "lower",
       "fault tickets with created_at − purchase_date ≤ 90 days ÷ fault tickets with a purchase_date",
       "Days are local calendar days. Fault tickets without purchase_date (details.n_without_purchase_date) or "
       "with a purchase_date after created_at (details.n_invalid_age) are left out.",
       target_key="early_failure_rate"),
    _d("failure_age_distribution", "故障发生时间分布", "quality", "count", "none",
       "fault tickets per bucket of days since purchase: 0–7, 8–30, 31–90, 91–365, 366–730, > 730",
       "Same tickets as early_failure_rate; value is the number of fault tickets with a valid age."),
    _d("severity_distribution", "故障严重程度分布", "quality", "count", "none",
       "count and share per severity (minor, normal, major, critical)",
       "Tickets with severity empty are counted in details.n_unknown; value is the number with a severity."),
    _d("return_rate", "退货率", "quality", "share", "lower",
       "returned tickets ÷ units sold (or ÷ tickets with returned recorded where there are no orders)",
       "Units sold as in fault_rate. When the query cannot be applied to orders (a filter or grouping other "
       "than product_line/product_model) or no order falls in the selection, the basis is tickets; "
       "details.basis says which. A group with no units sold under the units basis gives null.",
       target_key="return_rate"),
    # -- cost ------------------------------------------------------------------------------
    _d("total_cost", "售后总成本", "cost", "currency", "lower",
       "Σ labor_cost + material_cost + logistics_cost + other_cost",
       "Empty cost columns add 0; tickets with all four empty (e.g. still open) are not counted in "
       "sample_size. Null when no ticket has any cost."),
    _d("cost_breakdown", "成本构成", "cost", "currency", "none",
       "each cost column's sum and share of the total", "value is the total cost."),
    _d("cost_per_ticket", "单均成本", "cost", "currency", "lower",
       "total_cost ÷ tickets with any cost recorded",
       "Tickets with all four cost columns empty (open tickets are not costed yet) are left out of the "
       "denominator rather than counted as free.", target_key="cost_per_ticket"),
    _d("cost_revenue_ratio", "售后成本占营业额", "cost", "ratio", "lower",
       "total_cost ÷ Σ revenue over the same tickets", "Null when the revenue sum is 0 or empty.",
       target_key="cost_revenue_ratio"),
    _d("cost_satisfaction_correlation", "成本与满意度关系", "cost", "rho", "none",
       "Spearman rank correlation of per-ticket cost and satisfaction",
       "Tickets with any cost and at least one follow-up satisfaction (mean of its follow-ups); ties get "
       "average ranks. Null below 3 tickets or when either side is constant."),
    # -- retention -------------------------------------------------------------------------
    _d("churn_rate", "客户流失率", "retention", "share", "lower",
       "customers with an order in the 12 months before the window and no order and no ticket in the window "
       "÷ customers with an order in those 12 months",
       "Needs a window start (null otherwise); an open end means 'until the end of the data'. With a period "
       "(month or quarter only) each period is its own window. Only product_line/product_model filters and "
       "grouping apply (to orders and tickets alike).", target_key="churn_rate"),
    _d("repurchase_rate", "客户续购率 / 二次消费率", "retention", "share", "higher",
       "customers with ≥ 2 orders in the window ÷ customers with ≥ 1 order in the window",
       "Only product_line/product_model filters and grouping apply.", target_key="repurchase_rate"),
    # -- text --------------------------------------------------------------------------------
    _d("sentiment_distribution", "情感分布", "text", "count", "none",
       "count and share of negative/neutral/positive over classified feedback",
       "Feedback in the window with a prediction of the chosen model version; value is that number. "
       "region/team/engineer_id are reached through the linked ticket (unlinked feedback then drops out).",
       text=True),
    _d("negative_rate", "负面反馈率", "text", "share", "lower",
       "negative ÷ classified feedback", "Same feedback as sentiment_distribution.",
       target_key="negative_rate", text=True),
    _d("top_fault_themes", "高频故障主题", "text", "count", "none",
       "fault types ranked by mention count, with share, negative rate, period-over-period change, top keywords "
       "and example texts",
       "Computed by feedback_nlp.themes.top_themes; value is the number of themes, details.themes the list.",
       text=True),
    _d("aspect_mentions", "服务维度提及", "text", "count", "none",
       "count per service aspect, with negative share",
       "value is the number of aspect mentions; per aspect details give count, share of classified feedback "
       "mentioning it, and the share of its mentions whose feedback is negative.", text=True),
    _d("emerging_themes", "新兴问题预警", "text", "count", "lower",
       "fault types or keywords whose count this period rises significantly over their baseline",
       "Computed by feedback_nlp.themes.emerging_issues; value is the number of alerts, details.alerts the list.",
       text=True),
)

CATALOGUE: dict[str, KpiDefinition] = {d.id: d for d in _ENTRIES}
KPI_IDS: tuple[str, ...] = tuple(CATALOGUE)


def get_definition(kpi_id: str) -> KpiDefinition:
    """The definition of ``kpi_id``; :class:`UnknownKpiError` lists the valid ids."""
    try:
        return CATALOGUE[kpi_id]
    except KeyError:
        raise UnknownKpiError(f"unknown KPI id {kpi_id!r}; valid ids: {', '.join(KPI_IDS)}") from None


def catalogue_frame(targets: dict[str, float | None] | None = None) -> pd.DataFrame:
    """The catalogue as a frame (one row per KPI), with each KPI's target when ``targets`` is given.

    ``targets`` maps KPI id → target, as returned by :func:`feedback_nlp.kpis.resolve_targets`.
    """
    rows = [d.to_dict() for d in _ENTRIES]
    frame = pd.DataFrame(rows)
    frame["category_zh"] = frame["category"].map(CATEGORIES)
    if targets is not None:
        frame["target"] = frame["id"].map(lambda i: targets.get(i))
    return frame
