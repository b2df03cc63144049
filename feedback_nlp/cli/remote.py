"""``--server URL``: a command goes through a running ``feedback-nlp serve`` instead of the store.

DuckDB lets one process hold the store, and a running server holds it; so ``kpis``,
``themes``, ``models list``, ``models activate`` and ``ingest`` take ``--server URL``
(or ``FEEDBACK_NLP_SERVER``) and ``--api-key KEY`` (or ``FEEDBACK_NLP_API_KEY``) and
ask the server's ``/v1`` API, printing what they print locally. The server's error
answer becomes the library error of the same kind (a 404 a ``NotFoundError``, …), so
the command ends with the same one line and exit code as a local run would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import typer

from feedback_nlp.errors import (
    ConfigError,
    ConflictError,
    FeedbackNLPError,
    InputError,
    ModelError,
    NotFoundError,
    StoreError,
)

#: The typer options every remote-capable command declares.
SERVER_OPTION = typer.Option(
    None, "--server", envvar="FEEDBACK_NLP_SERVER",
    help="Ask a running `feedback-nlp serve` at this URL (e.g. http://127.0.0.1:8000) instead of opening the store.")
API_KEY_OPTION = typer.Option(
    None, "--api-key", envvar="FEEDBACK_NLP_API_KEY", help="The API key for --server (needs the route's scope).")

_BY_STATUS: dict[int, type[FeedbackNLPError]] = {
    400: ConfigError, 401: ConfigError, 403: ConfigError, 404: NotFoundError, 409: ConflictError,
    413: InputError, 415: InputError, 422: InputError, 429: StoreError, 503: StoreError,
}  # fmt: skip


class RemoteApi:
    """A small client of the product's own HTTP API."""

    def __init__(self, url: str, api_key: str | None, *, timeout: float = 300.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--server {url!r}: expected a URL such as http://127.0.0.1:8000")
        if not api_key:
            raise ConfigError("--server needs an API key: pass --api-key KEY or set FEEDBACK_NLP_API_KEY")
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers={"X-API-Key": api_key}, timeout=timeout)

    def __enter__(self) -> RemoteApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of ``method path``; a library error carrying the server's message otherwise."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the server at {self.url} ({type(exc).__name__}: {exc})") from None
        if response.status_code == 200:
            return response.json()
        try:
            body = response.json()
            message = str(body.get("message") or body)
        except ValueError:
            message = response.text[:200] or response.reason_phrase
        kind = _BY_STATUS.get(response.status_code, ModelError if response.status_code >= 500 else InputError)
        retry = response.headers.get("Retry-After")
        hint = f" (retry in {retry} s)" if retry else ""
        raise kind(f"server {self.url}: HTTP {response.status_code}: {message}{hint}")

    def get(self, path: str, params: Any = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def ingest(self, table: str, file: Path, *, mapping: Path | None, encoding: str | None,
               sheet: str | None) -> dict[str, Any]:
        from feedback_nlp.ingest.validate import load_mapping_file

        data = {key: value for key, value in (("encoding", encoding), ("sheet", sheet)) if value}
        if mapping is not None:  # YAML or JSON here (MappingError naming the file), JSON on the wire
            data["mapping"] = json.dumps(load_mapping_file(mapping, table), ensure_ascii=False)
        with open(file, "rb") as fh:
            result: dict[str, Any] = self.post(f"/v1/ingest/{table}", files={"file": (file.name, fh)}, data=data)
        return result


def query_params(*, start: str | None, end: str | None, filters: list[str], group_by: str | None = None,
                 period: str | None = None, model: str | None = None) -> list[tuple[str, str]]:
    """The API's query parameters for the CLI's window, ``--filter`` values, grouping and period."""
    params = [(name, value) for name, value in (("from", start), ("to", end), ("group_by", group_by),
                                                 ("period", period), ("model", model)) if value]
    return params + [("filter", f) for f in filters]


def as_objects(value: Any) -> Any:
    """JSON dicts as attribute objects, so the table printers of local results print remote ones."""
    if isinstance(value, Mapping):
        return SimpleNamespace(**{str(k): as_objects(v) for k, v in value.items()})
    if isinstance(value, list):
        return [as_objects(v) for v in value]
    return value
