"""Escalation detection over time windows, per governorate and per actor pair.

``EscalationDetector.from_data().observe(enriched)`` returns the signals a
report sets off; see :mod:`rasd.escalation.detector`.
"""
