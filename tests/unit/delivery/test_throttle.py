"""Throttle windows and digests (pure: the clock is passed in)."""

from __future__ import annotations

from delivery.throttle import Throttle, ThrottleKey
from tests.unit.delivery.factories import make_alert

KEY = ThrottleKey("sub-idlib", "webhook", "https://hooks.example.org/a")
T0 = 1_700_000_000.0


def alert(n: int, severity: str = "low", **extra):
    return make_alert(id=f"alert-{n}", severity=severity, title=f"تنبيه رقم {n}", **extra)


def test_no_window_means_no_throttling():
    throttle = Throttle()
    assert all(throttle.offer(KEY, alert(n), T0, 0) for n in range(5))
    assert throttle.flush_due(T0 + 3600) == []


def test_first_alert_goes_out_then_the_window_collects_one_digest():
    throttle = Throttle()
    assert throttle.offer(KEY, alert(1), T0, 60) is True
    assert throttle.offer(KEY, alert(2, "medium"), T0 + 10, 60) is False
    assert throttle.offer(KEY, alert(3, "high", actor_ids=["hts"]), T0 + 59, 60) is False
    assert throttle.held_count() == 2
    assert throttle.flush_due(T0 + 59.9) == []
    [digest] = throttle.flush_due(T0 + 60)
    assert digest.key == KEY and [a["id"] for a in digest.alerts] == ["alert-2", "alert-3"]
    message = digest.to_message()
    assert message["kind"] == "digest" and message["count"] == 2
    assert message["alert_ids"] == ["alert-2", "alert-3"]
    assert message["severity"] == "high" and message["title"].startswith("2 alerts — تنبيه رقم 3")
    assert message["actor_ids"] == ["ru-forces", "syr-gov-forces", "hts"]
    assert message["subscription_id"] == "sub-idlib" and message["owner"] == "analyst-1"
    assert message["window_start"] == "2023-11-14T22:13:20+00:00"
    assert throttle.held_count() == 0


def test_digest_id_is_deterministic_and_depends_on_content():
    def digest_for(ids):
        throttle = Throttle()
        throttle.offer(KEY, alert(0), T0, 60)
        for n in ids:
            throttle.offer(KEY, alert(n), T0 + 1, 60)
        return throttle.flush_due(T0 + 60)[0].to_message()

    assert digest_for([1, 2])["id"] == digest_for([1, 2])["id"]
    assert digest_for([1, 2])["id"] != digest_for([1, 3])["id"]
    assert digest_for([1, 2])["id"].startswith("digest-")


def test_a_digest_opens_the_next_window_and_a_lone_alert_is_sent_as_itself():
    throttle = Throttle()
    throttle.offer(KEY, alert(1), T0, 60)
    throttle.offer(KEY, alert(2), T0 + 5, 60)
    assert len(throttle.flush_due(T0 + 61)) == 1
    assert throttle.offer(KEY, alert(3), T0 + 70, 60) is False  # inside the window the digest opened
    [digest] = throttle.flush_due(T0 + 121)
    assert digest.to_message() == alert(3)


def test_a_quiet_window_is_forgotten_so_the_next_alert_goes_out_at_once():
    throttle = Throttle()
    throttle.offer(KEY, alert(1), T0, 60)
    assert throttle.flush_due(T0 + 60) == []
    assert throttle.offer(KEY, alert(2), T0 + 61, 60) is True


def test_alert_after_the_window_but_before_the_flush_joins_the_digest():
    throttle = Throttle()
    throttle.offer(KEY, alert(1), T0, 60)
    throttle.offer(KEY, alert(2), T0 + 1, 60)
    assert throttle.offer(KEY, alert(3), T0 + 65, 60) is False
    [digest] = throttle.flush_due(T0 + 66)
    assert [a["id"] for a in digest.alerts] == ["alert-2", "alert-3"]


def test_keys_are_independent():
    throttle = Throttle()
    email = ThrottleKey("sub-idlib", "email", "analyst@example.org")
    other = ThrottleKey("sub-aleppo", "webhook", KEY.target)
    assert throttle.offer(KEY, alert(1), T0, 60)
    assert throttle.offer(email, alert(1), T0, 60)
    assert throttle.offer(other, alert(1), T0, 60)
    assert not throttle.offer(KEY, alert(2), T0 + 1, 60)
    assert [d.key for d in throttle.flush_due(T0 + 60)] == [KEY]


def test_held_alerts_beyond_the_limit_are_counted_not_kept():
    throttle = Throttle(max_held=2)
    throttle.offer(KEY, alert(0), T0, 60)
    for n in range(1, 6):
        throttle.offer(KEY, alert(n), T0 + n, 60)
    [digest] = throttle.flush_due(T0 + 60)
    assert len(digest.alerts) == 2 and digest.omitted == 3
    assert digest.to_message()["count"] == 5 and digest.to_message()["omitted"] == 3
