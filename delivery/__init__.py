"""Alert delivery: webhooks, server-sent events and e-mail, with throttling, digests and dead letters.

One class per channel (``webhook.py``, ``sse.py``, ``email.py``), registered by name in
:data:`delivery.registry.CHANNELS`; :class:`delivery.dispatcher.Dispatcher` sends one alert to
every channel of its subscription. Alerts and subscriptions are plain dicts (``to_dict()`` form).

Typical wiring (one process)::

    settings = DeliverySettings.from_env()
    broadcaster = AlertBroadcaster.from_settings(settings)          # the API streams from it
    dispatcher = Dispatcher(settings, build_channels(settings, broadcaster=broadcaster),
                            Throttle(), dead_letters=MemoryDeadLetterSink())
    await dispatcher.dispatch(alert.to_dict(), subscription.to_dict())
    await dispatcher.flush_due()                                     # every few seconds: digests
"""

from delivery.base import DeliveryResult, DeliverySettings
from delivery.dead_letter import DeadLetterSink, DeliveryDeadLetter, MemoryDeadLetterSink
from delivery.dispatcher import Dispatcher
from delivery.exceptions import DeliveryConfigError, DeliveryError, TargetRefused
from delivery.registry import CHANNELS, build_channels, check_channel
from delivery.sse import AlertBroadcaster, format_sse
from delivery.throttle import Throttle
from delivery.webhook import derive_webhook_secret, verify_signature

__all__ = [
    "CHANNELS", "AlertBroadcaster", "DeadLetterSink", "DeliveryConfigError", "DeliveryDeadLetter",
    "DeliveryError", "DeliveryResult", "DeliverySettings", "Dispatcher", "MemoryDeadLetterSink",
    "TargetRefused", "Throttle", "build_channels", "check_channel", "derive_webhook_secret",
    "format_sse", "verify_signature",
]
