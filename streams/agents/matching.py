"""Matching: every enriched report and signal against the subscriptions → alerts."""

from __future__ import annotations

import logging

from rasd.fastjson import dumps, loads
from rasd.matching import InvalidSubscription, SubscriptionBook
from rasd.schema import EnrichedReport, EscalationSignal, Subscription
from streams.app import app
from streams.tables import subscriptions as subscriptions_table
from streams.tables import throttle as throttle_table
from streams.topics import alerts, enriched, signals, subscriptions

log = logging.getLogger(__name__)


def build_book(items: list[tuple[str, dict | None]]) -> SubscriptionBook:
    """A book of the given subscriptions (invalid ones are skipped with a warning)."""
    book = SubscriptionBook(throttle_store=throttle_table)
    for sub_id, value in items:
        if value is None:
            continue
        try:
            book.upsert(Subscription.from_dict(value))
        except (InvalidSubscription, KeyError, TypeError, ValueError) as exc:
            log.warning("subscription skipped id=%s error=%s", sub_id, exc)
    return book


class CurrentBook:
    """The book of the subscriptions the global table holds now, rebuilt only when an entry changed.

    The table gives every received value as a new object, so comparing the entries by identity
    (the old ones are kept alive here) tells whether anything changed without validating again.
    """

    def __init__(self) -> None:
        self._items: list[tuple[str, dict | None]] = []
        self._book: SubscriptionBook | None = None

    def __call__(self) -> SubscriptionBook:
        items = list(subscriptions_table.items())
        unchanged = self._book is not None and len(items) == len(self._items) and all(
            key == old_key and value is old_value for (key, value), (old_key, old_value) in zip(items, self._items))
        if not unchanged:
            self._book, self._items = build_book(items), items
        return self._book


current_book = CurrentBook()


async def _send_alerts(found) -> int:
    for alert in found:
        await alerts.send(key=alert.subscription_id.encode("utf-8"),
                          value=dumps(alert.to_dict()))
    return len(found)


@app.agent(subscriptions)
async def apply_subscriptions(stream):
    """The compacted subscriptions topic → the global table (a null value deletes)."""
    async for key, raw in stream.items():
        sub_id = key.decode("utf-8")
        if raw is None:
            subscriptions_table.pop(sub_id, None)
            yield sub_id
            continue
        try:
            value = loads(raw)
            Subscription.from_dict({**value, "id": sub_id})
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("subscription refused id=%s error=%s", sub_id, exc)
            yield None
            continue
        subscriptions_table[sub_id] = {**value, "id": sub_id}
        yield sub_id


@app.agent(enriched)
async def match_reports(stream):
    async for raw in stream:
        report = EnrichedReport.from_dict(loads(raw))
        yield await _send_alerts(current_book().alerts_for_report(report))


@app.agent(signals)
async def match_signals(stream):
    async for raw in stream:
        signal = EscalationSignal.from_dict(loads(raw))
        yield await _send_alerts(current_book().alerts_for_signal(signal))
