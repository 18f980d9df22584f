"""schemathesis against the API's own OpenAPI document, over the real Elasticsearch and Kafka.

Every operation of ``/openapi.json`` is called with generated requests: the document's examples,
boundary and invalid values (coverage phase), random ones (fuzzing phase), then chains that feed
one answer into the next request (stateful phase: a created subscription is read, changed and
deleted; a searched report is fetched). No answer may be a 5xx, and every answer must have a
documented status, content type, headers and body schema.

The API is served by uvicorn on a free port in a namespace of its own. The 16 sample reports,
analysed by the real analyzer, are indexed first, with the escalation signals they raise and the
alerts the sample subscriptions raise for the test's key owner, so searches, signals and alerts
answer with real documents; ``POST /reports`` and subscription writes go to the real Kafka.
Owner routes carry a key made with :func:`api.keys.create_key`, ``/keys`` the administrator
token; ``GET /alerts/stream`` never ends, so it is read for one second, a few times.

schemathesis runs as its command line (``schemathesis.cli run``) in a subprocess: its pytest
plugin (``schemathesis.pytest.from_fixture``) sets ``Function._nodeid``, which pytest 9.2 no
longer has. The run is bounded (examples per operation), derandomized (the same requests every
run) and keeps no example database; a failure shows schemathesis's own report, with a curl line
reproducing each case.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn
from elasticsearch import AsyncElasticsearch, Elasticsearch

from api.app import create_app
from api.config import ApiSettings
from api.keys import create_key
from delivery import DeliverySettings
from indexers.elasticsearch_sink import bulk_index, ensure_index
from rasd.analysis.analyzer import Analyzer
from rasd.enrich import enrich_bytes
from rasd.escalation.detector import EscalationDetector
from rasd.matching import match_report, match_signal
from rasd.schema import Alert, EnrichedReport, EscalationSignal, Subscription
from rasd.search import report_document
from rasd.settings import Settings
from tests.integration.conftest import SAMPLES, wait_for

SAMPLE_SUBSCRIPTIONS = SAMPLES.with_name("subscriptions.json")
OWNER = "schemathesis@example.org"
ADMIN_TOKEN = "admin-token-for-schemathesis-tests"
MAX_EXAMPLES = 50
STREAM_EXAMPLES = 3
STREAM_READ_TIMEOUT_S = 1.0
REQUEST_TIMEOUT_S = 30
RUN_TIMEOUT_S = 600
SEED = 20180820


def analyse_samples() -> list[EnrichedReport]:
    """The sample reports as the pipeline enriches them (the one malformed sample is dead-lettered)."""
    analyzer = Analyzer.pretrained()
    enriched = [enrich_bytes(line, analyzer) for line in SAMPLES.read_bytes().splitlines() if line.strip()]
    return [e for e in enriched if isinstance(e, EnrichedReport)]


def derive_signals(enriched: list[EnrichedReport]) -> list[EscalationSignal]:
    """The escalation signals the reports raise, fed in publication order."""
    detector = EscalationDetector.from_data()
    ordered = sorted(enriched, key=lambda e: e.report.published_at or "")
    return [s for e in ordered for s in detector.observe(e, processing_time=e.report.published_at)]


def derive_alerts(enriched: list[EnrichedReport], signals: list[EscalationSignal], owner: str) -> list[Alert]:
    """The alerts the sample subscriptions, held by ``owner``, raise for these reports and signals."""
    subscriptions = [replace(Subscription.from_dict(s), owner=owner)
                     for s in json.loads(SAMPLE_SUBSCRIPTIONS.read_text(encoding="utf-8"))]
    found = [match_report(s, e) for s in subscriptions for e in enriched]
    found += [match_signal(s, g) for s in subscriptions for g in signals]
    return [a for a in found if a is not None]


def derive_documents(enriched: list[EnrichedReport], owner: str) -> dict[str, list[tuple[str, dict]]]:
    """Search documents of the reports, the signals they raise, and the sample subscriptions' alerts for ``owner``."""
    signals = derive_signals(enriched)
    return {"reports": [(e.report.id, report_document(e)) for e in enriched],
            "signals": [(s.id, s.to_dict()) for s in signals],
            "alerts": [(a.id, a.to_dict()) for a in derive_alerts(enriched, signals, owner)]}


async def index_documents(settings: Settings, documents: dict[str, list[tuple[str, dict]]]) -> None:
    client = AsyncElasticsearch(settings.elasticsearch_url, request_timeout=30)
    aliases = {"reports": settings.indices.reports, "signals": settings.indices.signals,
               "alerts": settings.indices.alerts}
    try:
        for kind, docs in documents.items():
            await ensure_index(client, kind, aliases[kind])
            assert await bulk_index(client, aliases[kind], docs) == []
    finally:
        await client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiServer:
    """uvicorn serving the app on a free port, in a thread of this process."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ApiServer":
        self.thread.start()
        wait_for(lambda: self.server.started, 30, "the API to start")
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def write_config(path: Path, *, key: str, admin_token: str) -> Path:
    """The run's ``schemathesis.toml``: bounds, determinism, checks and the credentials of each route."""
    path.write_text(f"""\
seed = {SEED}
workers = 1
request-timeout = {REQUEST_TIMEOUT_S}
headers = {{ Authorization = {json.dumps("Bearer " + key)} }}

[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"

# Not every rule is in the document: dates are free strings checked by the API, a page past the
# 10,000th result, an unknown governorate or a webhook without a target are refused with 422. So a
# schema-valid request may rightly be refused, and a lax boolean ("active": 0) is read, not refused.
# Starlette's 405 names the methods of the first route of a path only (Allow header).
[checks]
positive_data_acceptance.enabled = false
negative_data_rejection.enabled = false
allow_header_conformance.enabled = false

[[operations]]
include-path-regex = "^/keys"
headers = {{ Authorization = {json.dumps("Bearer " + admin_token)} }}

[[operations]]
include-path = "/alerts/stream"
request-timeout = {STREAM_READ_TIMEOUT_S}
generation = {{ max-examples = {STREAM_EXAMPLES} }}
""", encoding="utf-8")
    return path


@pytest.fixture
def api_server(settings: Settings, es: Elasticsearch, topics: list[str],
               tmp_path: Path) -> Iterator[tuple[ApiServer, str]]:
    """The API over real data in the test's namespace, and an API key of :data:`OWNER`."""
    documents = derive_documents(analyse_samples(), OWNER)
    assert len(documents["reports"]) >= 10 and documents["signals"] and documents["alerts"], \
        {kind: len(docs) for kind, docs in documents.items()}
    asyncio.run(index_documents(settings, documents))
    es.indices.refresh(index=f"{settings.namespace}-*")
    api_settings = ApiSettings(api_db=str(tmp_path / "api.sqlite"), admin_token=ADMIN_TOKEN)
    key = create_key(OWNER, api_settings)
    delivery = DeliverySettings(webhook_secret="master-webhook-secret-for-schemathesis", smtp_host="mail.invalid",
                                smtp_from="rasd@example.org", sse_keepalive_seconds=0.2)
    with ApiServer(create_app(settings, api_settings=api_settings, delivery_settings=delivery)) as server:
        yield server, key


def test_schemathesis_finds_no_server_error(api_server, tmp_path):
    server, key = api_server
    config = write_config(tmp_path / "schemathesis.toml", key=key, admin_token=ADMIN_TOKEN)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
                          "run", f"{server.url}/openapi.json"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    report = run.stdout + run.stderr
    print(report)
    print(f"schemathesis run took {time.monotonic() - started:.0f}s")
    assert run.returncode == 0, report
    operations = sum(len(methods) for methods in server.app.openapi()["paths"].values())
    assert re.search(rf"^\s*Tested: {operations}$", report, re.MULTILINE), f"not every operation was tested\n{report}"
