"""Matching: every enriched report and signal against the subscriptions → alerts."""

from __future__ import annotations

import json
import logging

from rasd.matching import InvalidSubscription, SubscriptionBook
from rasd.schema import EnrichedReport, EscalationSignal, Subscription
from streams.app import app
from streams.tables import subscriptions as subscriptions_table
from streams.tables import throttle as throttle_table
from streams.topics import alerts, enriched, signals, subscriptions

log = logging.getLogger(__name__)


def current_book() -> SubscriptionBook:
    """The subscriptions as the global table holds them now (invalid ones are skipped with a warning)."""
    book = SubscriptionBook(throttle_store=throttle_table)
    for sub_id, value in list(subscriptions_table.items()):
        if value is None:
            continue
        try:
            book.upsert(Subscription.from_dict(value))
        except (InvalidSubscription, KeyError, TypeError, ValueError) as exc:
            log.warning("subscription skipped id=%s error=%s", sub_id, exc)
    return book


async def _send_alerts(found) -> int:
    for alert in found:
        await alerts.send(key=alert.subscription_id.encode("utf-8"),
                          value=json.dumps(alert.to_dict(), ensure_ascii=False).encode("utf-8"))
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
            value = json.loads(raw)
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
        report = EnrichedReport.from_dict(json.loads(raw))
        yield await _send_alerts(current_book().alerts_for_report(report))


@app.agent(signals)
async def match_signals(stream):
    async for raw in stream:
        signal = EscalationSignal.from_dict(json.loads(raw))
        yield await _send_alerts(current_book().alerts_for_signal(signal))
