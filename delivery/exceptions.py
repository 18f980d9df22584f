"""Errors of alert delivery: one base class, a few specific ones."""

from rasd.errors import ConfigurationError, RasdError


class DeliveryError(RasdError):
    """An alert could not be delivered to a channel."""


class TargetRefused(DeliveryError):
    """A delivery target is not allowed: a private address, a bad scheme, a malformed address.

    Attributes:
        reason: short machine-readable reason, e.g. ``loopback``, ``scheme``, ``private``.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class DeliveryConfigError(ConfigurationError):
    """The delivery settings lack an option a channel needs, or name an unknown channel."""
