"""Webhook delivery latency to a receiver on this machine: ``python -m delivery.bench --alerts 50``.

Starts a stdlib HTTP receiver on 127.0.0.1 that checks every signature, delivers N signed alerts
one after the other (latency of one delivery: signing, connection, POST, answer), then the same
N at once (the dispatcher's concurrency), and prints p50/p95/max. Traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Sequence

from delivery.base import DeliverySettings
from delivery.webhook import SIGNATURE_HEADER, WebhookChannel, derive_webhook_secret, verify_signature

BENCH_SECRET = "bench-master-secret"


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: ``percentile([1, 2, 3, 4], 0.5)`` → ``2``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def start_receiver() -> tuple[ThreadingHTTPServer, dict[str, int]]:
    """A receiver on a free loopback port counting good and bad signatures."""
    counts = {"good": 0, "bad": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            secret = derive_webhook_secret(BENCH_SECRET, "bench-subscription")
            good = verify_signature(body, self.headers.get(SIGNATURE_HEADER), secret)
            with lock:
                counts["good" if good else "bad"] += 1
            self.send_response(204 if good else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, counts


def make_bench_alert(n: int) -> dict[str, Any]:
    return {
        "id": f"bench-{n:04d}", "subscription_id": "bench-subscription", "owner": "bench", "kind": "report",
        "report_id": f"report-{n}", "signal_id": None, "severity": "medium",
        "title": "اشتباكات بين قوات النظام وهيئة تحرير الشام في ريف حماة الشمالي",
        "reasons": ["actor: hts", "governorate: Hama"], "actor_ids": ["hts", "syr-gov-forces"],
        "governorates": ["Hama"], "event_types": ["armed_clash"], "locations": [{"lat": 35.3, "lon": 36.6}],
        "created_at": "2018-08-10T09:00:05+00:00", "published_at": "2018-08-10T08:55:00+00:00",
        "schema_version": 1,
    }


async def measure(url: str, alerts: int) -> dict[str, list[float]]:
    settings = DeliverySettings(webhook_secret=BENCH_SECRET, allow_private_targets=True, delivery_max_attempts=1)
    channel = WebhookChannel(settings)
    try:
        await channel.deliver(make_bench_alert(-1), url)  # warm-up: TLS context, first connection
        sequential = []
        for n in range(alerts):
            result = await channel.deliver(make_bench_alert(n), url)
            if not result.ok:
                raise RuntimeError(f"delivery {n} failed: {result.error}")
            sequential.append(result.latency_ms)
        started = time.perf_counter()
        results = await asyncio.gather(*(channel.deliver(make_bench_alert(alerts + n), url) for n in range(alerts)))
        burst_wall = (time.perf_counter() - started) * 1000
        if not all(r.ok for r in results):
            raise RuntimeError("a concurrent delivery failed")
        return {"sequential": sequential, "concurrent": [r.latency_ms for r in results], "burst_wall": [burst_wall]}
    finally:
        await channel.aclose()


def summarise(values: Sequence[float]) -> str:
    return (f"p50={percentile(values, 0.5):.2f}ms p95={percentile(values, 0.95):.2f}ms "
            f"max={max(values):.2f}ms mean={statistics.fmean(values):.2f}ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m delivery.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=50, help="alerts per run (default 50)")
    args = parser.parse_args(argv)
    server, counts = start_receiver()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        timings = asyncio.run(measure(url, args.alerts))
    finally:
        server.shutdown()
        server.server_close()
    print(f"webhook sequential n={args.alerts} {summarise(timings['sequential'])}")
    print(f"webhook concurrent n={args.alerts} {summarise(timings['concurrent'])} "
          f"wall={timings['burst_wall'][0]:.1f}ms")
    print(f"receiver signatures good={counts['good']} bad={counts['bad']}")
    return 0 if counts["bad"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
