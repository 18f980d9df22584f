"""Settings from the environment, the channel registry and the checks run before building channels."""

from __future__ import annotations

import pytest

from delivery.base import DeliverySettings
from delivery.email import EmailChannel
from delivery.exceptions import DeliveryConfigError, TargetRefused
from delivery.registry import CHANNELS, build_channels, check_channel, find_missing_options
from delivery.sse import AlertBroadcaster, SseChannel
from delivery.webhook import WebhookChannel

COMPLETE = DeliverySettings(webhook_secret="s", smtp_host="smtp.example.org", smtp_from="alerts@example.org")


def test_settings_from_env_parse_types_and_overrides_win():
    settings = DeliverySettings.from_env({
        "RASD_WEBHOOK_SECRET": "abc", "RASD_ALLOW_PRIVATE_TARGETS": "yes", "RASD_SMTP_PORT": "2525",
        "RASD_DELIVERY_BACKOFF_SECONDS": "0.25", "RASD_SMTP_STARTTLS": "0", "UNRELATED": "x",
    }, delivery_max_attempts=2)
    assert (settings.webhook_secret, settings.allow_private_targets, settings.smtp_port) == ("abc", True, 2525)
    assert (settings.delivery_backoff_seconds, settings.smtp_starttls, settings.delivery_max_attempts) == (
        0.25, False, 2)
    assert DeliverySettings.from_env({}).allow_private_targets is False
    assert "abc" not in repr(settings)  # secrets stay out of logs



@pytest.mark.parametrize("env, fragment", [
    ({"RASD_SMTP_PORT": "twenty-five"}, "RASD_SMTP_PORT must be an integer"),
    ({"RASD_ALLOW_PRIVATE_TARGETS": "maybe"}, "RASD_ALLOW_PRIVATE_TARGETS must be true or false"),
    ({"RASD_DELIVERY_MAX_ATTEMPTS": "0"}, "RASD_DELIVERY_MAX_ATTEMPTS must be at least 1"),
    ({"RASD_DELIVERY_BACKOFF_SECONDS": "soon"}, "RASD_DELIVERY_BACKOFF_SECONDS must be a number"),
    ({"RASD_SMTP_PORT": "70000"}, "RASD_SMTP_PORT must be between"),
    ({"RASD_PUBLIC_URL": "javascript:alert(1)"}, "RASD_PUBLIC_URL must be an http(s) URL"),
])
def test_bad_settings_fail_fast_naming_the_variable(env, fragment):
    with pytest.raises(DeliveryConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        DeliverySettings.from_env(env)


def test_registry_maps_names_to_classes_and_is_read_only():
    assert dict(CHANNELS) == {"webhook": WebhookChannel, "sse": SseChannel, "email": EmailChannel}
    assert WebhookChannel.required_options == ("webhook_secret",)
    assert EmailChannel.required_options == ("smtp_host", "smtp_from")
    with pytest.raises(TypeError):
        CHANNELS["pager"] = WebhookChannel  # type: ignore[index]


def test_missing_options_are_all_reported_before_anything_is_built():
    with pytest.raises(DeliveryConfigError) as info:
        build_channels(DeliverySettings())
    message = str(info.value)
    for fragment in ("webhook needs RASD_WEBHOOK_SECRET", "email needs RASD_SMTP_HOST", "email needs RASD_SMTP_FROM"):
        assert fragment in message
    assert find_missing_options(DeliverySettings(), ["sse"]) == []


def test_build_only_the_requested_channels_and_share_the_broadcaster():
    hub = AlertBroadcaster()
    channels = build_channels(DeliverySettings(webhook_secret="s"), ["webhook", "sse"], broadcaster=hub)
    assert set(channels) == {"webhook", "sse"}
    assert isinstance(channels["webhook"], WebhookChannel) and channels["sse"].broadcaster is hub
    assert set(build_channels(COMPLETE)) == {"webhook", "sse", "email"}


def test_unknown_channel_name_is_a_config_error():
    with pytest.raises(DeliveryConfigError, match="unknown delivery channel 'pager'"):
        build_channels(COMPLETE, ["webhook", "pager"])


def test_check_channel_for_the_api():
    check_channel({"type": "webhook", "target": "https://hooks.example.org/rasd"}, COMPLETE)
    check_channel({"type": "email", "target": "analyst@example.org"}, COMPLETE)
    check_channel({"type": "sse", "target": ""}, COMPLETE)
    with pytest.raises(TargetRefused) as info:
        check_channel({"type": "webhook", "target": "http://192.168.0.10/hook"}, COMPLETE)
    assert info.value.reason == "private"
    check_channel({"type": "webhook", "target": "http://192.168.0.10/hook"},
                  DeliverySettings(webhook_secret="s", allow_private_targets=True))
    with pytest.raises(TargetRefused) as info:
        check_channel({"type": "pager", "target": "x"}, COMPLETE)
    assert info.value.reason == "unknown_channel"
    with pytest.raises(TargetRefused):
        check_channel({"type": "email", "target": "not an address"}, COMPLETE)
