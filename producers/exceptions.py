"""Errors of the producers."""

from rasd.errors import RasdError


class ProducerError(RasdError):
    """A source could not be read or Kafka refused a message."""
