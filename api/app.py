"""The FastAPI application: routers, lifespan (Elasticsearch client or embedded database, Kafka publisher), JSON errors."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from elasticsearch import ApiError, AsyncElasticsearch, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import rasd
from api.alert_feed import AlertFeed
from api.backends import SqliteBackend
from api.config import ApiSettings
from api.database import Database
from api.dependencies import KafkaPublisherProvider
from api.embedded_ingest import EmbeddedPublisherProvider, read_subscriptions
from api.exceptions import BackendUnavailable, RequestBodyError
from api.keys import KeyStore
from api.routers import alerts, health, keys, reports, search, signals, subscriptions, web
from api.subscription_store import SubscriptionStore
from api.subscription_topic import KafkaSubscriptionWriter
from delivery import AlertBroadcaster, DeliverySettings
from producers.exceptions import ProducerError
from rasd.errors import ConfigurationError
from rasd.settings import Settings

log = logging.getLogger(__name__)

ES_REQUEST_TIMEOUT_S = 10.0

DESCRIPTION = """\
Search and ingest Arabic-language conflict reporting on Syria.

* **/search** — the reports archive: Arabic (normalised and light-stemmed, so ادلب finds بإدلب) or
  English, filters by actor, governorate, place, event type, dates and escalation, with facets.
* **/reports** — read one analysed report; ingest new reports (validated, then sent to Kafka).
* **/signals** — escalation signals per governorate or actor pair.
* **/subscriptions** — standing alert queries of the API key's owner, delivered by webhook, e-mail
  and **/alerts/stream** (server-sent events); **/alerts** lists the owner's past alerts.
* **/keys** — API keys, made by the administrator (`RASD_ADMIN_TOKEN`) or with `rasd keys create`.

Subscriptions and alerts need an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.

In the embedded mode (`rasd api --embedded-db FILE`, `RASD_EMBEDDED_DB`) the same endpoints
serve the SQLite file of `rasd run`, without Elasticsearch or Kafka: **POST /reports** runs the
pipeline of `rasd run` on each report and stores it before answering; subscription writes and
the live alert stream, which need Kafka, answer 503.
"""


def create_app(settings: Settings | None = None, *, api_settings: ApiSettings | None = None,
               delivery_settings: DeliverySettings | None = None, embedded_db: str | Path | None = None,
               embedded_subscriptions: str | Path | None = None) -> FastAPI:
    """Build the API for one deployment.

    Args:
        settings: the process settings; read from ``RASD_*`` variables when None.
        api_settings: key database, admin token, limits; from ``RASD_*`` variables when None.
        delivery_settings: webhook secret and target rules; from ``RASD_*`` variables when None.
        embedded_db: the SQLite file of ``rasd run`` to serve instead of Elasticsearch and Kafka (default:
            ``api_settings.embedded_db``, i.e. ``RASD_EMBEDDED_DB``; unset: Elasticsearch and Kafka).
        embedded_subscriptions: the JSON subscriptions that reports posted in the embedded mode are
            matched against (default: ``RASD_EMBEDDED_SUBSCRIPTIONS``, else the bundled samples).

    Returns:
        The application; its lifespan opens the Elasticsearch client (not in the embedded mode) and
        closes it, the embedded database, the Kafka producers and the live-alert feed on shutdown.

    Raises:
        ConfigurationError: the embedded database does not exist or cannot be opened, or the
            embedded subscriptions cannot be read.
    """
    settings = settings or Settings.from_env()
    api_settings = api_settings or ApiSettings.from_env()
    delivery_settings = delivery_settings or DeliverySettings.from_env()
    embedded_path = embedded_db if embedded_db is not None else (api_settings.embedded_db or None)
    embedded = SqliteBackend.open(embedded_path) if embedded_path else None
    if embedded is not None:
        embedded_book = read_subscriptions(embedded_subscriptions or api_settings.embedded_subscriptions or None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if embedded is None:
            app.state.publishers = KafkaPublisherProvider(settings)
            app.state.elasticsearch = AsyncElasticsearch(settings.elasticsearch_url,
                                                         request_timeout=ES_REQUEST_TIMEOUT_S)
            log.info("api started namespace=%s elasticsearch=%s", settings.namespace, settings.elasticsearch_url)
        else:
            app.state.publishers = EmbeddedPublisherProvider(embedded.store.path, embedded_book)
            log.info("api started namespace=%s embedded_db=%s", settings.namespace, embedded.store.path)
        try:
            yield
        finally:
            if app.state.elasticsearch is not None:
                await app.state.elasticsearch.close()
            if embedded is not None:
                embedded.close()
            app.state.publishers.close()
            app.state.alert_feed.close()
            app.state.subscription_writer.close()

    app = FastAPI(title="rasd API", version=rasd.__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.api_settings = api_settings
    app.state.delivery_settings = delivery_settings
    app.state.elasticsearch = None
    app.state.embedded_backend = embedded
    database = Database(api_settings.db_path)
    app.state.keys = KeyStore(database)
    app.state.subscriptions = SubscriptionStore(database)
    app.state.subscription_writer = KafkaSubscriptionWriter(settings)
    app.state.broadcaster = AlertBroadcaster.from_settings(delivery_settings)
    app.state.alert_feed = AlertFeed(settings, app.state.broadcaster)
    for module in (health, search, reports, signals, subscriptions, alerts, keys, web):
        app.include_router(module.router)
    app.add_exception_handler(RequestBodyError, _request_body_error)
    app.add_exception_handler(ProducerError, _producer_error)
    app.add_exception_handler(BackendUnavailable, _backend_unavailable)
    app.add_exception_handler(TransportError, _elasticsearch_unreachable)
    app.add_exception_handler(ApiError, _elasticsearch_refused)
    app.add_exception_handler(ConfigurationError, _misconfigured)
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _request_body_error(request: Request, exc: RequestBodyError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


async def _producer_error(request: Request, exc: ProducerError) -> JSONResponse:
    log.warning("kafka unavailable path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": f"reports cannot be queued now: {exc}"})


async def _backend_unavailable(request: Request, exc: BackendUnavailable) -> JSONResponse:
    log.warning("backend unavailable path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": str(exc)})


async def _elasticsearch_unreachable(request: Request, exc: TransportError) -> JSONResponse:
    log.warning("elasticsearch unreachable path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": f"Elasticsearch cannot be reached: {exc}"})


async def _elasticsearch_refused(request: Request, exc: ApiError) -> JSONResponse:
    log.error("elasticsearch refused path=%s status=%s error=%s", request.url.path, exc.meta.status, exc)
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    reason = error.get("reason") if isinstance(error, dict) else None
    return JSONResponse(status_code=502, content={"detail": f"Elasticsearch refused the request "
                                                            f"({exc.meta.status} {exc.message}): {reason or exc.body}"})


async def _misconfigured(request: Request, exc: ConfigurationError) -> JSONResponse:
    log.error("misconfigured path=%s error=%s", request.url.path, exc)
    return JSONResponse(status_code=500, content={"detail": f"the server is misconfigured: {exc}"})


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error path=%s", request.url.path)
    return JSONResponse(status_code=500, content={"detail": f"internal error: {type(exc).__name__}"})
