"""The FastAPI application: routers, lifespan (Elasticsearch client, Kafka publisher), JSON errors."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from elasticsearch import ApiError, AsyncElasticsearch, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import rasd
from api.dependencies import KafkaPublisherProvider
from api.exceptions import RequestBodyError
from api.routers import health, reports, search, signals
from producers.exceptions import ProducerError
from rasd.settings import Settings

log = logging.getLogger(__name__)

ES_REQUEST_TIMEOUT_S = 10.0

DESCRIPTION = """\
Search and ingest Arabic-language conflict reporting on Syria.

* **/search** — the reports archive: Arabic (normalised and light-stemmed, so ادلب finds بإدلب) or
  English, filters by actor, governorate, place, event type, dates and escalation, with facets.
* **/reports** — read one analysed report; ingest new reports (validated, then sent to Kafka).
* **/signals** — escalation signals per governorate or actor pair.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for one deployment.

    Args:
        settings: the process settings; read from ``RASD_*`` variables when None.

    Returns:
        The application; its lifespan opens the Elasticsearch client and closes it and
        the Kafka producer on shutdown.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.elasticsearch = AsyncElasticsearch(settings.elasticsearch_url, request_timeout=ES_REQUEST_TIMEOUT_S)
        app.state.publishers = KafkaPublisherProvider(settings)
        log.info("api started namespace=%s elasticsearch=%s", settings.namespace, settings.elasticsearch_url)
        try:
            yield
        finally:
            await app.state.elasticsearch.close()
            app.state.publishers.close()

    app = FastAPI(title="rasd API", version=rasd.__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    for module in (health, search, reports, signals):
        app.include_router(module.router)
    app.add_exception_handler(RequestBodyError, _request_body_error)
    app.add_exception_handler(ProducerError, _producer_error)
    app.add_exception_handler(TransportError, _elasticsearch_unreachable)
    app.add_exception_handler(ApiError, _elasticsearch_refused)
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _request_body_error(request: Request, exc: RequestBodyError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


async def _producer_error(request: Request, exc: ProducerError) -> JSONResponse:
    log.warning("kafka unavailable path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": f"reports cannot be queued now: {exc}"})


async def _elasticsearch_unreachable(request: Request, exc: TransportError) -> JSONResponse:
    log.warning("elasticsearch unreachable path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": f"Elasticsearch cannot be reached: {exc}"})


async def _elasticsearch_refused(request: Request, exc: ApiError) -> JSONResponse:
    log.error("elasticsearch refused path=%s status=%s error=%s", request.url.path, exc.meta.status, exc)
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    reason = error.get("reason") if isinstance(error, dict) else None
    return JSONResponse(status_code=502, content={"detail": f"Elasticsearch refused the request "
                                                            f"({exc.meta.status} {exc.message}): {reason or exc.body}"})


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error path=%s", request.url.path)
    return JSONResponse(status_code=500, content={"detail": f"internal error: {type(exc).__name__}"})
