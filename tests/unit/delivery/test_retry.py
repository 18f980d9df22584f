"""Back-off, Retry-After parsing and the retry loop shared by the webhook and e-mail channels."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

from delivery.retry import Attempt, RetryPolicy, choose_delay, compute_backoff, parse_retry_after, run_with_retries
from tests.unit.delivery.servers import SleepRecorder

POLICY = RetryPolicy(max_attempts=4, backoff_seconds=1.0, backoff_max_seconds=5.0, retry_after_max_seconds=60.0)


def test_backoff_doubles_then_caps_and_jitters_between_half_and_full():
    assert [compute_backoff(n, POLICY, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert compute_backoff(3, POLICY, lambda: 0.0) == 2.0


def test_parse_retry_after_seconds_date_and_garbage():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after(None) is None


def test_choose_delay_prefers_retry_after_and_refuses_a_too_long_one():
    assert choose_delay(1, Attempt(ok=False, retryable=True, retry_after=9.0), POLICY) == 9.0
    assert choose_delay(1, Attempt(ok=False, retryable=True, retry_after=61.0), POLICY) is None
    assert choose_delay(2, Attempt(ok=False, retryable=True), POLICY, lambda: 1.0) == 2.0


def test_run_with_retries_stops_on_success_on_final_failure_and_at_the_limit():
    def scripted(*attempts):
        queue = list(attempts)

        async def once(_n):
            return queue.pop(0)
        return once

    retry = Attempt(ok=False, retryable=True, error="503")
    sleep = SleepRecorder()
    last, tries = asyncio.run(run_with_retries(scripted(retry, Attempt(ok=True, status=200)), POLICY, sleep,
                                               lambda: 1.0))
    assert last.ok and tries == 2 and sleep.delays == [1.0]

    last, tries = asyncio.run(run_with_retries(scripted(Attempt(ok=False, error="400")), POLICY, SleepRecorder()))
    assert not last.ok and tries == 1

    last, tries = asyncio.run(run_with_retries(scripted(*[retry] * 4), POLICY, SleepRecorder()))
    assert not last.ok and tries == 4 and last.error == "503"
