"""What the app holds while it runs: the store, the segmenter and the loaded models.

Built once in the lifespan handler (:func:`api.app.create_app`). Classify requests go
through the model's micro-batcher on the one inference thread (at most ``queue_limit``
waiting, none longer than ``queue_timeout_ms``: more, or later, are answered 503 busy), except bulk requests (more
than ``bulk_texts`` texts or ``bulk_chars`` characters): those run on a bulk thread of
their own (at most ``bulk_concurrency`` at once, 503 busy after ``bulk_queue_timeout_s``),
so a one-text request never waits for a 1,000-text one to finish. Models are loaded
once and cached per model directory; the active one is swapped atomically (one
reference assignment) when a model is activated, so a request in flight finishes on
the model it started with and the next one uses the new model.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.batching import MicroBatcher, QueueTimeout
from api.errors import ApiError
from feedback_nlp.classification import Classification
from feedback_nlp.classifiers.artifacts import (
    ModelInfo,
    find_model,
    list_models,
    model_taxonomy,
    read_metadata,
    resolve_model,
)
from feedback_nlp.classifiers.registry import activate, active_model
from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import HEADS, Taxonomy
from feedback_nlp.text import Segmenter

logger = logging.getLogger(__name__)

#: What a client may name as a model: NAME or NAME@VERSION, never a path.
MODEL_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(@[A-Za-z0-9][A-Za-z0-9_.\-]*)?$"
_MODEL_REF_RE = re.compile(MODEL_REF_PATTERN)


@dataclass
class LoadedModel:
    """One model ready to classify, with its Chinese label names and its micro-batcher."""

    ref: str
    path: Path
    kind: str
    classification: Classification
    names_zh: dict[str, dict[str, str]]
    batcher: MicroBatcher[str, dict[str, Any]] = field(repr=False)

    def name_zh(self, head: str, code: str | None) -> str | None:
        if code is None:
            return None
        return self.names_zh.get(head, {}).get(code, code)


class ModelService:
    """Loads, caches and swaps models; classifies through each model's micro-batcher."""

    def __init__(self, model_dir: Path, store: Store | None, segmenter: Segmenter, executor: Executor, *,
                 max_text_length: int = 5000, batch_max_size: int = 256, batch_max_wait_ms: float = 0.0,
                 quantize: bool = False, num_threads: int | None = None, runtime: str = "torch",
                 on_batch: Callable[[int], None] | None = None,
                 on_activate: Callable[[str], None] | None = None, pinned_model: str | None = None,
                 bulk_texts: int = 64, bulk_chars: int = 20_000, bulk_concurrency: int = 1,
                 bulk_queue_timeout_s: float = 10.0, queue_limit: int = 0, queue_timeout_ms: float = 0.0) -> None:
        self.model_dir = Path(model_dir)
        #: A classify-only worker (no store) serves this NAME[@VERSION], else the default model.
        self.pinned_model = pinned_model
        self.store = store
        self.segmenter = segmenter
        self.executor = executor
        self.max_text_length = max_text_length
        self.quantize = quantize  # inference options of transformer models (settings.inference)
        self.num_threads = num_threads
        self.runtime = runtime
        self.batch_max_size = batch_max_size
        self.batch_max_wait_ms = batch_max_wait_ms
        self.on_batch = on_batch
        self.on_activate = on_activate
        self._cache: dict[Path, LoadedModel] = {}
        self._by_ref: dict[str, LoadedModel] = {}  # exact NAME@VERSION only: NAME alone may gain versions
        self._lock = threading.Lock()
        self._active: LoadedModel | None = None
        self.load_error: str | None = None
        self.queue_limit = queue_limit  # 0: no limit
        self.queue_timeout_ms = queue_timeout_ms  # 0: no limit
        self.bulk_texts = bulk_texts
        self.bulk_chars = bulk_chars
        self.bulk_concurrency = bulk_concurrency
        self.bulk_queue_timeout_s = bulk_queue_timeout_s
        self._bulk_executor = ThreadPoolExecutor(max_workers=bulk_concurrency, thread_name_prefix="bulk")
        self._bulk_slots = asyncio.Semaphore(bulk_concurrency)

    # -- loading ---------------------------------------------------------------------
    @property
    def active(self) -> LoadedModel | None:
        return self._active

    @property
    def active_ref(self) -> str | None:
        """``name@version`` of the model serving now, or None."""
        return self._active.ref if self._active is not None else None

    def _resolve(self, ref: str | None) -> Path:
        if ref is None:  # NoModelError: 503 no_model
            if self.store is None and self.pinned_model:
                return find_model(self.pinned_model, list_models(self.model_dir)).path
            return resolve_model(None, self.model_dir, active=active_model(self.store))
        if not _MODEL_REF_RE.match(ref):  # names only: a path is never a model reference here
            raise ApiError(422, "validation_error", f"model {ref!r}: expected NAME or NAME@VERSION",
                           [{"loc": ["model"], "path": "model", "message": "expected NAME or NAME@VERSION",
                             "type": "value_error"}])
        return find_model(ref, list_models(self.model_dir)).path  # 404 model_not_found

    def _load(self, path: Path) -> LoadedModel:
        with self._lock:  # two requests for a new model load it once
            cached = self._cache.get(path)
            if cached is not None:
                return cached
            meta = read_metadata(path)
            job = Classification.from_model(path, self.segmenter, max_text_length=self.max_text_length,
                                            quantize=self.quantize, num_threads=self.num_threads,
                                            runtime=self.runtime)
            taxonomy = job.classifier.taxonomy_
            names = {head: dict(taxonomy.head(head).names_zh) for head in HEADS}
            names["primary_fault"] = names["fault_types"]
            batcher: MicroBatcher[str, dict[str, Any]] = MicroBatcher(
                job.classify, self.executor, max_size=self.batch_max_size, max_wait_ms=self.batch_max_wait_ms,
                on_batch=self.on_batch, max_queue_ms=self.queue_timeout_ms,
            )  # fmt: skip
            loaded = LoadedModel(job.model_ref, path, str(meta["kind"]), job, names, batcher)
            self._cache[path] = loaded
            self._by_ref[loaded.ref] = loaded
            logger.info("loaded model %s from %s", loaded.ref, path)
            return loaded

    def load_active(self) -> LoadedModel | None:
        """Load the active model (start-up). Without any model, records why and returns None."""
        try:
            loaded = self._load(self._resolve(None))
        except (ApiError, FeedbackNLPError) as exc:  # no model, a stale active one, unreadable files
            self.load_error = exc.message if isinstance(exc, ApiError) else str(exc)
            logger.warning("no model loaded: %s", self.load_error)
            return None
        self._set_active(loaded)
        return loaded

    def _set_active(self, loaded: LoadedModel) -> None:
        self._active = loaded  # one assignment: requests see the old or the new model, never a mix
        self.load_error = None
        if self.on_activate is not None:
            self.on_activate(loaded.ref)

    def get(self, ref: str | None) -> LoadedModel:
        """The model to classify with: ``ref`` (NAME or NAME@VERSION) or the active one."""
        if ref is None:
            if self._active is None:
                raise ApiError(503, "no_model", f"no model loaded: {self.load_error or 'none in the model folder'}")
            return self._active
        return self._load(self._resolve(ref))

    def activate(self, ref: str) -> ModelInfo:
        """Load ``ref``, record it as active in the store, then serve it."""
        if self.store is None:
            raise ApiError(503, "store_unavailable", "a classify-only worker cannot record the active model; "
                           "activate it on the server that holds the store")
        path = self._resolve(ref)
        loaded = self._load(path)  # a model that does not load is never recorded
        info = activate(self.store, loaded.ref, self.model_dir)
        self._set_active(loaded)
        return info

    def taxonomy(self, ref: str) -> Taxonomy:
        """The taxonomy of model ``ref`` (NAME@VERSION): the loaded model's, its metadata's, else the default."""
        loaded = self._by_ref.get(ref)
        if loaded is not None:
            taxonomy: Taxonomy = loaded.classification.classifier.taxonomy_
            return taxonomy
        name, _, version = ref.partition("@")
        for info in list_models(self.model_dir):
            if info.name == name and info.version == version:
                return model_taxonomy(read_metadata(info.path))
        return Taxonomy.default()  # predictions of a model no longer in the folder: read with the default codes

    def is_loaded(self, path: Path) -> bool:
        return path in self._cache

    # -- classifying -------------------------------------------------------------------
    async def classify(self, texts: list[str], ref: str | None = None) -> tuple[LoadedModel, list[dict[str, Any]]]:
        """Records for ``texts`` from ``ref`` (or the active model), through its micro-batcher."""
        model = self._active if ref is None else self._by_ref.get(ref)
        if model is None:  # resolving reads the model folder and may load a model: off the event loop
            model = await asyncio.to_thread(self.get, ref)
        if self.is_bulk(texts):
            return model, await self._classify_bulk(model, texts)
        if self.queue_limit and model.batcher.waiting >= self.queue_limit:
            # Shed load: a quick 503 beats a wait of seconds behind the queue (the client retries).
            raise ApiError(503, "busy", f"{model.batcher.waiting} classify requests are waiting; retry in 1 s",
                           {"route_class": "classify", "queue_limit": self.queue_limit},
                           headers={"Retry-After": "1"})
        try:
            return model, await model.batcher.submit(texts)
        except QueueTimeout as exc:  # the model is behind: answered requests stay fast, this one comes back
            raise ApiError(503, "busy", f"the model is behind ({exc}); retry in 1 s",
                           {"route_class": "classify", "queue_timeout_ms": self.queue_timeout_ms},
                           headers={"Retry-After": "1"}) from None

    def is_bulk(self, texts: list[str]) -> bool:
        """Whether ``texts`` go to the bulk lane (many texts, or many characters)."""
        return len(texts) > self.bulk_texts or sum(len(t) for t in texts) > self.bulk_chars

    async def _classify_bulk(self, model: LoadedModel, texts: list[str]) -> list[dict[str, Any]]:
        try:
            await asyncio.wait_for(self._bulk_slots.acquire(), timeout=self.bulk_queue_timeout_s)
        except TimeoutError:
            retry = max(1, math.ceil(self.bulk_queue_timeout_s))
            raise ApiError(503, "busy", f"too many bulk classify requests are running; retry in {retry} s "
                           f"(or send at most {self.bulk_texts} texts a request)",
                           {"route_class": "classify_bulk", "concurrency": self.bulk_concurrency},
                           headers={"Retry-After": str(retry)}) from None
        try:
            if self.on_batch is not None:
                self.on_batch(len(texts))
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._bulk_executor, model.classification.classify, texts)
        finally:
            self._bulk_slots.release()

    async def close(self) -> None:
        for loaded in list(self._cache.values()):
            await loaded.batcher.close()
        self._bulk_executor.shutdown(wait=False, cancel_futures=True)
