"""POST /v1/ingest/{table}: a file upload or posted JSON rows, with the CLI's rules."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import IngestKey, Services, ServicesDep
from api.errors import ApiError
from api.schemas.common import error_responses
from api.schemas.ingest import IngestResponse
from feedback_nlp.ingest import IngestReport, ingest_file, ingest_records
from feedback_nlp.ingest.readers import SUPPORTED_SUFFIXES
from feedback_nlp.schema import TABLE_NAMES

router = APIRouter(prefix="/v1", tags=["ingest"])

TableName = Literal[TABLE_NAMES]  # type: ignore[valid-type]  # the four canonical tables

_ROWS_SCHEMA: dict[str, Any] = {
    "type": "array", "items": {"type": "object", "additionalProperties": True},
    "description": "Rows as JSON objects; keys are canonical names, Chinese labels or aliases.",
    "example": [{"工单号": "T000001", "客户编号": "C00001", "报修时间": "2024-03-05 14:30", "工单状态": "已关闭"}],
}
_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary",
                             "description": f"CSV/TSV, XLSX, JSON lines or Parquet ({', '.join(SUPPORTED_SUFFIXES)})."},
                    "mapping": {"type": "string", "description": 'JSON object {"source header": "column"}.'},
                    "sheet": {"type": "string", "description": "Read only this sheet of an .xlsx."},
                    "encoding": {"type": "string", "description": "Force the encoding (default: detected)."},
                },
            }
        },
        "application/json": {"schema": _ROWS_SCHEMA},
    },
}


def _bad(loc: list[Any], message: str) -> ApiError:
    path = ".".join(map(str, loc))
    return ApiError(422, "validation_error", f"{path}: {message}",
                    [{"loc": loc, "path": path, "message": message, "type": "value_error"}])


@router.post("/ingest/{table}", response_model=IngestResponse, openapi_extra={"requestBody": _REQUEST_BODY},
             responses=error_responses(401, 403, 413, 415, 422))
async def ingest(table: TableName, request: Request, services: ServicesDep, principal: IngestKey) -> IngestResponse:
    """Validate and upsert rows into a table (atomic, idempotent); returns the ingestion report."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise _bad(["body", "file"], "a file field is required")
            options: dict[str, str | None] = {}
            for key in ("mapping", "sheet", "encoding"):
                value = form.get(key)
                if value is not None and not isinstance(value, str):
                    raise _bad(["body", key], "expected a text field")
                options[key] = value
            mapping = _mapping(options["mapping"])
            report = await run_in_threadpool(_ingest_upload, services, table, upload, mapping,
                                             options["sheet"] or None, options["encoding"] or None)
        finally:
            await form.close()
    elif content_type in ("application/json", ""):
        try:
            rows = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _bad(["body"], f"malformed JSON: {exc}") from None
        except RecursionError:
            raise _bad(["body"], "malformed JSON: nested too deeply") from None
        except ValueError:  # an integer of more than 4,300 digits
            raise _bad(["body"], "malformed JSON: a number has too many digits") from None
        if not isinstance(rows, list):
            raise _bad(["body"], "expected a JSON array of row objects")
        report = await run_in_threadpool(_ingest_rows, services, table, rows)
    else:
        raise ApiError(415, "unsupported_media_type",
                       f"content type {content_type!r}; send multipart/form-data (file) or application/json (rows)")
    return _response(report)


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(["body", "mapping"], f"malformed JSON: {exc}") from None
    except RecursionError:
        raise _bad(["body", "mapping"], "malformed JSON: nested too deeply") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise _bad(["body", "mapping"], "malformed JSON: a number has too many digits") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise _bad(["body", "mapping"], 'expected a JSON object {"source header": "column"}')
    return mapping


def _ingest_upload(services: Services, table: str, upload: UploadFile, mapping: dict[str, str] | None,
                   sheet: str | None, encoding: str | None) -> IngestReport:
    settings = services.settings
    # never a client-chosen directory (nor a Windows one: C:\Users\me\x.csv)
    name = PurePath(upload.filename or "upload").name.rsplit("\\", 1)[-1] or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, "unsupported_media_type",
                       f"{name}: unsupported file type {suffix!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    spool = settings.data_dir / "uploads"
    spool.mkdir(parents=True, exist_ok=True)
    # Spooled under the uploaded name (in a folder of its own), so that messages about the
    # file name the caller's file, not a temporary one.
    folder = Path(tempfile.mkdtemp(dir=spool))
    try:
        path = folder / _spool_name(name, suffix)
        with path.open("wb") as tmp:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, tmp, 1 << 20)
        with services.ingest_lock:
            report = ingest_file(services.store, table, path, mapping=mapping, encoding=encoding, sheet=sheet,
                                 max_text_length=settings.ingest.max_text_length,
                                 chunk_rows=settings.ingest.chunk_rows, timezone=settings.timezone, source=name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report.write(settings.data_dir / "reports")
    return report


def _spool_name(name: str, suffix: str) -> str:
    """``name`` when the file system can take it as is, else ``upload<suffix>``."""
    try:
        fits = len(name.encode("utf-8")) <= 200
    except UnicodeEncodeError:
        fits = False
    if not fits or name in (".", "..") or any(ord(c) < 32 or c in "/\\" for c in name):
        return f"upload{suffix}"
    return name


def _ingest_rows(services: Services, table: str, rows: list[Any]) -> IngestReport:
    settings = services.settings
    with services.ingest_lock:
        report = ingest_records(services.store, table, rows, source="api",
                                max_text_length=settings.ingest.max_text_length,
                                chunk_rows=settings.ingest.chunk_rows, timezone=settings.timezone)
    report.write(settings.data_dir / "reports")
    return report


_FIELDS = set(IngestResponse.model_fields) - {"extra", "rejections"}


def _response(report: IngestReport) -> IngestResponse:
    data = report.to_dict()
    rejections = [{**r, "value": None if r.get("value") is None else str(r["value"]),
                   "row": None if r.get("row") is None else int(r["row"]),
                   "sheet": None if r.get("sheet") is None else str(r["sheet"])}
                  for r in data.pop("rejections")]
    known = {k: v for k, v in data.items() if k in _FIELDS}
    extra = {k: v for k, v in data.items() if k not in _FIELDS}
    return IngestResponse(**known, rejections=rejections, extra=extra)
