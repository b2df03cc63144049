"""One error shape for every failure, and the one place library errors become HTTP.

Every error response is ``{"type": ..., "message": ..., "details": ...}``
(:class:`api.schemas.common.ErrorResponse`). Stack traces never leave the process: an
unexpected exception is logged here and answered with a plain ``internal_error``, as a
normal response (:class:`UnexpectedErrorMiddleware`), so the connection stays open for
the client's next request.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback_nlp.errors import FeedbackNLPError

logger = logging.getLogger(__name__)

#: HTTP statuses of errors raised by the HTTP layer itself, as error types.
_STATUS_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error the API answers on purpose: status, type, message and details."""

    def __init__(self, status: int, type_: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.details = details if details is not None else {}
        self.headers = headers


class BodyTooLargeError(StarletteHTTPException):
    """Raised while a body streams in past its limit (an HTTPException, so FastAPI lets it through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")
        self.limit = limit


def error_body(type_: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON of an error response."""
    return {"type": type_, "message": message, "details": details if details is not None else {}}


def error_response(status: int, type_: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(type_, message, details), status_code=status, headers=headers)


def library_error_status(exc: FeedbackNLPError) -> tuple[int, str]:
    """HTTP status and error type of a library error: declared once, on its class (``feedback_nlp.errors``)."""
    return exc.http_status, exc.error_type


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors without the offending input (it may hold personal data)."""
    out = []
    for err in errors:
        loc = [part for part in err.get("loc", ()) if part != "__root__"]
        out.append({"loc": loc, "path": ".".join(str(p) for p in loc), "message": err.get("msg", ""),
                    "type": err.get("type", "value_error")})
    return out


_INTERNAL_ERROR = "internal server error; the incident was logged"


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took with the plain 500, and does not re-raise it.

    Starlette's own last-resort handler (``ServerErrorMiddleware``) sends the response
    and then re-raises, and uvicorn closes a connection whose application raised: the
    client's next request on that keep-alive connection would fail. Installed innermost
    among the middlewares, so the metrics see the 500. When the response had already
    started, the exception goes on (the response is cut; closing is then right).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if started:
                raise
            # Logged with its traceback here; the client learns only that it failed.
            logger.exception("unhandled error on %s %s", scope.get("method", ""), scope.get("path", ""))
            await error_response(500, "internal_error", _INTERNAL_ERROR)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape (call before adding other middleware)."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.type, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"path": "", "message": "invalid request"}
        message = f"{first['path']}: {first['message']}" if first["path"] else first["message"]
        return error_response(422, "validation_error", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_ = _STATUS_TYPES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else type_.replace("_", " ")
        return error_response(exc.status_code, type_, message, {}, getattr(exc, "headers", None))

    @app.exception_handler(FeedbackNLPError)
    async def _library(request: Request, exc: FeedbackNLPError) -> JSONResponse:
        status, type_ = library_error_status(exc)
        return error_response(status, type_, str(exc), {"code": exc.code})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only for errors outside UnexpectedErrorMiddleware (in an outer middleware, or
        # after a response started); Starlette re-raises them after this answer.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", _INTERNAL_ERROR)

    app.add_middleware(UnexpectedErrorMiddleware)
