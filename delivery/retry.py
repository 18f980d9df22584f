"""Retries with exponential back-off, shared by the channels that talk to a remote receiver.

A channel supplies one try (``attempt_once``) that reports whether it succeeded and whether
the failure is worth another try; :func:`run_with_retries` does the waiting and the counting.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable

from delivery.base import DeliverySettings


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try.

    Attributes:
        ok: the receiver accepted the message.
        retryable: a later try may succeed (network error, 429, 5xx, SMTP 4xx).
        status: the receiver's code, if it answered.
        error: what went wrong, if anything.
        retry_after: seconds the receiver asked us to wait (``Retry-After``), if it did.
    """

    ok: bool
    retryable: bool = False
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries and how long between them.

    Attributes:
        max_attempts: tries in all, the first one included.
        backoff_seconds: delay before the second try; doubled for each later one.
        backoff_max_seconds: longest computed delay.
        retry_after_max_seconds: a longer ``Retry-After`` ends the retries instead of being obeyed.
    """

    max_attempts: int = 5
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    retry_after_max_seconds: float = 300.0

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> "RetryPolicy":
        return cls(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_max_seconds=settings.delivery_backoff_max_seconds,
            retry_after_max_seconds=settings.delivery_retry_after_max_seconds,
        )


def compute_backoff(failures: int, policy: RetryPolicy, rand: Callable[[], float] = random.random) -> float:
    """Delay after ``failures`` failed tries: ``base * 2**(failures-1)``, capped, then jittered to 50–100 %.

    Args:
        failures: failed tries so far (1 after the first failure).
        policy: base and cap.
        rand: a uniform [0, 1) source (fixed in tests).

    Returns:
        Seconds to wait.
    """
    ceiling = min(policy.backoff_max_seconds, policy.backoff_seconds * (2 ** max(failures - 1, 0)))
    return ceiling * (0.5 + rand() / 2)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date).

    Args:
        value: the header value, e.g. ``"120"`` or ``"Wed, 21 Oct 2015 07:28:00 GMT"``.
        now: the current Unix time (defaults to the clock).

    Returns:
        Seconds (0 for a date in the past), or None when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def choose_delay(failures: int, attempt: Attempt, policy: RetryPolicy,
                 rand: Callable[[], float] = random.random) -> float | None:
    """Delay before the next try, or None when the receiver asked for longer than the policy allows.

    A ``Retry-After`` is obeyed as given (never shortened); otherwise the back-off applies.
    """
    if attempt.retry_after is not None:
        if attempt.retry_after > policy.retry_after_max_seconds:
            return None
        return attempt.retry_after
    return compute_backoff(failures, policy, rand)


async def run_with_retries(
    attempt_once: Callable[[int], Awaitable[Attempt]],
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    rand: Callable[[], float] = random.random,
) -> tuple[Attempt, int]:
    """Try until success, a failure not worth retrying, or ``policy.max_attempts`` tries.

    Args:
        attempt_once: one try; receives the try number (1-based).
        policy: counts and delays.
        sleep: the waiting function (``asyncio.sleep``; a recorder in tests).
        rand: jitter source.

    Returns:
        The last :class:`Attempt` and the number of tries made.
    """
    tries = 0
    while True:
        tries += 1
        attempt = await attempt_once(tries)
        if attempt.ok or not attempt.retryable or tries >= policy.max_attempts:
            return attempt, tries
        delay = choose_delay(tries, attempt, policy, rand)
        if delay is None:
            return Attempt(ok=False, retryable=False, status=attempt.status,
                           error=f"retry_after {attempt.retry_after:g}s exceeds the limit; {attempt.error}"), tries
        await sleep(delay)
