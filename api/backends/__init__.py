"""The backends of the read endpoints: Elasticsearch, or the SQLite file of the embedded mode."""

from api.backends.base import BackendName, SearchBackend
from api.backends.elasticsearch import ElasticsearchBackend
from api.backends.sqlite import SqliteBackend

__all__ = ["BackendName", "ElasticsearchBackend", "SearchBackend", "SqliteBackend"]
