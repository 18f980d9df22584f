"""Webhook channel against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from delivery.base import DeliverySettings
from delivery.dead_letter import MemoryDeadLetterSink
from delivery.dispatcher import Dispatcher
from delivery.exceptions import TargetRefused
from delivery.targets import check_webhook_url, classify_address
from delivery.webhook import (
    WebhookChannel,
    derive_webhook_secret,
    encode_body,
    sign_body,
    verify_signature,
)
from tests.unit.delivery.factories import make_alert
from tests.unit.delivery.servers import SleepRecorder, free_port

MASTER = "test-master-secret"


def make_settings(**overrides) -> DeliverySettings:
    values = dict(webhook_secret=MASTER, allow_private_targets=True, delivery_max_attempts=3,
                  delivery_backoff_seconds=0.5, delivery_timeout_seconds=5.0)
    values.update(overrides)
    return DeliverySettings(**values)


def deliver(alert, target, settings=None, sleep=None, rand=lambda: 1.0):
    async def run():
        channel = WebhookChannel(settings or make_settings(), sleep=sleep or SleepRecorder(), rand=rand)
        try:
            return await channel.deliver(alert, target)
        finally:
            await channel.aclose()
    return asyncio.run(run())


def test_body_is_signed_and_carries_idempotency_key(receiver_factory):
    receiver = receiver_factory()
    alert = make_alert()
    before = int(time.time())
    result = deliver(alert, receiver.url)
    assert (result.ok, result.attempts, result.status, result.outcome) == (True, 1, 200, "delivered")
    [request] = receiver.requests
    assert request.path == "/hooks/rasd"
    assert json.loads(request.body.decode("utf-8")) == alert
    assert "غارات جوية" in request.body.decode("utf-8")  # UTF-8, not \u escapes
    secret = derive_webhook_secret(MASTER, alert["subscription_id"])
    assert verify_signature(request.body, request.headers["x-rasd-signature"], secret)
    assert request.headers["x-rasd-signature"] == sign_body(encode_body(alert), secret)
    assert request.headers["idempotency-key"] == alert["id"]
    assert before <= int(request.headers["x-rasd-timestamp"]) <= int(time.time())
    assert request.headers["user-agent"] == "rasd-delivery/0.1"
    assert request.headers["content-type"].startswith("application/json")


def test_verify_signature_rejects_wrong_secret_tampered_body_and_bad_header():
    body = encode_body(make_alert())
    secret = derive_webhook_secret(MASTER, "sub-idlib")
    header = sign_body(body, secret)
    assert verify_signature(body, header, secret)
    assert not verify_signature(body, header, derive_webhook_secret(MASTER, "sub-other"))
    assert not verify_signature(body.replace("إدلب".encode(), "حلب".encode()), header, secret)
    assert not verify_signature(body, header.removeprefix("sha256="), secret)
    assert not verify_signature(body, None, secret)
    assert not verify_signature(body, "sha256=zz", secret)


def test_subscription_secrets_differ_and_are_stable():
    assert derive_webhook_secret(MASTER, "a") == derive_webhook_secret(MASTER, "a")
    assert derive_webhook_secret(MASTER, "a") != derive_webhook_secret(MASTER, "b")
    assert derive_webhook_secret(MASTER, "a") != derive_webhook_secret("other-master", "a")


def test_retries_after_503_then_succeeds_with_the_same_key_and_signature(receiver_factory):
    receiver = receiver_factory([(503, {"Retry-After": "0"})])
    sleep = SleepRecorder()
    result = deliver(make_alert(), receiver.url, sleep=sleep)
    assert (result.ok, result.attempts, result.status) == (True, 2, 200)
    assert sleep.delays == [0.0]
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == "alert-0001"
    assert first.headers["x-rasd-signature"] == second.headers["x-rasd-signature"]


def test_429_retry_after_is_obeyed(receiver_factory):
    receiver = receiver_factory([(429, {"Retry-After": "7"})])
    sleep = SleepRecorder()
    result = deliver(make_alert(), receiver.url, sleep=sleep)
    assert result.ok and result.attempts == 2
    assert sleep.delays == [7.0]


def test_5xx_without_retry_after_backs_off_exponentially(receiver_factory):
    receiver = receiver_factory([(500, {}), (502, {})])
    sleep = SleepRecorder()
    result = deliver(make_alert(), receiver.url, sleep=sleep, rand=lambda: 1.0)
    assert result.ok and result.attempts == 3 and len(receiver.requests) == 3
    assert sleep.delays == [0.5, 1.0]


def test_retry_after_beyond_the_limit_gives_up_at_once(receiver_factory):
    receiver = receiver_factory([(503, {"Retry-After": "3600"})])
    sleep = SleepRecorder()
    result = deliver(make_alert(), receiver.url, sleep=sleep)
    assert not result.ok and result.attempts == 1 and sleep.delays == []
    assert "retry_after" in result.error


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_other_4xx_is_final(receiver_factory, status):
    receiver = receiver_factory([(status, {})])
    result = deliver(make_alert(), receiver.url)
    assert (result.ok, result.attempts, result.status, result.outcome) == (False, 1, status, "failed")
    assert len(receiver.requests) == 1


def test_redirect_is_not_followed(receiver_factory):
    receiver = receiver_factory([(302, {"Location": "http://127.0.0.1:1/elsewhere"})])
    result = deliver(make_alert(), receiver.url)
    assert (result.ok, result.attempts, result.status) == (False, 1, 302)
    assert len(receiver.requests) == 1


def test_gives_up_after_max_attempts_and_dead_letters(receiver_factory):
    receiver = receiver_factory(default=(500, {}))
    settings = make_settings()
    sink = MemoryDeadLetterSink()
    alert = make_alert()
    subscription = {"id": "sub-idlib", "channels": [{"type": "webhook", "target": receiver.url}]}

    async def run():
        channel = WebhookChannel(settings, sleep=SleepRecorder())
        dispatcher = Dispatcher(settings, {"webhook": channel}, dead_letters=sink)
        try:
            return await dispatcher.dispatch(alert, subscription)
        finally:
            await dispatcher.aclose()

    [result] = asyncio.run(run())
    assert (result.ok, result.attempts, result.status) == (False, 3, 500)
    assert len(receiver.requests) == 3
    [dead] = sink.dead_letters
    assert (dead.channel, dead.code, dead.attempts, dead.status, dead.target) == (
        "webhook", "gave_up", 3, 500, receiver.url)
    assert dead.message == alert and dead.key() == b"alert-0001"
    record = json.loads(dead.to_json_bytes())
    assert record["stage"] == "delivery.webhook" and record["message"]["title"] == alert["title"]


def test_unreachable_receiver_is_retried_then_fails():
    sleep = SleepRecorder()
    result = deliver(make_alert(), f"http://127.0.0.1:{free_port()}/", sleep=sleep)
    assert (result.ok, result.attempts, result.status, result.outcome) == (False, 3, None, "failed")
    assert "ConnectError" in result.error and len(sleep.delays) == 2


def test_private_literal_target_refused_when_not_allowed(receiver_factory):
    receiver = receiver_factory()
    result = deliver(make_alert(), receiver.url, settings=make_settings(allow_private_targets=False))
    assert (result.ok, result.attempts, result.outcome) == (False, 0, "refused")
    assert result.error.startswith("loopback")
    assert receiver.requests == []


@pytest.mark.parametrize("host", ["localhost", "2130706433"])
def test_names_resolving_to_private_addresses_refused_at_connect(receiver_factory, host):
    # "2130706433" passes the URL check (not a dotted literal) but resolves to 127.0.0.1:
    # the connect-time guard must catch it.
    receiver = receiver_factory()
    url = f"http://{host}:{receiver.port}/hooks/rasd"
    check_webhook_url(url, allow_private=False)
    result = deliver(make_alert(), url, settings=make_settings(allow_private_targets=False))
    assert (result.ok, result.outcome) == (False, "refused")
    assert result.error.startswith("loopback")
    assert receiver.requests == []


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.org/x", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://example.org/", "scheme"),
    ("http://user:pw@example.org/", "credentials"),
    ("http:///no-host", "malformed"),
    ("http://example.org:99999/", "malformed"),
    ("http://10.0.0.8/", "private"),
    ("http://[::1]:8080/", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link_local"),
])
def test_check_webhook_url_refuses(url, reason):
    with pytest.raises(TargetRefused) as info:
        check_webhook_url(url)
    assert info.value.reason == reason


def test_check_webhook_url_accepts_public_and_allowed_private():
    assert check_webhook_url("https://hooks.example.org/rasd") == ("hooks.example.org", 443)
    assert check_webhook_url("http://127.0.0.1:8080/x", allow_private=True) == ("127.0.0.1", 8080)


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"),
    ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link_local"), ("100.64.0.1", "cgnat"), ("100.127.255.254", "cgnat"),
    ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("255.255.255.255", "reserved"),
    ("::1", "loopback"), ("::", "unspecified"), ("fd12:3456::1", "ula"), ("fe80::1", "link_local"),
    ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::a00:1", "private"), ("2002:c0a8:0101::1", "private"),
    ("192.0.2.10", "not_global"), ("2001:db8::1", "not_global"),
    ("8.8.8.8", None), ("172.32.0.1", None), ("100.128.0.1", None), ("2001:4860:4860::8888", None),
])
def test_classify_address(address, reason):
    assert classify_address(address) == reason
