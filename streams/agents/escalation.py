"""Escalation: windowed, baseline-relative detection per governorate and per actor pair."""

from __future__ import annotations

import json
import logging

from rasd.escalation.detector import EscalationDetector
from rasd.schema import EnrichedReport
from streams.app import app
from streams.tables import escalation as escalation_table
from streams.topics import escalation_keys, signals

log = logging.getLogger(__name__)


@app.agent(escalation_keys)
async def detect_escalation(stream):
    detector = EscalationDetector.from_data(store=escalation_table)
    async for key, raw in stream.items():
        key_type, _, name = key.decode("utf-8").partition(":")
        decision = detector.observe_key(key_type, name, EnrichedReport.from_dict(json.loads(raw)))
        if decision.fired and decision.signal is not None:
            signal = decision.signal
            log.info("signal key=%s level=%s score=%.2f", key.decode(), signal.level, signal.score)
            await signals.send(key=key, value=json.dumps(signal.to_dict(), ensure_ascii=False).encode("utf-8"))
            yield signal.id
        else:
            yield None
