"""Escalation: windowed, baseline-relative detection per governorate and per actor pair.

Each message holds the escalation events of a batch of reports for the keys of one
partition; every key's state is written to the changelog once per message.
"""

from __future__ import annotations

import logging

from rasd.escalation.detector import EscalationDetector
from streams.app import app
from rasd.fastjson import loads
from streams.messages import dumps, enriched_from_event
from streams.tables import escalation as escalation_table
from streams.topics import escalation_keys, signals
from streams.write_behind import WriteBehind

log = logging.getLogger(__name__)


@app.agent(escalation_keys)
async def detect_escalation(stream):
    state = WriteBehind(escalation_table)
    detector = EscalationDetector.from_data(store=state)
    async for raw in stream:
        fired = []
        for item in loads(raw)["events"]:
            report = enriched_from_event(item["event"])
            for key_type, key in item["keys"]:
                decision = detector.observe_key(key_type, key, report)
                if decision.fired and decision.signal is not None:
                    fired.append(decision.signal)
        state.flush()  # inside this message's processing: the changelog partition is the message's
        for signal in fired:
            log.info("signal key=%s:%s level=%s score=%.2f", signal.key_type, signal.key, signal.level, signal.score)
            await signals.send(key=f"{signal.key_type}:{signal.key}".encode("utf-8"), value=dumps(signal.to_dict()))
        yield len(fired)
