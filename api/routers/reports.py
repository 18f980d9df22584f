"""``/reports``: read one indexed report, or ingest new ones."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.dependencies import PublishersDep, SearchBackendDep
from api.ingest import describe_result, parse_reports_body, read_body_capped, to_raw_items
from api.models import ErrorResponse, IngestRefused, IngestResponse, ReportBatchIn, ReportDocument, ReportIn

log = logging.getLogger(__name__)

router = APIRouter(prefix="/reports", tags=["reports"])

_REPORT_SCHEMA = ReportIn.model_json_schema()
_BATCH_SCHEMA = {
    "title": "ReportBatchIn",
    "type": "object",
    "required": ["reports"],
    "properties": {"reports": {"type": "array", "minItems": 1, "items": _REPORT_SCHEMA}},
    "description": ReportBatchIn.__doc__,
}
_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"oneOf": [_REPORT_SCHEMA, _BATCH_SCHEMA]}}},
    }
}


@router.get("/{report_id:path}", response_model=ReportDocument, summary="One indexed report",
            responses={404: {"model": ErrorResponse, "description": "No report has this id."}})
async def get_report(report_id: Annotated[str, Path(min_length=1)], backend: SearchBackendDep) -> ReportDocument:
    found = await backend.get_report(report_id)
    if found is None:
        raise HTTPException(404, f"no report with id {report_id!r}")
    return found


@router.post(
    "", status_code=202, response_model=IngestResponse, summary="Ingest one report or a batch",
    description=("Send one report object, or `{\"reports\": [...]}`. Each report is validated by the producers' "
                 "rules and sent to the reports topic, or refused with its reason (and dead-lettered). "
                 "202 when at least one report was accepted; 422 when none was. Limits: 1 MB per report, "
                 "10 MB per batch (413). In the embedded mode each accepted report is analysed and stored "
                 "before the answer (GET /reports/{id} finds it at once)."),
    openapi_extra=_INGEST_BODY,
    responses={413: {"model": ErrorResponse, "description": "Body too large."},
               422: {"model": IngestRefused | ErrorResponse, "description": (
                   "Malformed JSON or an unexpected shape (`detail` only), or no report accepted (with `refused`).")},
               503: {"model": ErrorResponse, "description": (
                   "Kafka cannot be reached (or, in the embedded mode, the SQLite file cannot be written).")}},
)
async def post_reports(request: Request, publishers: PublishersDep) -> Any:
    raw = await read_body_capped(request.headers.get("content-length"), request.stream())
    reports, is_batch = parse_reports_body(raw)
    publisher = await run_in_threadpool(publishers.publisher)
    result = await run_in_threadpool(publisher.publish, to_raw_items(reports))
    answer = describe_result(result)
    log.info("ingest batch=%s accepted=%d refused=%d", is_batch, len(answer["accepted"]), len(answer["refused"]))
    if not answer["accepted"]:
        reasons = "; ".join(f"report {r['index']}: {r['code']}: {r['message']}" for r in answer["refused"][:5])
        return JSONResponse(status_code=422, content={"detail": f"no report was accepted ({reasons})", **answer})
    return answer
