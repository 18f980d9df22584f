"""Sends one alert to every channel of its subscription, through the throttle, concurrently.

Each channel's delivery runs as its own task: a slow or failing webhook never delays the e-mail
or the SSE push of the same alert. A delivery that fails for good becomes a dead letter; every
delivery is logged as one ``key=value`` line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from delivery.base import Channel, DeliveryResult, DeliverySettings
from delivery.dead_letter import DeadLetterSink, DeliveryDeadLetter, MemoryDeadLetterSink
from delivery.throttle import Throttle, ThrottleKey

log = logging.getLogger(__name__)

DEAD_LETTER_CODES = {"failed": "gave_up", "refused": "refused", "unavailable": "unavailable"}


def redact_target(channel: str, target: str) -> str:
    """A target fit for logs: a URL's scheme, host and port; an address's domain.

    Example: ``"https://hooks.example.org/t/SECRET"`` → ``"https://hooks.example.org"``;
    ``"analyst@example.org"`` → ``"*@example.org"``.
    """
    if channel == "webhook":
        try:
            parts = urlsplit(target)
            return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        except ValueError:
            return "<malformed>"
    if channel == "email":
        return "*@" + target.rpartition("@")[2]
    return target


def is_final_failure(result: DeliveryResult) -> bool:
    """Whether the result should become a dead letter (anything but delivered or held)."""
    return not result.ok and result.outcome != "held"


def choose_dead_letter_code(result: DeliveryResult, max_attempts: int) -> str:
    """``rejected`` when the receiver's answer ended the tries early (HTTP 4xx, SMTP 5xx), ``gave_up``
    when the tries ran out, else the outcome's code (``refused``, ``unavailable``, ``error``)."""
    if result.outcome == "failed":
        return "rejected" if result.attempts < max_attempts else "gave_up"
    return DEAD_LETTER_CODES.get(result.outcome, "error")


class Dispatcher:
    """Delivers alerts and digests to channels.

    Args:
        settings: delivery settings.
        channels: built channels by name (:func:`delivery.registry.build_channels`).
        throttle: per-subscription windows (a fresh one when None).
        dead_letters: where final failures go (an in-memory sink when None).
        clock: Unix seconds, for the throttle (fixed in tests).
    """

    def __init__(self, settings: DeliverySettings, channels: Mapping[str, Channel],
                 throttle: Throttle | None = None, dead_letters: DeadLetterSink | None = None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.channels = dict(channels)
        self.throttle = throttle or Throttle()
        self.dead_letters = dead_letters if dead_letters is not None else MemoryDeadLetterSink()
        self.clock = clock

    async def dispatch(self, alert: dict[str, Any], subscription: dict[str, Any]) -> list[DeliveryResult]:
        """Deliver ``alert`` on each of ``subscription["channels"]`` (or hold it for a digest).

        Args:
            alert: an alert dict (``Alert.to_dict()``).
            subscription: a subscription dict (``Subscription.to_dict()``): ``id``, ``channels``,
                ``throttle_seconds``.

        Returns:
            One result per channel entry, in the subscription's order; held ones have outcome ``held``.
        """
        now = self.clock()
        window = float(subscription.get("throttle_seconds") or 0)
        jobs = []
        for entry in subscription.get("channels") or ():
            kind, target = str(entry.get("type", "")), str(entry.get("target", ""))
            key = ThrottleKey(str(subscription.get("id", alert.get("subscription_id", ""))), kind, target)
            if self.throttle.offer(key, alert, now, window):
                jobs.append(self._deliver(kind, target, alert))
            else:
                jobs.append(self._hold(kind, target, alert))
        return list(await asyncio.gather(*jobs))

    async def flush_due(self, now: float | None = None) -> list[DeliveryResult]:
        """Deliver the digests of every throttle window that has ended (call it every few seconds)."""
        digests = self.throttle.flush_due(self.clock() if now is None else now)
        jobs = [self._deliver(d.key.channel, d.key.target, d.to_message()) for d in digests]
        return list(await asyncio.gather(*jobs))

    async def run_flusher(self, interval_seconds: float, stop: asyncio.Event) -> None:
        """Call :meth:`flush_due` every ``interval_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            await self.flush_due()
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
            except asyncio.TimeoutError:
                pass

    async def aclose(self) -> None:
        """Close every channel's connections."""
        await asyncio.gather(*(channel.aclose() for channel in self.channels.values()))

    async def _hold(self, kind: str, target: str, message: dict[str, Any]) -> DeliveryResult:
        result = DeliveryResult(ok=True, attempts=0, outcome="held", channel=kind)
        self._log(message, kind, target, result)
        return result

    async def _deliver(self, kind: str, target: str, message: dict[str, Any]) -> DeliveryResult:
        channel = self.channels.get(kind)
        if channel is None:
            result = DeliveryResult(ok=False, attempts=0, outcome="unavailable", channel=kind,
                                    error=f"channel {kind!r} is not enabled in this process")
        else:
            try:
                result = await channel.deliver(message, target)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug in one channel must not stop the others
                log.exception("delivery_bug channel=%s alert=%s", kind, message.get("id"))
                result = DeliveryResult(ok=False, attempts=1, outcome="error", channel=kind,
                                        error=f"{type(exc).__name__}: {exc}")
        self._log(message, kind, target, result)
        if is_final_failure(result):
            await self.dead_letters.record(DeliveryDeadLetter(
                channel=kind, target=target,
                code=choose_dead_letter_code(result, self.settings.delivery_max_attempts), error=result.error or "",
                attempts=result.attempts, status=result.status, message=message,
            ))
        return result

    def _log(self, message: dict[str, Any], kind: str, target: str, result: DeliveryResult) -> None:
        level = logging.INFO if result.ok else logging.WARNING
        log.log(level,
                "delivery alert=%s subscription=%s kind=%s channel=%s target=%s outcome=%s ok=%s "
                "attempts=%d status=%s latency_ms=%.1f error=%r",
                message.get("id"), message.get("subscription_id"), message.get("kind"), kind,
                redact_target(kind, target), result.outcome, str(result.ok).lower(), result.attempts,
                result.status, result.latency_ms, result.error or "")
