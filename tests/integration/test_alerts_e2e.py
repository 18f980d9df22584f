"""Alerts end to end on the real Kafka and Elasticsearch.

An API key is made, a subscription with a webhook (a receiver on 127.0.0.1), an e-mail address (an
aiosmtpd server on 127.0.0.1) and the SSE stream is created through the API (served by uvicorn
in this process), reports are produced to Kafka, and each alert must arrive signed at the
webhook, in the mailbox and on the open stream within seconds — through the Faust worker
(analysis, matching), the delivery worker and the API's alerts-topic feed. The latencies from
produce to webhook, to SSE and to e-mail are printed (p50/p95).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from kafka import KafkaConsumer

from api.app import create_app
from api.config import ApiSettings
from delivery import DeliverySettings, verify_signature
from delivery.kafka_topics import alerts_dead_letter_topic
from rasd.matching import alert_id
from tests.integration.conftest import fetch_doc, wait_for

ADMIN_TOKEN = "integration-admin-token-0123456789"
MASTER_SECRET = "integration-webhook-master-secret"
OWNER = "analyst@example.org"
# `make bench` runs this test with RASD_ALERT_BENCH_REPORTS=50 for the p95 figures of the README.
MEASURED_REPORTS = int(os.environ.get("RASD_ALERT_BENCH_REPORTS", "20"))
FIRST_ALERT_TIMEOUT_S = 240  # the Faust worker loads its models and joins its groups first
ALERT_TIMEOUT_S = 15

VILLAGES = ("خان شيخون", "معرة النعمان", "سراقب", "أريحا", "جسر الشغور", "كفرنبل", "التمانعة", "الهبيط",
            "بنش", "سرمين", "كفرسجنة", "معرة حرمة", "الشيخ مصطفى", "حيش", "تلمنس", "جرجناز", "التح", "كنصفرة",
            "البارة", "احسم", "محمبل")


def make_report(number: int) -> dict[str, Any]:
    village = VILLAGES[number % len(VILLAGES)]
    killed = 2 + number % 5
    text = (f"قصفت قوات النظام بالمدفعية الثقيلة بلدة {village} في ريف إدلب الجنوبي صباح اليوم، ما أسفر عن مقتل "
            f"{killed} مدنيين وإصابة آخرين بجروح، وفق ما أفاد به المرصد السوري لحقوق الإنسان. وتشهد المنطقة "
            f"تصعيداً متواصلاً منذ أيام (التقرير رقم {number}).")
    return {"id": f"e2e-alert-{number:03d}", "text": text, "title": f"قصف مدفعي على {village} بريف إدلب",
            "source": "SOHR", "published_at": "2024-05-01T08:00:00+00:00"}


# --- receivers that note when each message arrived ------------------------------------------------

@dataclass
class Arrivals:
    """Messages received by one channel, with the monotonic time each arrived."""

    items: list[tuple[float, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Any) -> None:
        with self.lock:
            self.items.append((time.monotonic(), item))

    def snapshot(self) -> list[tuple[float, Any]]:
        with self.lock:
            return list(self.items)


def start_webhook_receiver(arrivals: Arrivals, status: int = 204) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 answering every POST with ``status``."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.add(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


class MailHandler:
    def __init__(self, arrivals: Arrivals):
        self.arrivals = arrivals

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        self.arrivals.add(envelope)
        return "250 Message accepted"


class SseClient:
    """Reads the API's event stream in a thread; each ``alert`` event is noted with its arrival time."""

    def __init__(self, url: str, headers: dict[str, str], arrivals: Arrivals):
        self.url, self.headers, self.arrivals = url, headers, arrivals
        self.connected = threading.Event()
        self.status: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(10.0, read=None)) as client:
                with client.stream("GET", self.url, headers=self.headers) as response:
                    self.status = response.status_code
                    self.connected.set()
                    event: dict[str, str] = {}
                    for line in response.iter_lines():
                        if line:
                            name, _, value = line.partition(": ")
                            event[name] = value
                        elif event.get("event") == "alert":
                            self.arrivals.add(json.loads(event["data"]))
                            event = {}
                        else:
                            event = {}
        except BaseException as exc:  # noqa: BLE001 - reported by the test, whatever it was
            self.error = exc
        finally:
            self.connected.set()


class ApiServer:
    """uvicorn serving the app in a thread of this process."""

    def __init__(self, app, port: int):
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.server.serve())

    def start(self) -> "ApiServer":
        self.thread.start()
        wait_for(lambda: self.server.started, 30, "the API to start")
        return self

    def stop(self) -> None:
        if self.loop is not None and self.server.started:
            self.loop.call_soon_threadsafe(self.app.state.broadcaster.close)  # ends the open streams
        self.server.should_exit = True
        self.thread.join(30)


def start_delivery_worker(processes) -> None:
    processes.start("deliver", "deliver")


def read_topic(settings, topic: str, at_least: int) -> list[dict[str, Any]] | None:
    """Every JSON record of ``topic`` so far, or None while there are fewer than ``at_least``."""
    consumer = KafkaConsumer(topic, bootstrap_servers=settings.kafka_servers, group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=2000)
    try:
        values = [json.loads(record.value) for record in consumer]
    finally:
        consumer.close()
    return values if len(values) >= at_least else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def alert_for(arrivals: Arrivals, report_id: str, pick) -> tuple[float, Any] | None:
    return next(((t, item) for t, item in arrivals.snapshot() if pick(item) == report_id), None)


def webhook_report_id(item) -> str | None:
    return json.loads(item[1]).get("report_id")


def mail_alert_id(envelope) -> str | None:
    """The ``X-Rasd-Alert-Id`` of an e-mail."""
    content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
    return message_from_bytes(content)["X-Rasd-Alert-Id"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the test --------------------------------------------------------------------------------------------

@pytest.fixture
def dead_letter_topic(settings, topics):
    """The alerts dead-letter topic, created and deleted with the namespace's other topics."""
    name = alerts_dead_letter_topic(settings)
    assert name in topics
    return name


def test_alert_reaches_webhook_email_and_stream_within_seconds(settings, topics, producer, processes, es, tmp_path,
                                                               monkeypatch, dead_letter_topic):
    hooks, mails, streamed = Arrivals(), Arrivals(), Arrivals()
    receiver = start_webhook_receiver(hooks)
    gone_receiver = start_webhook_receiver(Arrivals(), status=410)
    smtp_port = free_port()
    smtp = Controller(MailHandler(mails), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    for name, value in {"RASD_WEBHOOK_SECRET": MASTER_SECRET, "RASD_ALLOW_PRIVATE_TARGETS": "true",
                        "RASD_SMTP_HOST": "127.0.0.1", "RASD_SMTP_PORT": str(smtp_port),
                        "RASD_SMTP_FROM": "rasd@example.org", "RASD_DELIVERY_BACKOFF_SECONDS": "0.2"}.items():
        monkeypatch.setenv(name, value)
    processes.start("worker", "worker")
    processes.start("indexer", "index")
    start_delivery_worker(processes)

    app = create_app(settings, api_settings=ApiSettings(api_db=str(tmp_path / "api.sqlite"), admin_token=ADMIN_TOKEN),
                     delivery_settings=DeliverySettings.from_env())
    api = ApiServer(app, port=free_port()).start()
    sse: SseClient | None = None
    expected_ids: list[str] = []
    logs = lambda: "\n---\n".join(f"[{n}]\n{processes.log_tail(n)}" for n in ("worker", "deliver", "indexer"))  # noqa: E731
    try:
        http = httpx.Client(base_url=api.url, timeout=30)
        key = http.post("/keys", json={"owner": OWNER}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert key.status_code == 201, key.text
        auth = {"Authorization": f"Bearer {key.json()['key']}"}
        hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks/rasd"
        created = http.post("/subscriptions", headers=auth, json={
            "name": "Shelling in Idlib", "query": "إدلب", "governorates": ["Idlib"],
            "channels": [{"type": "webhook", "target": hook_url}, {"type": "email", "target": OWNER},
                         {"type": "sse"}]})
        assert created.status_code == 201, created.text
        subscription = created.json()
        secret = subscription["webhook_secret"]
        assert secret and http.get(f"/subscriptions/{subscription['id']}", headers=auth).json()["owner"] == OWNER

        # A second subscription whose webhook is gone (410): its alerts become dead letters.
        gone = http.post("/subscriptions", headers=auth, json={
            "name": "Gone hook", "governorates": ["Idlib"],
            "channels": [{"type": "webhook", "target": f"http://127.0.0.1:{gone_receiver.server_address[1]}/old"}]})
        assert gone.status_code == 201, gone.text

        sse = SseClient(f"{api.url}/alerts/stream?subscription={subscription['id']}", auth, streamed)
        sse.thread.start()
        assert sse.connected.wait(30) and sse.status == 200, f"stream not opened: {sse.status} {sse.error}"

        def produce(report: dict[str, Any]) -> float:
            expected_ids.append(report["id"])
            sent = time.monotonic()
            producer.send(settings.topics.reports, key=report["id"].encode(),
                          value=json.dumps(report, ensure_ascii=False).encode("utf-8"))
            producer.flush()
            return sent

        # Warm-up: the first alert proves the whole path and waits out the workers' start.
        warm = make_report(0)
        produce(warm)
        wait_for(lambda: alert_for(hooks, warm["id"], webhook_report_id), FIRST_ALERT_TIMEOUT_S,
                 "the first alert at the webhook", logs)
        (headers, body) = alert_for(hooks, warm["id"], webhook_report_id)[1]
        alert = json.loads(body)
        assert verify_signature(body, headers["x-rasd-signature"], secret), "webhook signature does not verify"
        assert not verify_signature(body, headers["x-rasd-signature"], "another-secret")
        assert headers["idempotency-key"] == alert["id"]
        assert alert["subscription_id"] == subscription["id"] and alert["owner"] == OWNER
        assert "Idlib" in alert["governorates"]
        wait_for(lambda: alert_for(streamed, warm["id"], lambda a: a.get("report_id")), ALERT_TIMEOUT_S,
                 "the first alert on the SSE stream", logs)
        assert alert_for(streamed, warm["id"], lambda a: a.get("report_id"))[1]["id"] == alert["id"]

        def measure(numbers: range, *, burst: bool) -> dict[str, list[float]]:
            """Produce the reports one at a time (each alert awaited) or all at once; seconds to each arrival."""
            latencies: dict[str, list[float]] = {"webhook": [], "sse": [], "email": []}
            reports = [make_report(n) for n in numbers]
            sent_at = {r["id"]: produce(r) for r in reports} if burst else {}
            for report in reports:
                sent = sent_at[report["id"]] if burst else produce(report)
                mail_key = alert_id(subscription["id"], "report", report["id"])
                for channel, arrivals, pick, key in (("webhook", hooks, webhook_report_id, report["id"]),
                                                     ("sse", streamed, lambda a: a.get("report_id"), report["id"]),
                                                     ("email", mails, mail_alert_id, mail_key)):
                    found = wait_for(lambda: alert_for(arrivals, key, pick), ALERT_TIMEOUT_S,
                                     f"the alert of {report['id']} by {channel}", logs)
                    latencies[channel].append(found[0] - sent)
            for channel, values in latencies.items():
                print(f"\nproduce→{channel}, {len(values)} reports {'in one burst' if burst else 'one at a time'}: "
                      f"p50={statistics.median(values) * 1000:.0f} ms p95={percentile(values, 0.95) * 1000:.0f} ms "
                      f"max={max(values) * 1000:.0f} ms")
            return latencies

        sequential = measure(range(1, MEASURED_REPORTS + 1), burst=False)
        assert percentile(sequential["webhook"], 0.95) < 5.0 and percentile(sequential["sse"], 0.95) < 5.0
        burst = measure(range(MEASURED_REPORTS + 1, 2 * MEASURED_REPORTS + 1), burst=True)
        assert max(burst["webhook"]) < 10.0 and max(burst["sse"]) < 10.0
        delivered = len(expected_ids)

        # The alerts were also indexed, and GET /alerts shows them to their owner only.
        mine = f"/alerts?size=100&subscription={subscription['id']}"
        listed = wait_for(lambda: (r := http.get(mine, headers=auth).json())["total"]
                          >= delivered and r, 90, "the alerts in GET /alerts", logs)
        pages = [listed] + [http.get(f"{mine}&page={n}", headers=auth).json()
                            for n in range(2, (listed["total"] + 99) // 100 + 1)]
        assert {a["report_id"] for page in pages for a in page["alerts"]} == set(expected_ids)
        assert listed["alerts"][0]["created_at"] >= listed["alerts"][-1]["created_at"]
        other = http.post("/keys", json={"owner": "someone-else"}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        other_auth = {"Authorization": f"Bearer {other.json()['key']}"}
        assert http.get("/alerts", headers=other_auth).json()["total"] == 0
        assert http.get(f"/subscriptions/{subscription['id']}", headers=other_auth).status_code == 404

        assert http.get("/alerts?size=1", headers=auth).json()["total"] >= 2 * delivered

        # The gone webhook's alerts are in the dead-letter topic, with the reason and the whole alert.
        letters = wait_for(lambda: read_topic(settings, dead_letter_topic, delivered), 30,
                           "the dead letters of the gone webhook", logs)
        assert {(d["code"], d["status"], d["subscription_id"]) for d in letters} == {("rejected", 410, gone.json()["id"])}
        assert {d["message"]["report_id"] for d in letters} == set(expected_ids)

        # Every alert once per channel (the stream narrowed to the first subscription); one e-mail per report.
        assert {a["subscription_id"] for _, a in streamed.snapshot()} == {subscription["id"]}
        assert len(streamed.snapshot()) == delivered
        assert len(hooks.snapshot()) == delivered
        assert len({json.loads(b)["id"] for _, (h, b) in hooks.snapshot()}) == delivered
        assert len(mails.snapshot()) == delivered

        # Deleted: the tombstone stops matching and delivery.
        assert http.delete(f"/subscriptions/{subscription['id']}", headers=auth).status_code == 204
        time.sleep(2)  # the tombstone and the next report travel on different topics
        after = make_report(delivered)
        produce(after)
        wait_for(lambda: fetch_doc(es, settings.indices.reports, after["id"]), 60,
                 "the report produced after the deletion in the index", logs)  # it was analysed and matched
        time.sleep(2)
        assert len(hooks.snapshot()) == delivered, "an alert was delivered after the deletion"
        assert not alert_for(streamed, after["id"], lambda a: a.get("report_id"))
    finally:
        api.stop()
        if sse is not None:
            sse.thread.join(10)
        smtp.stop()
        receiver.shutdown()
        gone_receiver.shutdown()
