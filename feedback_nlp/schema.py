"""The canonical data model as code: tables, columns, types, enums and aliases.

This module is the single place that knows what a ticket, a feedback text, a
follow-up and an order look like (``shared/spec/data-model.md``). Ingestion maps
source headers onto these names, validation reads the rules from here, the store
derives its DDL from here, and the demo writer takes its Chinese headers from here,
so a new column is added in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "timestamp", "date", "enum", "int", "bool", "decimal"]

TABLE_NAMES: tuple[str, ...] = ("tickets", "feedback", "followups", "orders")


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``label`` is the Chinese header we write in exports; ``aliases`` are other
    headers (Chinese or English) that mean the same column. ``enum`` maps each
    canonical value to the spellings found in Chinese systems' exports.
    """

    name: str
    type: ColumnType
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    enum: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_value: float | None = None
    max_value: float | None = None

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """A canonical table: its key, its columns and cross-column time-order rules."""

    name: str
    label: str
    key: str
    columns: tuple[Column, ...]
    # (earlier, later): `later` must not be before `earlier` when both are present.
    time_order: tuple[tuple[str, str], ...] = ()
    # The column holding free text that must be non-empty and length-limited.
    text_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


_SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "enum": "VARCHAR",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "decimal": "DECIMAL(18,2)",
}

STATUS = {
    "open": ("待处理", "未处理", "新建", "待受理", "打开", "未结", "待派工", "new", "pending", "todo"),
    "in_progress": ("处理中", "进行中", "维修中", "已派工", "已受理", "跟进中", "processing", "assigned",
                    "in progress", "doing"),
    "resolved": ("已解决", "已完成", "完成", "已修复", "已处理", "solved", "done", "completed", "fixed"),
    "closed": ("已关闭", "关闭", "已结单", "结单", "已归档", "归档", "close"),
    "cancelled": ("已取消", "取消", "作废", "已作废", "撤销", "已撤销", "canceled", "cancel"),
}
SEVERITY = {
    "minor": ("轻微", "低", "low", "p4"),
    "normal": ("一般", "中", "普通", "medium", "p3"),
    "major": ("严重", "高", "high", "p2"),
    "critical": ("致命", "紧急", "特急", "urgent", "blocker", "p1"),
}
METHOD = {
    "phone": ("电话", "电话回访", "致电", "call", "tel", "telephone"),
    "sms": ("短信", "短信回访", "text", "message"),
    "email": ("邮件", "电子邮件", "邮件回访", "e-mail", "mail"),
    "wechat": ("微信", "微信回访", "weixin", "wx"),
    "visit": ("上门", "上门回访", "到访", "现场", "onsite", "on-site"),
}
SOURCE = {
    "complaint": ("投诉", "客诉", "报修"),
    "review": ("评价", "评论", "商品评价", "点评"),
    "followup": ("回访", "回访记录", "follow-up", "follow up"),
    "survey": ("问卷", "调查", "调研", "满意度调查"),
}

TICKETS = Table(
    name="tickets",
    label="工单",
    key="ticket_id",
    text_column=None,
    time_order=(("created_at", "first_response_at"), ("created_at", "resolved_at"),
                ("created_at", "closed_at")),
    columns=(
        Column("ticket_id", "text", "工单号", True, ("工单编号", "工单id", "服务单号", "单号", "ticket_no", "ticket",
                                                   "case_id", "case_no")),
        Column("customer_id", "text", "客户编号", True, ("客户id", "客户号", "用户id", "用户编号", "会员编号",
                                                      "customer", "customer_no", "user_id")),
        Column("created_at", "timestamp", "报修时间", True, ("创建时间", "客户请求时间", "受理时间", "提交时间",
                                                          "下单时间", "request_time", "created", "create_time",
                                                          "opened_at")),
        Column("first_response_at", "timestamp", "首次响应时间", False, ("响应时间", "首响时间", "first_response",
                                                                    "first_response_time", "responded_at")),
        Column("resolved_at", "timestamp", "解决时间", False, ("问题解决时间", "完成时间", "修复时间", "resolve_time",
                                                           "resolved", "solved_at")),
        Column("closed_at", "timestamp", "关闭时间", False, ("结单时间", "关单时间", "close_time", "closed")),
        Column("status", "enum", "工单状态", True, ("状态", "处理状态", "ticket_status", "state"), enum=STATUS),
        Column("channel", "text", "渠道", False, ("报修渠道", "来源渠道", "受理渠道", "source_channel")),
        Column("product_line", "text", "产品线", False, ("产品类别", "品类", "产品类型", "product_category",
                                                      "category")),
        Column("product_model", "text", "产品型号", False, ("型号", "机型", "车型", "model", "product")),
        Column("serial_no", "text", "序列号", False, ("产品序列号", "机身号", "条码", "sn", "serial", "serial_number",
                                                   "vin", "车架号")),
        Column("purchase_date", "date", "购买日期", False, ("购买时间", "购机日期", "购车日期", "purchased_at",
                                                        "purchase_time")),
        Column("region", "text", "区域", False, ("地区", "大区", "省份", "area")),
        Column("engineer_id", "text", "工程师编号", False, ("工程师", "维修工程师", "师傅编号", "技师编号",
                                                         "engineer", "technician", "technician_id")),
        Column("team", "text", "服务团队", False, ("团队", "网点", "服务网点", "班组", "group")),
        Column("fault_type", "text", "故障类型", False, ("故障分类", "故障代码", "问题类型", "fault", "fault_code")),
        Column("severity", "enum", "严重程度", False, ("故障等级", "严重等级", "优先级", "priority", "level"),
               enum=SEVERITY),
        Column("visits", "int", "上门次数", False, ("上门次数(次)", "visit_count", "n_visits"), min_value=0),
        Column("first_time_fix", "bool", "首次修复", False, ("是否首次修复", "一次修复", "首次解决", "是否一次修复",
                                                        "ftf", "first_fix")),
        Column("reopened", "int", "重开次数", False, ("重开", "重新打开次数", "reopen_count", "reopens"),
               min_value=0),
        Column("is_complaint", "bool", "是否投诉", False, ("投诉", "投诉单", "complaint")),
        Column("returned", "bool", "是否退货", False, ("退货", "是否退换货", "退换货", "return", "refunded")),
        Column("labor_cost", "decimal", "人工成本", False, ("人员成本", "人工费", "人力成本", "labour_cost", "labor"),
               min_value=0),
        Column("material_cost", "decimal", "材料成本", False, ("材料费", "配件成本", "配件费", "parts_cost",
                                                           "material"), min_value=0),
        Column("logistics_cost", "decimal", "物流成本", False, ("物流费", "运费", "shipping_cost", "logistics"),
               min_value=0),
        Column("other_cost", "decimal", "其他成本", False, ("其他费用", "其它成本", "其它费用", "other"), min_value=0),
        Column("revenue", "decimal", "服务收入", False, ("营业额", "收入", "服务营收", "service_revenue", "income"),
               min_value=0),
    ),
)

FEEDBACK = Table(
    name="feedback",
    label="文本反馈",
    key="feedback_id",
    text_column="text",
    columns=(
        Column("feedback_id", "text", "反馈编号", True, ("反馈id", "评价编号", "评论id", "编号", "id",
                                                      "review_id", "comment_id")),
        Column("text", "text", "反馈内容", True, ("内容", "文本", "评价内容", "评论内容", "投诉内容", "问题描述",
                                               "反馈", "review", "comment", "content", "body")),
        Column("source", "enum", "来源", True, ("反馈来源", "类型", "反馈类型", "type", "kind"), enum=SOURCE),
        Column("created_at", "timestamp", "反馈时间", True, ("创建时间", "评价时间", "评论时间", "投诉时间", "时间",
                                                          "date", "time", "created", "create_time")),
        Column("ticket_id", "text", "工单号", False, ("工单编号", "服务单号", "ticket_no", "ticket")),
        Column("customer_id", "text", "客户编号", False, ("客户id", "用户id", "用户编号", "customer", "user_id")),
        Column("channel", "text", "渠道", False, ("来源渠道", "平台")),
        Column("product_line", "text", "产品线", False, ("产品类别", "品类", "category")),
        Column("product_model", "text", "产品型号", False, ("型号", "机型", "车型", "model")),
        Column("rating", "int", "评分", False, ("星级", "打分", "满意度", "score", "stars"),
               min_value=1, max_value=5),
    ),
)

FOLLOWUPS = Table(
    name="followups",
    label="回访",
    key="followup_id",
    text_column="note",
    columns=(
        Column("followup_id", "text", "回访编号", True, ("回访id", "回访单号", "followup", "follow_up_id", "visit_id")),
        Column("ticket_id", "text", "工单号", True, ("工单编号", "服务单号", "ticket_no", "ticket")),
        Column("contacted_at", "timestamp", "回访时间", True, ("回访日期", "联系时间", "contact_time", "contacted",
                                                            "called_at")),
        Column("method", "enum", "回访方式", False, ("方式", "联系方式", "channel", "contact_method"), enum=METHOD),
        Column("reached", "bool", "是否接通", True, ("接通", "是否联系上", "联系结果", "是否成功", "answered",
                                                  "connected", "success")),
        Column("satisfaction", "int", "满意度", False, ("满意度评分", "总体满意度", "服务满意度", "csat", "score"),
               min_value=1, max_value=5),
        Column("nps", "int", "推荐意愿", False, ("推荐度", "推荐意愿评分", "推荐值", "nps_score", "recommend"),
               min_value=0, max_value=10),
        Column("attitude_score", "int", "服务态度评分", False, ("服务态度", "态度评分", "attitude"),
               min_value=1, max_value=5),
        Column("professionalism_score", "int", "服务专业性评分", False, ("服务专业性", "专业性评分", "专业能力评分",
                                                                 "professionalism"), min_value=1, max_value=5),
        Column("effectiveness_score", "int", "服务效果评分", False, ("服务效果", "效果评分", "维修效果",
                                                              "effectiveness"), min_value=1, max_value=5),
        Column("note", "text", "回访记录", False, ("回访内容", "回访备注", "备注", "客户意见", "notes", "comment",
                                                "remark")),
    ),
)

ORDERS = Table(
    name="orders",
    label="购买记录",
    key="order_id",
    columns=(
        Column("order_id", "text", "订单号", True, ("订单编号", "订单id", "order_no", "order")),
        Column("customer_id", "text", "客户编号", True, ("客户id", "用户id", "用户编号", "会员编号", "customer",
                                                      "user_id")),
        Column("purchased_at", "timestamp", "购买时间", True, ("下单时间", "购买日期", "成交时间", "订单时间",
                                                            "order_time", "purchase_date", "ordered_at")),
        Column("product_line", "text", "产品线", False, ("产品类别", "品类", "category")),
        Column("product_model", "text", "产品型号", False, ("型号", "机型", "车型", "model", "product")),
        Column("quantity", "int", "数量", False, ("购买数量", "件数", "qty", "count"), min_value=0),
        Column("amount", "decimal", "金额", False, ("订单金额", "实付金额", "价格", "总价", "price", "total"),
               min_value=0),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (TICKETS, FEEDBACK, FOLLOWUPS, ORDERS)}


def get_table(name: str) -> Table:
    """The canonical table called ``name``; raises KeyError naming the valid tables."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; expected one of {', '.join(TABLE_NAMES)}") from None


_HEADER_NOISE = re.compile(r"[\s_\-（）()：:*＊]+")


def normalise_header(header: str) -> str:
    """Fold a source header for alias lookup: case, spaces, underscores, brackets, BOM."""
    return _HEADER_NOISE.sub("", str(header).replace("\ufeff", "")).casefold()


def alias_index(table: Table) -> dict[str, str]:
    """Map every normalised spelling (name, label, aliases) to the canonical column name."""
    index: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, col.label, *col.aliases):
            index.setdefault(normalise_header(spelling), col.name)
    return index


def enum_index(column: Column) -> dict[str, str]:
    """Map every folded spelling of an enum column's values to the canonical value."""
    index: dict[str, str] = {}
    for value, spellings in column.enum.items():
        for spelling in (value, *spellings):
            index[spelling.strip().casefold()] = value
    return index
