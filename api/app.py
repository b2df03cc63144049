"""Application factory. Routers only translate HTTP to library calls and back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from pydantic import BaseModel

from feedback_nlp import Settings, Store, __version__, get_settings


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    schema_version: int
    tables: dict[str, int]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, bound to ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database_path, timezone=settings.timezone, memory_limit=settings.db_memory_limit)
        store.connection()
        app.state.store = store
        app.state.settings = settings
        try:
            yield
        finally:
            store.close()

    app = FastAPI(title="feedback-nlp", version=__version__, lifespan=lifespan,
                  description="Chinese after-sales feedback: ingestion, classification and KPIs.")

    @app.get("/health", response_model=Health, tags=["ops"])
    def health() -> Health:
        """Liveness: the process answers."""
        return Health(status="ok", version=__version__)

    @app.get("/ready", response_model=Ready, tags=["ops"])
    def ready(request: Request) -> Ready:
        """Readiness: the store is open and migrated."""
        info = request.app.state.store.info()
        return Ready(status="ready", schema_version=info.schema_version, tables=info.tables)

    return app
