"""One configuration object for the whole product.

Settings come from, in order of precedence: keyword arguments, environment variables
with the ``FEEDBACK_NLP_`` prefix (``__`` separates nested groups, e.g.
``FEEDBACK_NLP_INGEST__MAX_TEXT_LENGTH=2000``), a ``.env`` file in the working
directory, then the defaults below. Entry points (CLI, API, training scripts) call
:func:`get_settings` and pass plain values into the library; library functions never
read settings themselves, so they stay testable without an environment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngestSettings(BaseModel):
    """Ingestion limits."""

    max_text_length: int = Field(5000, gt=0, description="Longest accepted feedback text or note, in characters.")
    chunk_rows: int = Field(100_000, gt=0, description="Rows read and validated per chunk; bounds memory.")


class TextSettings(BaseModel):
    """Normalisation and segmentation."""

    user_dict_paths: list[Path] = Field(
        default_factory=list,
        description="Extra jieba user dictionaries, loaded after the shipped domain dictionary.",
    )
    stopwords_paths: list[Path] = Field(
        default_factory=list, description="Extra stopword files (one word per line) for keyword extraction."
    )
    jieba_cache_dir: Path | None = Field(None, description="Where jieba caches its prefix dictionary.")
    hmm: bool = Field(
        True,
        description="jieba's HMM for words missing from the dictionaries; off is ~35% faster segmentation "
        "and slightly less accurate (see README).",
    )


class InferenceSettings(BaseModel):
    """How a model is run when it classifies (CLI, API, stored feedback)."""

    runtime: Literal["onnx", "torch"] = Field(
        "onnx",
        description="Engine of transformer models: 'onnx' (ONNX Runtime; the graph is exported into the model "
        "directory when missing) or 'torch'. Chosen by benchmarks/transformer_bench.py: ONNX Runtime is faster "
        "and smaller on CPU (see README).",
    )
    quantize: bool = Field(
        True,
        description="Run transformer models with int8 dynamic quantisation (chosen by benchmarks/"
        "transformer_bench.py: faster on CPU at a small cost in agreement; see README).",
    )
    threads: int | None = Field(None, gt=0, description="CPU threads for inference (default: the engine's).")


class KpiTargets(BaseModel):
    """Default KPI targets from shared/spec/kpis.md; override per deployment."""

    first_response_hours: float = Field(2.0, gt=0, description="Response-time target (hours).")
    resolution_hours: float = Field(48.0, gt=0, description="Resolution-time target (hours).")
    resolution_rate: float = Field(0.90, ge=0, le=1)
    first_time_fix_rate: float = Field(0.80, ge=0, le=1)
    repeat_problem_rate: float = Field(0.05, ge=0, le=1)
    csat_rate: float = Field(0.95, ge=0, le=1)
    # KPIs without a default target in kpis.md: unset (no target, "met" is null) until a
    # deployment sets one, e.g. FEEDBACK_NLP_KPI_TARGETS__NPS=30. Shares are 0–1.
    response_sla_rate: float | None = Field(None, ge=0, le=1)
    resolution_sla_rate: float | None = Field(None, ge=0, le=1)
    backlog: float | None = Field(None, ge=0, description="Most open tickets at the end of the window.")
    backlog_overdue_rate: float | None = Field(None, ge=0, le=1)
    reopen_rate: float | None = Field(None, ge=0, le=1)
    repeat_repair_rate: float | None = Field(None, ge=0, le=1)
    visits_per_ticket: float | None = Field(None, ge=0)
    csat_score: float | None = Field(None, ge=1, le=5)
    nps: float | None = Field(None, ge=-100, le=100)
    recommendation_rate: float | None = Field(None, ge=0, le=1)
    service_quality_score: float | None = Field(None, ge=1, le=5)
    complaint_rate: float | None = Field(None, ge=0, le=1)
    repeat_complaint_rate: float | None = Field(None, ge=0, le=1)
    followup_rate: float | None = Field(None, ge=0, le=1)
    followup_reach_rate: float | None = Field(None, ge=0, le=1)
    feedback_rate: float | None = Field(None, ge=0, le=1)
    fault_rate: float | None = Field(None, ge=0)
    early_failure_rate: float | None = Field(None, ge=0, le=1)
    return_rate: float | None = Field(None, ge=0)
    cost_per_ticket: float | None = Field(None, ge=0)
    cost_revenue_ratio: float | None = Field(None, ge=0)
    churn_rate: float | None = Field(None, ge=0, le=1)
    repurchase_rate: float | None = Field(None, ge=0, le=1)
    negative_rate: float | None = Field(None, ge=0, le=1)


#: What an API key may do: ``read`` KPIs, themes and models; ``classify`` texts; ``ingest`` rows;
#: ``admin`` activate models (and everything else).
ApiScope = Literal["read", "classify", "ingest", "admin"]


class ApiKeySpec(BaseModel):
    """One API key as configured: never the key itself, only its SHA-256."""

    name: str = Field(..., min_length=1, description="Who holds the key (shown in logs, never the key).")
    key_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the key.")
    scopes: list[ApiScope] = Field(..., min_length=1, description="What the key may do; admin implies all.")
    expires_at: datetime | None = Field(
        None, description="When the key stops working (ISO 8601; without a zone: UTC). None: never."
    )
    rate_per_s: float | None = Field(
        None, ge=0, description="This key's sustained requests per second (0: unlimited; None: the server's "
        "api.rate_limit_per_s)."
    )
    burst: int | None = Field(
        None, gt=0, description="Requests this key may send at once above its rate (None: api.rate_limit_burst)."
    )

    @field_validator("expires_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class ApiSettings(BaseModel):
    """The HTTP API: keys, request limits, micro-batching of classify requests."""

    api_keys: list[ApiKeySpec] = Field(
        default_factory=list,
        description='Accepted keys, a JSON list: \'[{"name": "bi", "key_sha256": "…", "scopes": ["read"]}]\' '
        "(`feedback-nlp api-key create` prints an entry).",
    )
    keys_file: Path | None = Field(
        None,
        description="A JSON file of more keys, entries as in api_keys plus optional expires_at; re-read while "
        "the server runs (at most once a second, when its size or modification time changes), so "
        "`feedback-nlp api-key create/revoke --file` take effect without a restart.",
    )
    max_texts: int = Field(1000, gt=0, description="Most texts in one classify request.")
    max_text_length: int = Field(5000, gt=0, description="Longest text classify accepts, in characters.")
    max_body_bytes: int = Field(32 * 1024 * 1024, gt=0, description="Largest request body (413 above it).")
    max_upload_bytes: int = Field(
        256 * 1024 * 1024, gt=0, description="Largest body of POST /v1/ingest (a file upload or JSON rows)."
    )
    batch_max_size: int = Field(256, gt=0, description="Most texts the micro-batcher runs through the model at once.")
    batch_max_wait_ms: float = Field(
        0.0, ge=0,
        description="How long an idle micro-batcher waits for more requests before running a batch. 0 (default): "
        "a lone request runs at once, and requests arriving while a batch runs form the next batch.",
    )
    heavy_concurrency: int = Field(
        1, gt=0,
        description="KPI and theme computations running at once, per route class (KPIs, themes), each on a "
        "thread of their own pool: /health, /ready and classify never wait behind them. 1 (default) suits 2 "
        "cores: every running computation takes a share of the interpreter from classification.",
    )
    keep_alive_s: float = Field(
        30.0, gt=0,
        description="How long the server keeps an idle HTTP connection open (uvicorn's timeout_keep_alive; its "
        "default is 5 s). Longer than any Retry-After it sends, so a client that waits as told does not meet "
        "a connection closed under it.",
    )
    switch_interval_ms: float = Field(
        1.0, gt=0,
        description="How often Python's threads hand over the interpreter (sys.setswitchinterval; Python's "
        "default is 5 ms). Shorter: /health and one-text classify wait less behind KPI threads.",
    )
    heavy_queue_timeout_s: float = Field(
        10.0, gt=0,
        description="How long a KPI or theme request waits for a free slot before it is answered "
        "503 busy with Retry-After.",
    )
    result_cache_size: int = Field(
        256, ge=0,
        description="KPI and theme responses kept (least recently used first out), keyed on the route, its "
        "parameters and the store's data version (every ingest and prediction write changes it); 0: no cache.",
    )
    db_threads: int | None = Field(
        1, gt=0,
        description="DuckDB worker threads of the server's store (None: one per core). 1 (default): a KPI or "
        "theme query never takes every core, so classify and /health keep answering under analytics load.",
    )
    heavy_per_key: int = Field(
        4, gt=0,
        description="KPI or theme computations one API key may have queued or running per route class; "
        "more are answered 429 with Retry-After (identical requests share one computation and do not count).",
    )
    classify_queue_limit: int = Field(
        64, ge=0,
        description="Classify requests that may wait for the model at once (per process); more are answered "
        "503 busy with Retry-After: 1 at once instead of queueing for seconds. 0: no limit.",
    )
    classify_queue_timeout_ms: float = Field(
        250.0, ge=0,
        description="Longest a one-text (non-bulk) classify request waits for its model batch. One that waited "
        "longer is answered 503 busy with Retry-After: 1, and while the oldest waiting request is that late new "
        "ones are refused at once, so answered requests stay fast under overload. 0: no limit.",
    )
    bulk_texts: int = Field(
        64, gt=0,
        description="A classify request of more texts than this (or of more than bulk_chars characters) runs "
        "in the bulk lane, on a thread of its own, so one-text requests never wait behind it.",
    )
    bulk_chars: int = Field(20_000, gt=0, description="A classify request of more characters runs in the bulk lane.")
    bulk_concurrency: int = Field(
        1, gt=0, description="Bulk classify requests running at once; others wait up to heavy_queue_timeout_s, "
        "then 503 busy with Retry-After.",
    )
    rate_limit_per_s: float = Field(
        50.0, ge=0,
        description="Requests per second each API key may sustain (a token bucket per key; 0: no limit). "
        "Over it: 429 rate_limited with Retry-After. A key's own rate_per_s overrides it.",
    )
    rate_limit_burst: int = Field(
        200, gt=0, description="Requests a key may send at once before rate_limit_per_s applies (the bucket's size).",
    )
    background_finetune_minutes: float = Field(
        0.0, ge=0,
        description="When > 0 and the model folder holds no fine-tuned transformer, the server fine-tunes one "
        "in a background process with this budget while it serves, and switches to it when it beats the "
        "serving model (`serve --demo` sets it on a first start). 0: never.",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS (none: no CORS).")
    store: Literal["write", "none"] = Field(
        "write",
        description="'write': the server opens the store (one such process per store: DuckDB allows one). "
        "'none': a classify-only worker that never opens it — run several (`feedback-nlp serve "
        "--classify-only --workers N`) next to one writer; store routes answer 503 store_unavailable.",
    )
    model: str | None = Field(
        None,
        description="A classify-only worker's model (NAME or NAME@VERSION; default: the newest baseline, "
        "as without an activation). A writer serves the model activated in the store.",
    )


class Settings(BaseSettings):
    """Everything configurable. Paths are resolved relative to the working directory."""

    model_config = SettingsConfigDict(
        env_prefix="FEEDBACK_NLP_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Where the store, demo data and ingest reports live.")
    db_path: Path | None = Field(None, description="DuckDB file; defaults to <data_dir>/feedback.duckdb.")
    db_memory_limit: str = Field("1GB", description="DuckDB memory cap; beyond it queries spill to disk.")
    db_threads: int | None = Field(
        None, gt=0, description="DuckDB worker threads (default: one per core). The API server uses "
        "api.db_threads instead.")
    model_dir: Path = Field(Path("models"), description="Model artifacts, one directory per model version.")
    public_data_dir: Path = Field(
        Path("../shared/data/public"),
        description="Public labelled Chinese data (read in place) used when a model is trained on first start.",
    )
    timezone: str = Field("Asia/Shanghai", description="Zone for timestamps given without one, and for periods.")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    text: TextSettings = Field(default_factory=TextSettings)
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    kpi_targets: KpiTargets = Field(default_factory=KpiTargets)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @property
    def database_path(self) -> Path:
        return self.db_path if self.db_path is not None else self.data_dir / "feedback.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call ``get_settings.cache_clear()``."""
    return Settings()
