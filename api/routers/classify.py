"""POST /v1/classify."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import ClassifyKey, ServicesDep
from api.errors import ApiError
from api.runtime import LoadedModel
from api.schemas.classify import ClassifyRequest, ClassifyResponse
from api.schemas.common import error_responses
from feedback_nlp.classifiers.explain import explain_records

router = APIRouter(prefix="/v1", tags=["classify"])


@router.post("/classify", response_model=ClassifyResponse,
             responses=error_responses(401, 403, 404, 409, 413, 422, 503))
async def classify(body: ClassifyRequest, services: ServicesDep, principal: ClassifyKey) -> Response:
    """Classify one text or a batch: fault types, primary fault, sentiment, aspects, scores, tokens, keywords
    (and, with explain: true, the words that drove each label)."""
    api = services.settings.api
    problems = body.problems(max_texts=api.max_texts, max_text_length=api.max_text_length)
    if problems:
        raise ApiError(422, "validation_error", f"{problems[0]['path']}: {problems[0]['message']}", problems)
    if body.store and not principal.allows("ingest"):
        raise ApiError(403, "forbidden", "store: true writes predictions and needs the 'ingest' scope",
                       {"required_scope": "ingest", "key": principal.name})
    texts, ids = body.all_texts, body.all_ids
    services.metrics.classify_texts.observe(len(texts))
    model, records = await services.models.classify(texts, body.model)
    stored = None
    if body.store and ids is not None:
        stored = await run_in_threadpool(_store_predictions, services, ids, records, model)
    if body.explain:  # after the micro-batcher: occlusion's many forward passes must not hold up other requests
        job = model.classification
        records = await run_in_threadpool(explain_records, job.classifier, job.segmenter, texts, records,
                                          top_k=body.explain_top_k)
    # Built by hand and returned as is: validating ~1,000 records again would cost more than classifying them.
    payload = {"model": model.ref, "results": [_result(model, r, ids[i] if ids else None)
                                               for i, r in enumerate(records)], "stored": stored}
    return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


def _result(model: LoadedModel, record: dict[str, Any], feedback_id: str | None) -> dict[str, Any]:
    if "error" in record:  # the request was validated first, so this is a model-side refusal
        raise ApiError(422, "validation_error", record["error"])
    result = {
        "id": feedback_id,
        "fault_types": record["fault_types"],
        "primary_fault": record["primary_fault"],
        "sentiment": record["sentiment"],
        "aspects": record["aspects"],
        "scores": record["scores"],
        "tokens": record["tokens"],
        "keywords": record["keywords"],
        "names_zh": {
            "fault_types": [model.name_zh("fault_types", c) for c in record["fault_types"]],
            "primary_fault": model.name_zh("fault_types", record["primary_fault"]),
            "sentiment": model.name_zh("sentiment", record["sentiment"]),
            "aspects": [model.name_zh("aspects", c) for c in record["aspects"]],
        },
    }
    if "explanations" in record:  # only when asked: the answer without explain stays as it was
        result["explanations"] = record["explanations"]
        result["explanation_method"] = record["explanation_method"]
    return result


def _store_predictions(services: Any, ids: list[str], records: list[dict[str, Any]], model: LoadedModel) -> int:
    from feedback_nlp.predictions import store_predictions  # added with issue "predictions"

    name, _, version = model.ref.partition("@")
    # PredictionsWriteError is a ConflictError: the one error handler answers 409
    result = store_predictions(services.store, ids, records, name, version)
    return int(result.n_stored)
