"""The dashboard page at ``/`` and its static files under ``/static/`` (no API key: the page holds no data).

Every number on the page comes from the public ``/v1`` routes, fetched by the browser with
the key the user types in (``X-API-Key``); this router only hands out files from
``api/static/`` (the page, its script and style, the vendored ECharts). A strict
Content-Security-Policy on the page lets it load scripts and data only from this origin,
so a CDN reference could not slip in unnoticed, and the key cannot be sent elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from api.errors import ApiError

router = APIRouter(tags=["dashboard"], include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: The file types served, with their content types (anything else is 404: no directory listings, no guessing).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE, NOTICE
}

#: Scripts and data only from this origin; ECharts sets inline styles, tooltips use them too.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

_PAGE_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer"}


@router.get("/")
def page() -> FileResponse:
    """The dashboard (Chinese UI); it asks for an API key and reads everything from ``/v1``."""
    return FileResponse(STATIC_DIR / "dashboard" / "index.html", media_type=CONTENT_TYPES[".html"],
                        headers=_PAGE_HEADERS)


@router.get("/static/{path:path}")
def static_file(path: Annotated[str, PathParam(max_length=300)]) -> FileResponse:
    """A file of ``api/static/`` (the page's script, style, the vendored libraries and their licences)."""
    target = (STATIC_DIR / path).resolve()
    media_type = CONTENT_TYPES.get(target.suffix)
    if media_type is None or not target.is_relative_to(STATIC_DIR) or not target.is_file():
        raise ApiError(404, "not_found", "no such file", {"path": path[:300]})
    # Versioned vendor folders never change; the page's own files may change with each release.
    cache = "public, max-age=31536000, immutable" if path.startswith("vendor/") else "no-cache"
    return FileResponse(target, media_type=media_type,
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})
