"""Webhook channel: a signed JSON POST, retried with back-off, to a checked public URL.

Each request carries

* ``X-Rasd-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the subscription's
  secret (:func:`derive_webhook_secret`); receivers check it with :func:`verify_signature`;
* ``X-Rasd-Timestamp``: Unix seconds of this try;
* ``Idempotency-Key``: the alert (or digest) id, the same on every try, so a receiver that sees
  it twice can drop the second copy;
* ``User-Agent``.

Network errors, 429 and 5xx are retried (``Retry-After`` obeyed); other statuses are final.
Redirects are not followed: a 3xx is a final failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from typing import Any, Awaitable, Callable

import httpx

from delivery.base import Channel, DeliveryResult, DeliverySettings
from delivery.exceptions import TargetRefused
from delivery.retry import Attempt, RetryPolicy, parse_retry_after, run_with_retries
from delivery.targets import build_guarded_transport, check_webhook_url

SIGNATURE_HEADER = "X-Rasd-Signature"
TIMESTAMP_HEADER = "X-Rasd-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_PREFIX = "sha256="
MAX_RESPONSE_BYTES = 64 * 1024


def encode_body(message: dict[str, Any]) -> bytes:
    """The exact bytes that are sent and signed: compact UTF-8 JSON with sorted keys.

    Example: ``{"title": "قصف على إدلب"}`` → ``b'{"title":"\\xd9\\x82...'`` (Arabic kept as UTF-8, not escaped).
    """
    return json.dumps(message, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def derive_webhook_secret(master_secret: str, subscription_id: str) -> str:
    """The signing secret of one subscription: HMAC-SHA256(master, subscription id), hex.

    The API shows it to the subscriber when a webhook subscription is created; rasd never
    stores it, and one subscriber's secret says nothing about another's.
    """
    return hmac.new(master_secret.encode("utf-8"), subscription_id.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_body(body: bytes, secret: str) -> str:
    """``X-Rasd-Signature`` value for ``body``: ``"sha256=" + hex HMAC-SHA256``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` is the signature of ``body`` with ``secret`` (constant-time comparison).

    Args:
        body: the raw request body, as received (before any JSON parsing).
        header: the ``X-Rasd-Signature`` value, or None when absent.
        secret: the subscription's secret.
    """
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign_body(body, secret).encode("ascii"), header.strip().encode("ascii", "replace"))


def classify_status(status: int) -> tuple[bool, bool]:
    """``(ok, retryable)`` for an HTTP status: 2xx ok; 429 and 5xx retried; anything else final."""
    if 200 <= status < 300:
        return True, False
    return False, status == 429 or 500 <= status < 600


class WebhookChannel(Channel):
    """POSTs alerts to subscriber URLs (see the module docstring for the headers)."""

    name = "webhook"
    required_options = ("webhook_secret",)

    def __init__(self, settings: DeliverySettings, *, client: httpx.AsyncClient | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random, clock: Callable[[], float] = time.time):
        super().__init__(settings)
        self.policy = RetryPolicy.from_settings(settings)
        self._client = client
        self._sleep = sleep
        self._rand = rand
        self._clock = clock

    @classmethod
    def check_target(cls, target: str, settings: DeliverySettings) -> None:
        check_webhook_url(target, settings.allow_private_targets)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=build_guarded_transport(self.settings.allow_private_targets),
                timeout=self.settings.delivery_timeout_seconds,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": self.settings.user_agent},
            )
        return self._client

    async def deliver(self, alert: dict[str, Any], target: str) -> DeliveryResult:
        started = time.perf_counter()
        try:
            check_webhook_url(target, self.settings.allow_private_targets)
        except TargetRefused as exc:
            return DeliveryResult(ok=False, attempts=0, error=f"{exc.reason}: {exc}", outcome="refused",
                                  channel=self.name)
        body = encode_body(alert)
        secret = derive_webhook_secret(self.settings.webhook_secret, str(alert.get("subscription_id", "")))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign_body(body, secret),
            IDEMPOTENCY_HEADER: str(alert.get("id", "")),
        }
        refused: list[TargetRefused] = []

        async def post_once(_try: int) -> Attempt:
            try:
                return await self._post(target, body, {**headers, TIMESTAMP_HEADER: str(int(self._clock()))})
            except TargetRefused as exc:
                refused.append(exc)
                return Attempt(ok=False, retryable=False, error=f"{exc.reason}: {exc}")

        last, tries = await run_with_retries(post_once, self.policy, self._sleep, self._rand)
        latency_ms = (time.perf_counter() - started) * 1000
        if refused:
            return DeliveryResult(ok=False, attempts=tries, error=last.error, outcome="refused",
                                  channel=self.name, latency_ms=latency_ms)
        return DeliveryResult(ok=last.ok, attempts=tries, status=last.status, error=last.error,
                              outcome="delivered" if last.ok else "failed", channel=self.name,
                              latency_ms=latency_ms)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Attempt:
        """One POST; network failures become a retryable :class:`Attempt`, a refused target raises."""
        try:
            async with self._http().stream("POST", url, content=body, headers=headers) as response:
                await read_limited(response, MAX_RESPONSE_BYTES)
        except httpx.TransportError as exc:
            return Attempt(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
        ok, retryable = classify_status(response.status_code)
        return Attempt(
            ok=ok, retryable=retryable, status=response.status_code,
            error=None if ok else f"HTTP {response.status_code}",
            retry_after=parse_retry_after(response.headers.get("Retry-After"), self._clock()) if retryable else None,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def read_limited(response: httpx.Response, limit: int) -> int:
    """Read at most ``limit`` bytes of a response body (a hostile receiver cannot make us buffer more)."""
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen >= limit:
            break
    return seen
