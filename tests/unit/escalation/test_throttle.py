from rasd.escalation.throttle import decide_throttle, describe_hours, describe_moment

HOUR = 3600.0
QUIET = 12 * HOUR


def test_first_hit_fires():
    decision = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET)
    assert decision.fire and decision.reason == "first signal for Idlib"
    assert decision.alert == {"level": "medium", "since": 100 * HOUR, "last_hit": 100 * HOUR,
                              "signal_id": "esc-1", "suppressed": 0}


def test_same_level_while_alerting_is_suppressed_and_counted():
    alert = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET).alert
    decision = decide_throttle(alert, "Idlib", "medium", 105 * HOUR, "esc-2", QUIET)
    assert not decision.fire
    assert decision.reason.startswith("held back: Idlib has been signalling at level medium since 1970-01-05 04:00 UTC "
                                      "(signal esc-1)")
    assert decision.reason.endswith("it signals again if the level rises above medium or after 12 hours without hits")
    assert decision.alert["suppressed"] == 1 and decision.alert["last_hit"] == 105 * HOUR
    assert decision.alert["signal_id"] == "esc-1"


def test_a_rising_level_fires_and_keeps_the_alert_start():
    alert = decide_throttle(None, "Idlib", "low", 100 * HOUR, "esc-1", QUIET).alert
    alert = decide_throttle(alert, "Idlib", "low", 101 * HOUR, "esc-1", QUIET).alert
    decision = decide_throttle(alert, "Idlib", "high", 102 * HOUR, "esc-1", QUIET)
    assert decision.fire and decision.reason.startswith("level rose from low to high")
    assert decision.reason == "level rose from low to high for Idlib (1 lower hit held back since 1970-01-05 04:00 UTC)"
    assert decision.alert["since"] == 100 * HOUR and decision.alert["level"] == "high"


def test_a_falling_level_is_suppressed():
    alert = decide_throttle(None, "Idlib", "high", 100 * HOUR, "esc-1", QUIET).alert
    assert not decide_throttle(alert, "Idlib", "low", 101 * HOUR, "esc-2", QUIET).fire


def test_quiet_period_without_hits_re_arms_the_key():
    alert = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET).alert
    alert = decide_throttle(alert, "Idlib", "medium", 110 * HOUR, "esc-2", QUIET).alert
    assert not decide_throttle(alert, "Idlib", "medium", 121 * HOUR, "esc-3", QUIET).fire
    decision = decide_throttle(alert, "Idlib", "medium", 122.5 * HOUR, "esc-3", QUIET)
    assert decision.fire
    assert decision.reason == "Idlib signals again after 12.5 hours without hits (the quiet period is 12 hours)"


def test_durations_and_moments_read_as_words():
    assert describe_hours(HOUR) == "1 hour" and describe_hours(52200) == "14.5 hours"
    assert describe_hours(3 * 86400) == "3 days"
    assert describe_moment(1533548400) == "2018-08-06 09:40 UTC"
