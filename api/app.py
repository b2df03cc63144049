"""Application factory: settings in, a FastAPI app out. Routers only translate HTTP to library calls.

The lifespan handler opens the store, builds the segmenter, loads the active model
(off the event loop) and starts one inference thread; everything lives on
``app.state.services`` (:class:`api.deps.Services`). Nothing is read at import time.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.background_training import BackgroundTraining
from api.deps import Services
from api.errors import install_error_handlers
from api.heavy import HeavyWork
from api.limits import BodySizeLimitMiddleware
from api.metrics import ApiMetrics, MetricsMiddleware
from api.ratelimit import RateLimiter
from api.routers import classify, dashboard, ingest, kpis, me, models, ops, themes
from api.runtime import ModelService
from api.security import KeyRing
from feedback_nlp import Settings, Store, __version__, get_settings
from feedback_nlp.text import Segmenter
from feedback_nlp.themes import preload_sub_themes
from feedback_nlp.training.background import needs_transformer

logger = logging.getLogger(__name__)

DESCRIPTION = """Chinese after-sales feedback: ingestion, classification, KPIs and themes.

Send an API key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Scopes: `read`
(KPIs, themes, models), `classify`, `ingest`, `admin` (activate models; implies all).
Every error has the shape `{"type", "message", "details"}`.
"""


def create_app(settings: Settings | None = None, *, segmenter: Segmenter | None = None,
               training_command: list[str] | None = None) -> FastAPI:
    """The app, bound to ``settings`` (default: from the environment).

    ``segmenter`` lets tests share one warmed-up segmenter between apps; by default the
    lifespan handler builds one from ``settings.text``. ``training_command`` replaces the
    background fine-tune's ``feedback-nlp train …`` command line (tests: a job of seconds).
    """
    settings = settings or get_settings()
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Process-wide: the event loop and the inference thread get the interpreter back sooner
        # from the heavy threads (their Python between DuckDB calls holds it).
        sys.setswitchinterval(settings.api.switch_interval_ms / 1000)
        store = None
        if settings.api.store == "write":  # a classify-only worker never opens it (several may run)
            store = Store(settings.database_path, timezone=settings.timezone, memory_limit=settings.db_memory_limit,
                          threads=settings.api.db_threads)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        heavy = HeavyWork(concurrency=settings.api.heavy_concurrency,
                          queue_timeout_s=settings.api.heavy_queue_timeout_s,
                          cache_size=settings.api.result_cache_size, per_key=settings.api.heavy_per_key)
        service: ModelService | None = None
        training: BackgroundTraining | None = None
        try:
            if store is not None:
                await asyncio.to_thread(store.connection)
            seg = segmenter if segmenter is not None else await asyncio.to_thread(Segmenter.from_settings,
                                                                                settings.text)
            service = ModelService(
                settings.model_dir, store, seg, executor, max_text_length=settings.api.max_text_length,
                batch_max_size=settings.api.batch_max_size, batch_max_wait_ms=settings.api.batch_max_wait_ms,
                quantize=settings.inference.quantize, num_threads=settings.inference.threads,
                runtime=settings.inference.runtime,
                on_batch=metrics.model_batch.observe, on_activate=metrics.set_active_model,
                pinned_model=settings.api.model, bulk_texts=settings.api.bulk_texts,
                bulk_chars=settings.api.bulk_chars, bulk_concurrency=settings.api.bulk_concurrency,
                bulk_queue_timeout_s=settings.api.heavy_queue_timeout_s, queue_limit=settings.api.classify_queue_limit,
                queue_timeout_ms=settings.api.classify_queue_timeout_ms,
            )  # fmt: skip
            await asyncio.to_thread(service.load_active)
            if store is not None:  # the first /v1/themes/top would otherwise import scikit-learn's clustering
                await asyncio.to_thread(preload_sub_themes)
            # What start-up loaded (model, dictionaries, segmenter) lives as long as the process: out of the
            # collector's way, so its full collections stop pausing every thread for tens of milliseconds.
            if gc.get_freeze_count() == 0:  # once per process (tests build many apps in one)
                gc.collect()
                gc.freeze()
            keys = KeyRing(settings.api.api_keys, settings.api.keys_file)
            if not len(keys) and settings.api.keys_file is None:
                logger.warning("no API keys configured: every /v1 request gets 401 "
                               "(create one with `feedback-nlp api-key create`)")
            app.state.services = Services(settings=settings, store_or_none=store, models=service, keys=keys,
                                          metrics=metrics, ingest_lock=threading.Lock(), heavy=heavy,
                                          limiter=RateLimiter(settings.api.rate_limit_per_s,
                                                              settings.api.rate_limit_burst))
            minutes = settings.api.background_finetune_minutes
            if store is not None and minutes > 0 and await asyncio.to_thread(needs_transformer, settings.model_dir):
                training = BackgroundTraining(settings, service, minutes=minutes, command=training_command)
                app.state.services.training = training
                await training.start()
            yield
        finally:
            if training is not None:
                await training.close()
            app.state.services = None
            if service is not None:
                await service.close()
            executor.shutdown(wait=True, cancel_futures=True)
            heavy.close()
            if store is not None:
                store.close()

    app = FastAPI(title="feedback-nlp", version=__version__, lifespan=lifespan, description=DESCRIPTION)
    app.state.services = None
    app.state.metrics = metrics
    install_error_handlers(app)
    for router in (ops.router, classify.router, ingest.router, kpis.router, themes.router, models.router,
                   me.router):
        app.include_router(router)
    app.include_router(dashboard.router)  # the page at / and its files (no key: every number comes from /v1)
    # Added last = outermost: sizes are checked before anything reads the body, metrics see every answer.
    if settings.api.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.api.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"])
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.api.max_body_bytes,
                       upload_bytes=settings.api.max_upload_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def factory() -> FastAPI:
    """The app from the environment's settings, for ``uvicorn --factory api.app:factory`` (several workers)."""
    return create_app()
