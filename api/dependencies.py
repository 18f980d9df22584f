"""The API's dependencies, as ``Annotated`` aliases routes declare in their signatures.

The settings, the Elasticsearch client, the read backend and the Kafka publisher live on
``app.state`` (created by the application's lifespan), so tests replace them with
``app.dependency_overrides`` and no route reaches for a global.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Protocol

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, HTTPException, Request

from api.backends import ElasticsearchBackend, SearchBackend
from producers.kafka_sink import KafkaSink
from producers.publisher import ReportPublisher
from rasd.settings import Settings

log = logging.getLogger(__name__)


class PublisherProvider(Protocol):
    """Gives the publisher of ingested reports; ``publisher()`` may block (call it in a thread)."""

    def publisher(self) -> ReportPublisher: ...

    def close(self) -> None: ...


class KafkaPublisherProvider:
    """Connects to Kafka on first use (the API starts and searches without Kafka) and keeps the sink.

    A failed connection is not cached: the next ingest request tries again.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._sink: KafkaSink | None = None
        self._lock = threading.Lock()

    def publisher(self) -> ReportPublisher:
        """The publisher over the shared Kafka sink (blocking: call it from a worker thread).

        Raises:
            producers.exceptions.ProducerError: Kafka cannot be reached.
        """
        with self._lock:
            if self._sink is None:
                self._sink = KafkaSink.connect(self.settings)
                log.info("kafka sink connected bootstrap=%s", self.settings.kafka_bootstrap)
            return ReportPublisher(self._sink)

    def close(self) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink.close()
                self._sink = None


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_elasticsearch(request: Request) -> AsyncElasticsearch | None:
    """The application's Elasticsearch client; None in the embedded mode."""
    return request.app.state.elasticsearch


def get_search_backend(request: Request, settings: Annotated[Settings, Depends(get_settings)],
                       client: Annotated[AsyncElasticsearch | None, Depends(get_elasticsearch)]) -> SearchBackend:
    """The backend of the read endpoints: the embedded SQLite file when the app has one, else Elasticsearch.

    Elasticsearch's backend is built around :func:`get_elasticsearch`, so a test that overrides the
    client reaches every read endpoint through it.
    """
    embedded = request.app.state.embedded_backend
    if embedded is not None:
        return embedded
    return ElasticsearchBackend(client, settings.indices)


def require_streaming(request: Request) -> None:
    """Refuse, in the embedded mode, an endpoint that needs Kafka.

    Raises:
        HTTPException: 503 naming the mode and what to do instead.
    """
    if request.app.state.embedded_backend is not None:
        raise HTTPException(503, f"{request.method} {request.url.path} needs Kafka, and this API serves the "
                                 "embedded database of `rasd run` without it: its subscriptions are read from a "
                                 "JSON file (RASD_EMBEDDED_SUBSCRIPTIONS, `rasd run --subscriptions`) and its "
                                 "alerts are listed by GET /alerts; subscription changes and live alerts need the "
                                 "streaming deployment")


def get_publishers(request: Request) -> PublisherProvider:
    return request.app.state.publishers


SettingsDep = Annotated[Settings, Depends(get_settings)]
ElasticsearchDep = Annotated[AsyncElasticsearch | None, Depends(get_elasticsearch)]
SearchBackendDep = Annotated[SearchBackend, Depends(get_search_backend)]
PublishersDep = Annotated[PublisherProvider, Depends(get_publishers)]
StreamingDep = Depends(require_streaming)
