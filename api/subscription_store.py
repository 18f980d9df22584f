"""The API's copy of the subscriptions, so listing and reading one never waits on Kafka.

Every write goes to the compacted subscriptions topic AND to this table, inside one SQLite
transaction: the row is written, the record is sent to Kafka and acknowledged, then the
transaction commits. If Kafka refuses, the transaction rolls back and nothing changed anywhere.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from api.database import Database
from rasd.errors import RasdError


class SubscriptionLimit(RasdError):
    """An owner already holds as many subscriptions as allowed."""


def _decode(row: Any) -> dict[str, Any]:
    body = json.loads(row["body"])
    body["updated_at"] = row["updated_at"]
    return body


class SubscriptionStore:
    """Subscription dicts (``Subscription.to_dict()``) by id, always read through their owner.

    Args:
        database: the API's SQLite file.
    """

    def __init__(self, database: Database):
        self.database = database

    def get(self, owner: str, subscription_id: str) -> dict[str, Any] | None:
        """The owner's subscription, or None (also when it belongs to someone else)."""
        with self.database.connect() as conn:
            row = conn.execute("SELECT body, updated_at FROM subscriptions WHERE id = ? AND owner = ?",
                               (subscription_id, owner)).fetchone()
        return _decode(row) if row else None

    def list(self, owner: str, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """``(total, page)`` of the owner's subscriptions, oldest first."""
        with self.database.connect() as conn:
            total = conn.execute("SELECT COUNT(*) FROM subscriptions WHERE owner = ?", (owner,)).fetchone()[0]
            rows = conn.execute("SELECT body, updated_at FROM subscriptions WHERE owner = ? "
                                "ORDER BY created_at, rowid LIMIT ? OFFSET ?", (owner, limit, offset)).fetchall()
        return total, [_decode(r) for r in rows]

    def save(self, subscription: dict[str, Any], updated_at: str, publish: Callable[[], None],
             max_per_owner: int | None = None) -> None:
        """Insert or replace a subscription, publishing it inside the transaction.

        Args:
            subscription: the subscription dict (``id``, ``owner``, ``created_at`` set).
            updated_at: ISO time of this write.
            publish: sends the record to Kafka and waits for the acknowledgement; raising rolls back.
            max_per_owner: refuse a NEW subscription when the owner already has this many.

        Raises:
            SubscriptionLimit: the owner is at ``max_per_owner``.
        """
        owner, sub_id = subscription["owner"], subscription["id"]
        with self.database.transaction() as conn:
            exists = conn.execute("SELECT 1 FROM subscriptions WHERE id = ?", (sub_id,)).fetchone() is not None
            if not exists and max_per_owner is not None:
                count = conn.execute("SELECT COUNT(*) FROM subscriptions WHERE owner = ?", (owner,)).fetchone()[0]
                if count >= max_per_owner:
                    raise SubscriptionLimit(f"{owner} already has {count} subscriptions, the most allowed "
                                            "(RASD_API_MAX_SUBSCRIPTIONS); delete one first")
            conn.execute(
                "INSERT INTO subscriptions (id, owner, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                (sub_id, owner, json.dumps(subscription, ensure_ascii=False), subscription.get("created_at") or updated_at,
                 updated_at),
            )
            publish()

    def delete(self, owner: str, subscription_id: str, publish: Callable[[], None]) -> bool:
        """Delete the owner's subscription, publishing the tombstone inside the transaction.

        Returns:
            False when the owner has no such subscription (nothing is published).
        """
        with self.database.transaction() as conn:
            cursor = conn.execute("DELETE FROM subscriptions WHERE id = ? AND owner = ?", (subscription_id, owner))
            if cursor.rowcount == 0:
                return False
            publish()
        return True
