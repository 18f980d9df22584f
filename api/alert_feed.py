"""The API's live alerts: every record of the alerts topic, handed to the SSE broadcaster.

Each API process follows all partitions of the alerts topic (no consumer group: every
process must see every alert, for the streams open on it). It starts with the first
``GET /alerts/stream`` of the process, so an API nobody streams from never connects to Kafka;
from then on it runs until shutdown, and the broadcaster's replay buffer lets a client that
reconnects with ``Last-Event-ID`` catch up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from delivery.sse import AlertBroadcaster
from delivery.topic_follower import TopicFollower
from rasd.settings import Settings

log = logging.getLogger(__name__)


def decode_alert(value: bytes | None) -> dict[str, Any] | None:
    """An alert dict from a record value, or None when it is not one (logged, skipped)."""
    try:
        alert = json.loads(value) if value is not None else None
    except ValueError as exc:
        log.warning("alert_feed_undecodable error=%s", exc)
        return None
    if not isinstance(alert, dict) or not alert.get("id") or not alert.get("owner"):
        log.warning("alert_feed_skipped reason=no_id_or_owner")
        return None
    return alert


class AlertFeed:
    """Follows the alerts topic and publishes each alert to ``broadcaster`` on the event loop.

    Args:
        settings: Kafka address and topic names.
        broadcaster: the process's SSE fan-out.
    """

    def __init__(self, settings: Settings, broadcaster: AlertBroadcaster):
        self.settings = settings
        self.broadcaster = broadcaster
        self._follower: TopicFollower | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def follower(self) -> TopicFollower | None:
        return self._follower

    async def ensure_running(self, timeout: float) -> bool:
        """Start following (once) and wait until positioned at the end of every partition.

        Returns:
            False when Kafka did not answer within ``timeout`` seconds (the follower keeps trying).
        """
        if self._follower is None:
            self._loop = asyncio.get_running_loop()
            self._follower = TopicFollower(self.settings, self.settings.topics.alerts, self._handle, start="end")
            self._follower.start()
            log.info("alert_feed started topic=%s", self.settings.topics.alerts)
        if self._follower.ready:
            return True
        return await asyncio.to_thread(self._follower.wait_ready, timeout)

    def _handle(self, record: Any) -> None:
        alert = decode_alert(record.value)
        if alert is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self.broadcaster.publish, alert)

    def error(self) -> str | None:
        return self._follower.error if self._follower else None

    def close(self) -> None:
        """Stop following and end every open stream."""
        if self._follower is not None:
            self._follower.stop()
        self.broadcaster.close()
