"""The one Faust application of a rasd worker process.

Topics live in :mod:`streams.topics`, agents in :mod:`streams.agents`; each
imports ``app`` from here. Settings come from ``RASD_*`` variables.
"""

from __future__ import annotations

import os

import faust
from mode.utils.objects import cached_property

from rasd.settings import Settings
from streams.transport import FlowControl, Transport

settings = Settings.from_env()


class App(faust.App):
    """Faust's App with :class:`streams.transport.FlowControl` (stream queues kept when flow was not suspended)."""

    @cached_property
    def flow_control(self) -> FlowControl:
        return FlowControl(loop=self.loop)


app = App(
    settings.app_id,
    broker=[f"kafka://{server}" for server in settings.kafka_servers],
    store="memory://",
    topic_partitions=settings.topic_partitions,
    topic_replication_factor=1,
    web_port=settings.worker_web_port,
    web_host="127.0.0.1",
    datadir=os.environ.get("RASD_WORKER_DATADIR", f"/tmp/rasd-worker-{settings.namespace}"),
    autodiscover=["streams.agents"],
    origin="streams",
    table_cleanup_interval=30.0,
    # Commit often: the agents are idempotent, so a replay after a crash only repeats work.
    broker_commit_every=100,
    broker_commit_interval=1.0,
    producer_acks=-1,
    # One request in flight per broker: small batches (16 kB, less than one enriched report) made a request
    # of every message. Kept under the broker's 1 MB message limit.
    producer_max_batch_size=512 * 1024,
    # Each stage sends several messages per report (the next stage's, escalation events, changelogs,
    # alerts): waiting 5 ms gathers them into fewer produce requests. Burst of seed-size reports,
    # one worker: ~100 → ~110-120 reports/s; p99 produce → alert at 20/s stays ~250 ms.
    producer_linger=0.005,
    # ~36 kB of JSON per report per hop: LZ4 costs little CPU and the broker writes and copies a third.
    producer_compression_type="lz4",
    stream_wait_empty=False,
)

app.transport = Transport(app.conf.broker_consumer, app, compacted_topics=frozenset({settings.topics.subscriptions}))


def main() -> None:
    """Run a worker (``rasd worker``)."""
    import sys

    # Faust's CLI reads sys.argv; keep only what the worker needs.
    sys.argv = [sys.argv[0], "worker", "--loglevel", os.environ.get("RASD_LOG_LEVEL", "info"), "--without-web"]
    app.main()
