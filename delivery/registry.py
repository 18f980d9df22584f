"""The one mapping of channel names to classes, and the checks run before any channel is built.

It lives apart from ``base.py`` because the channel modules import the base class.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable, Mapping

from delivery.base import Channel, DeliverySettings
from delivery.email import EmailChannel
from delivery.exceptions import DeliveryConfigError, TargetRefused
from delivery.sse import SseChannel
from delivery.webhook import WebhookChannel

CHANNELS: Mapping[str, type[Channel]] = MappingProxyType({
    "webhook": WebhookChannel,
    "sse": SseChannel,
    "email": EmailChannel,
})


def find_missing_options(settings: DeliverySettings, names: Iterable[str]) -> list[str]:
    """Messages naming each channel's missing settings, e.g. ``"email needs RASD_SMTP_HOST"``.

    Raises:
        DeliveryConfigError: a name is not a known channel.
    """
    problems = []
    for name in names:
        if name not in CHANNELS:
            raise DeliveryConfigError(f"unknown delivery channel {name!r}; known: {', '.join(CHANNELS)}")
        for option in CHANNELS[name].required_options:
            if not getattr(settings, option):
                problems.append(f"{name} needs RASD_{option.upper()}")
    return problems


def build_channels(settings: DeliverySettings, names: Iterable[str] | None = None,
                   **resources: Any) -> dict[str, Channel]:
    """Check the settings of every requested channel, then build them.

    Args:
        settings: delivery settings.
        names: channels to enable (all of :data:`CHANNELS` when None).
        resources: shared objects handed to the channels that take them, e.g. ``broadcaster=``.

    Raises:
        DeliveryConfigError: listing every missing option at once, before anything is built.
    """
    wanted = list(CHANNELS) if names is None else list(dict.fromkeys(names))
    problems = find_missing_options(settings, wanted)
    if problems:
        raise DeliveryConfigError("delivery is misconfigured: " + "; ".join(problems))
    return {name: CHANNELS[name].build(settings, **resources) for name in wanted}


def check_channel(channel: Mapping[str, Any], settings: DeliverySettings) -> None:
    """Check one ``{"type", "target"}`` entry of a subscription (the API calls it on create/update).

    Raises:
        TargetRefused: unknown type, or a target the channel would refuse (e.g. a private webhook URL).
    """
    kind = channel.get("type")
    if kind not in CHANNELS:
        raise TargetRefused("unknown_channel", f"unknown channel type {kind!r}; known: {', '.join(CHANNELS)}")
    CHANNELS[kind].check_target(str(channel.get("target") or ""), settings)
