"""Request body size limits: 413 before a large body is read, or as soon as it streams past."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyTooLargeError, error_body


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` (``upload_bytes`` for paths under ``upload_prefix``).

    A declared ``Content-Length`` over the limit is answered 413 at once; a chunked body
    is counted as it arrives and the read fails with :class:`BodyTooLargeError` (a 413
    in the one error shape) once it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int, upload_prefix: str = "/v1/ingest") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.upload_prefix = upload_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope.get("path", "").startswith(self.upload_prefix) else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(error_body("payload_too_large", f"request body larger than {limit} bytes",
                                 {"max_bytes": limit})).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
