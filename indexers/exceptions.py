"""Errors of the indexers."""

from rasd.errors import RasdError


class IndexingError(RasdError):
    """Elasticsearch refused or could not be reached for a batch."""
