"""Prometheus metrics: requests and latencies per route, classify batch sizes, model in use.

Each app has its own registry (so tests can build many apps); ``GET /metrics`` renders
it. Routes are labelled by their template (``/v1/kpis/{kpi_id}``), never the raw path,
so label cardinality stays bounded.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPE_LATEST", "ApiMetrics", "MetricsMiddleware"]

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000)


class ApiMetrics:
    """The app's metrics in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("feedback_nlp_http_requests_total", "HTTP requests by route, method and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("feedback_nlp_http_request_duration_seconds", "Request latency by route.",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.classify_texts = Histogram("feedback_nlp_classify_request_texts", "Texts per classify request.",
                                        buckets=_SIZE_BUCKETS, registry=self.registry)
        self.model_batch = Histogram("feedback_nlp_model_batch_texts",
                                     "Texts per model call after micro-batching.",
                                     buckets=_SIZE_BUCKETS, registry=self.registry)
        self.active_model = Gauge("feedback_nlp_active_model", "The model serving classify requests (value 1).",
                                  ["model"], registry=self.registry)

    def set_active_model(self, ref: str) -> None:
        self.active_model.clear()
        self.active_model.labels(model=ref).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method=method, route=template, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=template).observe(time.perf_counter() - start)
