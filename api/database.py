"""The API's own SQLite file: API keys (hashed) and the subscriptions of each owner.

SQLite rather than an Elasticsearch index because keys must be checked on every request
(a local file answers in microseconds and works while Elasticsearch is down), and because
``rasd keys create`` must work before any server runs. The file is created, with its folder,
on first use; each operation opens its own connection (WAL mode), so the store is safe to use
from the threads FastAPI runs blocking calls in.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rasd.errors import ConfigurationError

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    prefix      TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    owner       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
CREATE TABLE IF NOT EXISTS subscriptions (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_owner ON subscriptions (owner, created_at);
"""

BUSY_TIMEOUT_S = 10.0


class Database:
    """One SQLite file; :meth:`connect` for reads, :meth:`transaction` for writes.

    Args:
        path: the file (e.g. ``.rasd/api.sqlite``); created with its folder on first use.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._ready = False
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        try:
            if not self._ready:
                with self._lock:
                    if not self._ready:
                        self.path.parent.mkdir(parents=True, exist_ok=True)
                        with self._raw_connection() as conn:
                            conn.execute("PRAGMA journal_mode=WAL")
                            conn.executescript(SCHEMA)
                        self._ready = True
            return self._raw_connection()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(f"cannot open the API database {self.path} (RASD_API_DB): {exc}") from exc

    def _raw_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode, closed afterwards."""
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back if the block raises.

        The write lock is taken at once, so a check (e.g. a count) and the write that depends
        on it cannot interleave with another writer's.
        """
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
