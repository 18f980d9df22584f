"""API keys: made once, shown once, stored as a SHA-256 hash with a short prefix.

A key looks like ``rasd_`` followed by 43 URL-safe characters (32 random bytes). The database
keeps its first 13 characters (the *prefix*, to find the row and to name the key in lists and
logs), the hex SHA-256 of the whole key, the owner and the creation time — never the key itself.
A presented key is looked up by prefix and its hash compared in constant time.

``create_key(owner)`` is what ``rasd keys create OWNER`` calls.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from api.config import ApiSettings
from api.database import Database
from rasd.errors import RasdError

TOKEN_MARKER = "rasd_"
TOKEN_BYTES = 32
PREFIX_CHARS = len(TOKEN_MARKER) + 8
MAX_TOKEN_CHARS = 200
_OWNER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


class InvalidOwner(RasdError):
    """An owner name that keys and subscriptions cannot carry."""


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_owner(owner: str) -> str:
    """The owner name, or :class:`InvalidOwner`: 1–128 of letters, digits and ``._@+-``, not starting with a sign.

    Example: ``"analyst@example.org"`` is kept; ``"محلل"`` and ``""`` are refused (owners are ids, not labels).
    """
    if not isinstance(owner, str) or not _OWNER_RE.fullmatch(owner):
        raise InvalidOwner(f"owner must be 1-128 ASCII letters, digits or . _ @ + - (starting with a letter or "
                           f"digit), got {owner!r}")
    return owner


def generate_token() -> str:
    """A new key: ``rasd_`` + 43 URL-safe characters of 32 random bytes."""
    return TOKEN_MARKER + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Hex SHA-256 of the whole key (its UTF-8 bytes)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def split_prefix(token: str) -> str:
    """The stored, displayable start of a key, e.g. ``"rasd_Xk3f9Q1a"``."""
    return token[:PREFIX_CHARS]


@dataclass(frozen=True)
class KeyRecord:
    """What is stored about a key (never the key itself)."""

    prefix: str
    owner: str
    created_at: str
    revoked_at: str | None = None


class KeyStore:
    """API keys in the API database.

    Args:
        database: the API's SQLite file.
    """

    def __init__(self, database: Database):
        self.database = database

    def create(self, owner: str) -> tuple[str, KeyRecord]:
        """Make a key for ``owner``.

        Returns:
            ``(key, record)``: the key is shown to the caller and not kept.

        Raises:
            InvalidOwner: the owner name is not acceptable.
        """
        check_owner(owner)
        token = generate_token()
        record = KeyRecord(prefix=split_prefix(token), owner=owner, created_at=utc_now_iso())
        with self.database.transaction() as conn:
            conn.execute("INSERT INTO api_keys (prefix, key_hash, owner, created_at) VALUES (?, ?, ?, ?)",
                         (record.prefix, hash_token(token), record.owner, record.created_at))
        return token, record

    def authenticate(self, token: str) -> str | None:
        """The owner of a valid, unrevoked key, or None."""
        if not token.startswith(TOKEN_MARKER) or len(token) > MAX_TOKEN_CHARS:
            return None
        presented = hash_token(token)
        with self.database.connect() as conn:
            rows = conn.execute("SELECT key_hash, owner FROM api_keys WHERE prefix = ? AND revoked_at IS NULL",
                                (split_prefix(token),)).fetchall()
        for row in rows:
            if hmac.compare_digest(row["key_hash"], presented):
                return row["owner"]
        return None

    def revoke(self, prefix: str) -> int:
        """Revoke every live key with this prefix; returns how many were revoked."""
        with self.database.transaction() as conn:
            cursor = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL",
                                  (utc_now_iso(), prefix))
        return cursor.rowcount

    def list(self, owner: str | None = None) -> list[KeyRecord]:
        """Keys (live and revoked), oldest first, optionally of one owner."""
        query = "SELECT prefix, owner, created_at, revoked_at FROM api_keys"
        args: tuple = ()
        if owner is not None:
            query, args = query + " WHERE owner = ?", (owner,)
        with self.database.connect() as conn:
            rows = conn.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [KeyRecord(r["prefix"], r["owner"], r["created_at"], r["revoked_at"]) for r in rows]


def open_key_store(settings: ApiSettings | None = None) -> KeyStore:
    """The key store of the database named by ``RASD_API_DB`` (or by ``settings``)."""
    return KeyStore(Database((settings or ApiSettings.from_env()).db_path))


def create_key(owner: str, settings: ApiSettings | None = None) -> str:
    """``rasd keys create OWNER``: make a key and return it (print it once; it cannot be shown again).

    Raises:
        InvalidOwner: the owner name is not acceptable.
        rasd.errors.ConfigurationError: the database cannot be opened.
    """
    token, _record = open_key_store(settings).create(owner)
    return token


def revoke_key(prefix: str, settings: ApiSettings | None = None) -> int:
    """``rasd keys revoke PREFIX``: revoke the key(s) with this prefix; returns how many."""
    return open_key_store(settings).revoke(prefix)


def list_keys(owner: str | None = None, settings: ApiSettings | None = None) -> list[KeyRecord]:
    """``rasd keys list [OWNER]``: the stored keys (prefixes only)."""
    return open_key_store(settings).list(owner)
