"""Escalation detection over time windows, per governorate and per pair of adversaries.

``EscalationDetector.from_data().observe(enriched)`` returns the signals a
report sets off, each with its reasons in plain language; see
:mod:`rasd.escalation.detector`. ``python -m rasd.escalation.evaluate`` measures
it on synthetic streams with planted episodes (:mod:`rasd.escalation.scenarios`).
"""
