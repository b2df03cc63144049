"""A hand-built store whose every KPI for March 2024 (Asia/Shanghai) is worked out in the tests.

Tickets (times local +08:00; resp/res = hours to first response / resolution; coded = fault_type):

T1  C1 03-01 07:00 (02-29 23:00 UTC) resp 1   res 24 closed      华东 E1 S1 bought 2024-02-20 coded 漏水/渗漏
T2  C1 03-10 09:00                   resp 4   res 72 resolved    华东 E1 S1 bought 2024-02-20 coded leak
T3  C2 03-05 12:00                   resp 0.5        open        华南 E2 S2 (fault predicted temperature via F3)
T4  C3 03-20 08:00                                   cancelled   华南 E2 S3 coded 无明确故障
T5  C3 03-25 10:00                   resp 1.5 res 24 resolved    华南 –  –  bought 2023-01-01 (F6 unclassified)
T6  C4 02-15 10:00                                   in_progress 华东 E1 S6
T7  C2 03-31 20:00                                   open, reopened=1  华南 E2 S7 coded none
T8  C5 02-20 10:00                   resolved 04-05 10:00 closed 华东 E1 S8
T9  C1 04-10 10:00                   resolved 04-11 10:00 closed 华东 E1 S9 coded leak
T10 C2 03-15 10:00                                   open        华南 –  –  coded 制冷/制热/温控
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from feedback_nlp.schema import TABLES
from feedback_nlp.store import Store

TZ = "+08:00"


def ts(text: str) -> str:
    return f"2024-{text}:00{TZ}" if len(text) == 11 else f"{text}{TZ}"


def _t(ticket_id: str, customer: str, created: str, status: str, **kw: Any) -> dict[str, Any]:
    row = {"ticket_id": ticket_id, "customer_id": customer, "created_at": ts(created), "status": status}
    for key in ("first_response_at", "resolved_at", "closed_at"):
        if key in kw:
            kw[key] = ts(kw[key])
    row.update(kw)
    return row


COST = {"labor_cost": None, "material_cost": None, "logistics_cost": None, "other_cost": None, "revenue": None}

TICKETS = [
    _t("T1", "C1", "03-01 07:00", "closed", first_response_at="03-01 08:00", resolved_at="03-02 07:00",
       closed_at="03-02 08:00", region="华东", engineer_id="E1", team="A", product_line="空调", product_model="M1",
       serial_no="S1", purchase_date="2024-02-20", fault_type="漏水/渗漏", severity="major", visits=1,
       first_time_fix=True, reopened=0, is_complaint=False, returned=False, labor_cost=100, material_cost=50,
       logistics_cost=10, other_cost=0, revenue=200),
    _t("T2", "C1", "03-10 09:00", "resolved", first_response_at="03-10 13:00", resolved_at="03-13 09:00",
       region="华东", engineer_id="E1", team="A", product_line="空调", product_model="M1", serial_no="S1",
       purchase_date="2024-02-20", fault_type="leak", severity="normal", visits=2, first_time_fix=False, reopened=1,
       is_complaint=True, returned=False, labor_cost=200, revenue=100),
    _t("T3", "C2", "03-05 12:00", "open", first_response_at="03-05 12:30", region="华南", engineer_id="E2", team="B",
       product_line="冰箱", product_model="M2", serial_no="S2", severity="minor", is_complaint=True),
    _t("T4", "C3", "03-20 08:00", "cancelled", region="华南", engineer_id="E2", team="B", product_line="冰箱",
       product_model="M2", serial_no="S3", fault_type="无明确故障", is_complaint=True, returned=True, labor_cost=0,
       material_cost=0, logistics_cost=0, other_cost=0, visits=5, reopened=3),
    _t("T5", "C3", "03-25 10:00", "resolved", first_response_at="03-25 11:30", resolved_at="03-26 10:00",
       region="华南", team="B", product_line="冰箱", product_model="M2", purchase_date="2023-01-01",
       severity="critical", visits=0, reopened=0, is_complaint=False, returned=True, labor_cost=40, revenue=0),
    _t("T6", "C4", "02-15 10:00", "in_progress", region="华东", engineer_id="E1", team="A", product_line="空调",
       product_model="M1", serial_no="S6"),
    _t("T7", "C2", "03-31 20:00", "open", region="华南", engineer_id="E2", team="B", product_line="冰箱",
       product_model="M2", serial_no="S7", fault_type="none", reopened=1, is_complaint=False, returned=False),
    _t("T8", "C5", "02-20 10:00", "closed", resolved_at="04-05 10:00", region="华东", engineer_id="E1", team="A",
       product_line="空调", product_model="M1", serial_no="S8"),
    _t("T9", "C1", "04-10 10:00", "closed", resolved_at="04-11 10:00", region="华东", engineer_id="E1", team="A",
       product_line="空调", product_model="M1", serial_no="S9", fault_type="leak"),
    _t("T10", "C2", "03-15 10:00", "open", region="华南", team="B", product_line="冰箱", product_model="M2",
       fault_type="制冷/制热/温控", is_complaint=True),
]


def _f(feedback_id: str, created: str, source: str, **kw: Any) -> dict[str, Any]:
    return {"feedback_id": feedback_id, "text": f"text of {feedback_id}", "source": source, "created_at": ts(created),
            **kw}


FEEDBACK = [
    _f("F1", "03-02 10:00", "review", rating=4, product_line="空调", product_model="M1"),
    _f("F2", "03-05 10:00", "review", rating=1, product_line="冰箱", product_model="M2"),
    _f("F3", "03-06 10:00", "complaint", ticket_id="T3", customer_id="C2", product_line="冰箱", product_model="M2"),
    _f("F4", "02-10 10:00", "survey", rating=5, product_line="空调"),
    _f("followup:U2", "03-14 10:00", "followup", ticket_id="T2", customer_id="C1", product_line="空调"),
    _f("F6", "03-26 10:00", "complaint", ticket_id="T5", customer_id="C3", product_line="冰箱"),
]


def _u(followup_id: str, ticket_id: str, contacted: str, reached: bool, **kw: Any) -> dict[str, Any]:
    return {"followup_id": followup_id, "ticket_id": ticket_id, "contacted_at": ts(contacted), "reached": reached,
            **kw}


FOLLOWUPS = [
    _u("U1", "T2", "03-13 12:00", True, method="phone", satisfaction=5, nps=10, attitude_score=5,
       professionalism_score=4, effectiveness_score=5),
    _u("U2", "T2", "03-14 10:00", False, method="phone", note="无人接听"),
    _u("U3", "T2", "03-15 10:00", True, method="sms", satisfaction=2, nps=7, attitude_score=3, effectiveness_score=2),
    _u("U4", "T4", "03-21 10:00", True, method="wechat", satisfaction=1, nps=0, attitude_score=1),
    _u("U5", "T5", "03-27 10:00", True),
    _u("U6", "T6", "02-20 10:00", True, method="phone", satisfaction=3, nps=9),
]


def _o(order_id: str, customer: str, purchased: str, line: str, model: str, quantity: int | None) -> dict[str, Any]:
    return {"order_id": order_id, "customer_id": customer, "purchased_at": ts(purchased), "product_line": line,
            "product_model": model, "quantity": quantity}


ORDERS = [
    _o("O1", "C1", "2023-06-01 10:00:00", "空调", "M1", 1),
    _o("O2", "C2", "2023-09-10 10:00:00", "冰箱", "M2", 2),
    _o("O3", "C3", "2023-12-01 10:00:00", "冰箱", "M2", None),
    _o("O4", "C4", "2022-12-01 10:00:00", "空调", "M1", 1),
    _o("O5", "C1", "2024-03-05 10:00:00", "空调", "M1", 3),
    _o("O6", "C5", "2024-03-10 10:00:00", "冰箱", "M2", 1),
    _o("O7", "C5", "2024-03-20 10:00:00", "冰箱", "M2", 2),
    _o("O8", "C6", "2023-05-01 10:00:00", "空调", "M1", 1),
]

# (feedback_id, model, primary_fault, sentiment, aspects, predicted_at)
PREDICTIONS = [
    ("F1", "demo@v1", "none", "positive", ["attitude"], "2024-05-01 10:00:00"),
    ("F2", "demo@v1", "none", "negative", ["response", "attitude"], "2024-05-01 10:00:00"),
    ("F3", "demo@v1", "temperature", "negative", [], "2024-05-01 10:00:00"),
    ("F4", "demo@v1", "none", "positive", ["cost"], "2024-05-01 10:00:00"),
    ("followup:U2", "demo@v1", "none", "neutral", ["communication"], "2024-05-01 10:00:00"),
    ("F1", "old@v0", "none", "negative", [], "2024-04-01 10:00:00"),
]


def insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with every value cast to the table's SQL type (absent keys are NULL)."""
    spec = TABLES[table]
    frame = pd.DataFrame([{c: row.get(c) for c in spec.column_names} for row in rows], dtype=object)
    cols = ", ".join(f"CAST({c} AS {spec.column(c).sql_type}) AS {c}" for c in spec.column_names)
    con = store.connection()
    con.register("_rows", frame.astype({c: "string" for c in spec.column_names}))
    try:
        con.execute(f"INSERT INTO {table} SELECT {cols} FROM _rows")
    finally:
        con.unregister("_rows")


def insert_predictions(store: Store, rows: list[tuple[str, str, str, str, list[str], str]]) -> None:
    con = store.connection()
    for feedback_id, model, fault, sentiment, aspects, at in rows:
        name, version = model.split("@")
        con.execute("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?::TIMESTAMPTZ)",
                    [feedback_id, name, version, [fault], fault, sentiment, aspects, at + TZ])


def build(store: Store, *, predictions: bool = True, orders: bool = True) -> Store:
    insert(store, "tickets", TICKETS)
    insert(store, "feedback", FEEDBACK)
    insert(store, "followups", FOLLOWUPS)
    if orders:
        insert(store, "orders", ORDERS)
    if predictions:
        insert_predictions(store, PREDICTIONS)
    return store
