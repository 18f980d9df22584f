"""The API's dependencies, as ``Annotated`` aliases routes declare in their signatures.

The settings, the Elasticsearch client and the Kafka publisher live on
``app.state`` (created by the application's lifespan), so tests replace them with
``app.dependency_overrides`` and no route reaches for a global.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Protocol

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, Request

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


def get_elasticsearch(request: Request) -> AsyncElasticsearch:
    return request.app.state.elasticsearch


def get_publishers(request: Request) -> PublisherProvider:
    return request.app.state.publishers


SettingsDep = Annotated[Settings, Depends(get_settings)]
ElasticsearchDep = Annotated[AsyncElasticsearch, Depends(get_elasticsearch)]
PublishersDep = Annotated[PublisherProvider, Depends(get_publishers)]
