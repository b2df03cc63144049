"""A large, plausible store for analytics benchmarks (KPIs, themes), built in seconds.

    from benchmarks.analytics_store import build_store
    path = build_store(Path("benchmarks/out/analytics_1000000.duckdb"))

Every column is drawn with vectorised numpy and bulk-inserted into DuckDB from Arrow,
through :class:`feedback_nlp.store.Store` so the schema is the product's. Predictions
of one model, ``bench@v1``, cover every feedback row. Values are plausible rather than
causal (see ``feedback_nlp.demo`` for a coherent story): right-skewed response and
resolution times, ~85% resolved tickets, ~30% of tickets without an agent-coded fault,
repeat units and customers, a 2-year history ending 2026-10-31 (Asia/Shanghai).

The file is cached: when it exists with the requested row counts it is reused.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

MODEL_NAME, MODEL_VERSION = "bench", "v1"
END_US = 1_793_462_400_000_000  # 2026-11-01 00:00 +08:00 as UTC microseconds
HISTORY_DAYS = 730
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000

REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
REGION_P = (0.28, 0.20, 0.16, 0.13, 0.11, 0.06, 0.06)
CHANNELS = ("电话", "在线", "App", "门店", "邮件", "社交媒体")
LINES = ("空调", "冰箱", "洗衣机", "热水器", "电视", "手机", "笔记本", "汽车")
STATUSES = ("closed", "resolved", "open", "in_progress", "cancelled")
STATUS_P = (0.55, 0.30, 0.05, 0.05, 0.05)
SEVERITIES = ("minor", "normal", "major", "critical")
SOURCES = ("complaint", "review", "followup", "survey")
METHODS = ("phone", "sms", "wechat", "email", "visit")
SENTIMENTS = ("negative", "neutral", "positive")
TEXTS = ("空调不制冷，师傅上门很快", "冰箱噪音大，客服态度很好", "洗衣机漏水，等配件等了一周",
         "手机充不进电，希望尽快处理", "安装师傅很专业，满意", "电视黑屏，维修后正常",
         "收费不合理，解释不清楚", "热水器不加热，第二次报修了")


def expected_counts(n_tickets: int, n_feedback: int, n_followups: int, n_orders: int) -> dict[str, int]:
    return {"tickets": n_tickets, "feedback": n_feedback, "followups": n_followups, "orders": n_orders,
            "predictions": n_feedback}


def _counts(path: Path) -> dict[str, int] | None:
    """Row counts of a cached store, and ``with_keywords`` (predictions carrying ``scores->'keywords'``)."""
    try:
        with Store(path, read_only=True) as store:
            counts = dict(store.info().tables)
            row = store.cursor().execute("SELECT count(*) FROM (SELECT 1 FROM predictions "
                                         "WHERE json_extract(scores, '$.keywords') IS NOT NULL LIMIT 1)").fetchone()
            counts["with_keywords"] = int(row[0]) if row else 0
            return counts
    except Exception:  # noqa: BLE001 - any unreadable file is rebuilt
        return None


def build_store(path: Path, n_tickets: int = 1_000_000, n_feedback: int = 1_000_000, n_followups: int = 500_000,
                n_orders: int = 1_000_000, seed: int = 0) -> Path:
    """Fill a DuckDB store at ``path`` (reused when it already holds these counts); returns ``path``."""
    path = Path(path)
    # with_keywords: stores cached before predictions carried keywords are rebuilt.
    want = {**expected_counts(n_tickets, n_feedback, n_followups, n_orders), "with_keywords": int(n_feedback > 0)}
    if path.exists():
        have = _counts(path)
        if have is not None and all(have.get(k) == v for k, v in want.items()):
            return path
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    taxonomy = Taxonomy.default()
    with Store(tmp, memory_limit="4GB") as store:
        con = store.connection()
        con.execute("SET enable_progress_bar = false")
        n_customers = max(1, n_tickets // 2)
        tickets = _tickets(rng, n_tickets, n_customers, taxonomy)
        _insert(con, "tickets", tickets)
        _insert(con, "orders", _orders(rng, n_orders, n_customers))
        _insert(con, "followups", _followups(rng, n_followups, tickets))
        feedback = _feedback(rng, n_feedback, tickets)
        _insert(con, "feedback", feedback)
        _insert(con, "predictions", _predictions(rng, feedback["feedback_id"], taxonomy,
                                                 _keywords_json(feedback["_text_idx"])))
        con.execute("CHECKPOINT")
    tmp.rename(path)
    return path


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, pa.Array]) -> None:
    """Bulk insert; keys starting with ``_`` are helpers for later tables, not columns."""
    con.register("_bench_rows", pa.table({k: v for k, v in columns.items() if not k.startswith("_")}))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _bench_rows")
    finally:
        con.unregister("_bench_rows")


def _ts(us: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=mask)


def _pick(rng: np.random.Generator, values: tuple[str, ...], n: int, p: tuple[float, ...] | None = None,
          null_share: float = 0.0) -> pa.Array:
    idx = rng.choice(len(values), n, p=p)
    mask = rng.random(n) < null_share if null_share else None
    return pa.DictionaryArray.from_arrays(pa.array(idx, type=pa.int32(), mask=mask), pa.array(values)).cast(
        pa.string())


def _ids(prefix: str, n: int, width: int = 8) -> pa.Array:
    return pa.array(np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)))


def _tickets(rng: np.random.Generator, n: int, n_customers: int, taxonomy: Taxonomy) -> dict[str, pa.Array]:
    created = END_US - rng.integers(1, HISTORY_DAYS * _DAY_US, n)
    status_idx = rng.choice(len(STATUSES), n, p=STATUS_P)
    done = status_idx <= 1
    resp = created + (rng.lognormal(-0.5, 1.2, n) * _HOUR_US).astype(np.int64)
    resolved = created + (rng.lognormal(3.0, 0.9, n) * _HOUR_US).astype(np.int64)
    closed = resolved + rng.integers(1, 72, n) * _HOUR_US
    models = np.array([f"{line}-{i}" for line in LINES for i in range(5)])
    model_idx = rng.integers(0, len(models), n)
    faults = [label.name_zh for label in taxonomy.fault_types.labels]
    n_engineers = 800
    costed = done
    customer = rng.integers(0, n_customers, n)
    cols: dict[str, pa.Array] = {
        "ticket_id": _ids("T", n),
        "customer_id": pa.array(np.char.add("C", customer.astype(str))),
        "created_at": _ts(created),
        "first_response_at": _ts(resp, mask=rng.random(n) < 0.03),
        "resolved_at": _ts(resolved, mask=~done),
        "closed_at": _ts(closed, mask=status_idx != 0),
        "status": pa.array(np.array(STATUSES)[status_idx]),
        "channel": _pick(rng, CHANNELS, n),
        "product_line": pa.array(np.array(LINES)[model_idx // 5]),
        "product_model": pa.array(models[model_idx]),
        "serial_no": pa.array(np.char.add("SN", rng.integers(0, int(n * 0.9) + 1, n).astype(str)),
                              mask=rng.random(n) < 0.1),
        "purchase_date": pa.array(((created - rng.integers(0, 900, n) * _DAY_US) // _DAY_US).astype("int32"),
                                  type=pa.date32(), mask=rng.random(n) < 0.1),
        "region": _pick(rng, REGIONS, n, REGION_P),
        "engineer_id": pa.array(np.char.add("E", rng.integers(0, n_engineers, n).astype(str)),
                                mask=rng.random(n) < 0.05),
        "team": pa.array(np.char.add("团队", rng.integers(0, 20, n).astype(str))),
        "fault_type": _pick(rng, tuple(faults), n, null_share=0.3),
        "severity": _pick(rng, SEVERITIES, n, (0.25, 0.5, 0.2, 0.05)),
        "visits": pa.array(rng.integers(0, 4, n), type=pa.int32()),
        "first_time_fix": pa.array(rng.random(n) < 0.8, mask=~done),
        "reopened": pa.array(rng.choice(3, n, p=(0.9, 0.08, 0.02)), type=pa.int32()),
        "is_complaint": pa.array(rng.random(n) < 0.1),
        "returned": pa.array(rng.random(n) < 0.03),
    }
    for name, scale in (("labor_cost", 120.0), ("material_cost", 80.0), ("logistics_cost", 15.0),
                        ("other_cost", 5.0), ("revenue", 60.0)):
        cols[name] = pa.array(np.round(rng.gamma(1.5, scale, n), 2), mask=~costed)
    cols["_customer"] = pa.array(customer)  # dropped before insert; used to link feedback
    cols["_created"] = pa.array(created)
    return cols


def _orders(rng: np.random.Generator, n: int, n_customers: int) -> dict[str, pa.Array]:
    purchased = END_US - rng.integers(1, (HISTORY_DAYS + 365) * _DAY_US, n)
    model_idx = rng.integers(0, len(LINES) * 5, n)
    return {
        "order_id": _ids("O", n),
        "customer_id": pa.array(np.char.add("C", rng.integers(0, n_customers, n).astype(str))),
        "purchased_at": _ts(purchased),
        "product_line": pa.array(np.array(LINES)[model_idx // 5]),
        "product_model": pa.array(np.array([f"{line}-{i}" for line in LINES for i in range(5)])[model_idx]),
        "quantity": pa.array(rng.choice((1, 1, 1, 2, 3), n), type=pa.int32()),
        "amount": pa.array(np.round(rng.gamma(2.0, 1500.0, n), 2)),
    }


def _followups(rng: np.random.Generator, n: int, tickets: dict[str, pa.Array]) -> dict[str, pa.Array]:
    n_tickets = len(tickets["ticket_id"])
    idx = rng.integers(0, n_tickets, n)
    created = tickets["_created"].to_numpy()[idx]
    reached = rng.random(n) < 0.7
    rated = reached & (rng.random(n) < 0.8)

    def score(low: int, high: int) -> pa.Array:
        return pa.array(rng.integers(low, high + 1, n), type=pa.int32(), mask=~rated)

    return {
        "followup_id": _ids("U", n),
        "ticket_id": tickets["ticket_id"].take(pa.array(idx)),
        "contacted_at": _ts(created + rng.integers(24, 200, n) * _HOUR_US),
        "method": _pick(rng, METHODS, n, (0.6, 0.15, 0.15, 0.05, 0.05)),
        "reached": pa.array(reached),
        "satisfaction": score(1, 5),
        "nps": score(0, 10),
        "attitude_score": score(1, 5),
        "professionalism_score": score(1, 5),
        "effectiveness_score": score(1, 5),
    }


def _feedback(rng: np.random.Generator, n: int, tickets: dict[str, pa.Array]) -> dict[str, pa.Array]:
    n_tickets = len(tickets["ticket_id"])
    idx = rng.integers(0, n_tickets, n)
    linked = rng.random(n) < 0.6
    take = pa.array(idx)
    created = np.where(linked, tickets["_created"].to_numpy()[idx] + rng.integers(1, 96, n) * _HOUR_US,
                       END_US - rng.integers(1, HISTORY_DAYS * _DAY_US, n))
    text_idx = rng.choice(len(TEXTS), n)  # as _pick draws it; kept to give each text its keywords
    return {
        "feedback_id": _ids("F", n),
        "text": pa.DictionaryArray.from_arrays(pa.array(text_idx, type=pa.int32()), pa.array(TEXTS)).cast(pa.string()),
        "_text_idx": pa.array(text_idx),
        "source": _pick(rng, SOURCES, n, (0.35, 0.4, 0.15, 0.1)),
        "created_at": _ts(created),
        "ticket_id": pa.array(tickets["ticket_id"].take(take).to_numpy(zero_copy_only=False), mask=~linked),
        "customer_id": tickets["customer_id"].take(take),
        "channel": tickets["channel"].take(take),
        "product_line": tickets["product_line"].take(take),
        "product_model": tickets["product_model"].take(take),
        "rating": pa.array(rng.integers(1, 6, n), type=pa.int32(), mask=rng.random(n) < 0.6),
    }


def _keywords_json(text_idx: pa.Array) -> pa.Array:
    """Each text's ``scores`` JSON as ``classify_store`` writes it: ``{"keywords": [...]}``.

    The keywords are those the product extracts (jieba with the domain dictionary and
    stopwords, :func:`feedback_nlp.themes.keywords.text_keywords`), computed once per
    distinct text.
    """
    from feedback_nlp.predictions import STORED_KEYWORDS
    from feedback_nlp.text import Segmenter
    from feedback_nlp.themes.keywords import text_keywords

    segmenter = Segmenter()
    docs = [json.dumps({"keywords": text_keywords(segmenter, text, top_k=STORED_KEYWORDS)}, ensure_ascii=False)
            for text in TEXTS]
    return pa.DictionaryArray.from_arrays(text_idx.cast(pa.int32()), pa.array(docs)).cast(pa.string())


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array: pyarrow returns a chunked one for a large string array (10M rows)."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _predictions(rng: np.random.Generator, feedback_ids: pa.Array, taxonomy: Taxonomy,
                 scores: pa.Array | None = None) -> dict[str, pa.Array]:
    n = len(feedback_ids)
    codes = tuple(taxonomy.fault_types.codes)
    aspects = tuple(taxonomy.aspects.codes)
    primary = np.array(codes)[rng.integers(0, len(codes), n)]
    n_aspects = rng.choice(3, n, p=(0.45, 0.4, 0.15))
    offsets = np.concatenate([[0], np.cumsum(n_aspects)]).astype(np.int32)
    values = _flat(pa.array(np.array(aspects)[rng.integers(0, len(aspects), int(offsets[-1]))]))
    return {
        "feedback_id": feedback_ids,
        "model_name": pa.array(np.full(n, MODEL_NAME)),
        "model_version": pa.array(np.full(n, MODEL_VERSION)),
        "fault_types": pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32)), _flat(pa.array(primary))),
        "primary_fault": pa.array(primary),
        "sentiment": _pick(rng, SENTIMENTS, n, (0.45, 0.2, 0.35)),
        "aspects": pa.ListArray.from_arrays(pa.array(offsets), values),
        "predicted_at": _ts(np.full(n, END_US)),
        **({"scores": scores} if scores is not None else {}),
    }
