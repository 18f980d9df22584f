from rasd.escalation.throttle import decide_throttle

HOUR = 3600.0
QUIET = 12 * HOUR


def test_first_hit_fires():
    decision = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET)
    assert decision.fire and decision.reason == "first alert for Idlib"
    assert decision.alert == {"level": "medium", "since": 100 * HOUR, "last_hit": 100 * HOUR,
                              "signal_id": "esc-1", "suppressed": 0}


def test_same_level_while_alerting_is_suppressed_and_counted():
    alert = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET).alert
    decision = decide_throttle(alert, "Idlib", "medium", 105 * HOUR, "esc-2", QUIET)
    assert not decision.fire and decision.reason.startswith("suppressed: Idlib has been alerting at level medium")
    assert "12 h without hits" in decision.reason
    assert decision.alert["suppressed"] == 1 and decision.alert["last_hit"] == 105 * HOUR
    assert decision.alert["signal_id"] == "esc-1"


def test_a_rising_level_fires_and_keeps_the_alert_start():
    alert = decide_throttle(None, "Idlib", "low", 100 * HOUR, "esc-1", QUIET).alert
    alert = decide_throttle(alert, "Idlib", "low", 101 * HOUR, "esc-1", QUIET).alert
    decision = decide_throttle(alert, "Idlib", "high", 102 * HOUR, "esc-1", QUIET)
    assert decision.fire and decision.reason.startswith("level rose from low to high")
    assert "1 lower hits suppressed" in decision.reason
    assert decision.alert["since"] == 100 * HOUR and decision.alert["level"] == "high"


def test_a_falling_level_is_suppressed():
    alert = decide_throttle(None, "Idlib", "high", 100 * HOUR, "esc-1", QUIET).alert
    assert not decide_throttle(alert, "Idlib", "low", 101 * HOUR, "esc-2", QUIET).fire


def test_quiet_period_without_hits_re_arms_the_key():
    alert = decide_throttle(None, "Idlib", "medium", 100 * HOUR, "esc-1", QUIET).alert
    alert = decide_throttle(alert, "Idlib", "medium", 110 * HOUR, "esc-2", QUIET).alert
    assert not decide_throttle(alert, "Idlib", "medium", 121 * HOUR, "esc-3", QUIET).fire
    decision = decide_throttle(alert, "Idlib", "medium", 122.5 * HOUR, "esc-3", QUIET)
    assert decision.fire and "quiet for 12.5 h" in decision.reason
