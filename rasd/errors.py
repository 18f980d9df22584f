"""Project errors: one base class, a few specific ones."""


class RasdError(Exception):
    """Base class of every error raised on purpose by rasd."""


class InvalidReport(RasdError):
    """A report failed validation.

    Attributes:
        code: short machine-readable reason, e.g. ``invalid_json``, ``missing_text``.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ConfigurationError(RasdError):
    """A required setting is missing or malformed."""


class DataError(RasdError):
    """A bundled data file (actors, gazetteer, lexicon, model) is missing or malformed."""


class ServiceError(RasdError):
    """A local service (Kafka, Elasticsearch) could not be installed, started or reached."""
