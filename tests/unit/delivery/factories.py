"""Sample messages for the delivery tests."""

from __future__ import annotations

from typing import Any


def make_alert(**overrides: Any) -> dict[str, Any]:
    """An alert dict in ``Alert.to_dict()`` form, with Arabic text as the pipeline produces it."""
    alert = {
        "id": "alert-0001",
        "subscription_id": "sub-idlib",
        "owner": "analyst-1",
        "kind": "report",
        "report_id": "report-42",
        "signal_id": None,
        "severity": "high",
        "title": "غارات جوية روسية على ريف إدلب الجنوبي ومقتل ٣ مدنيين",
        "reasons": ["actor: ru-forces", "governorate: Idlib", "event: airstrike"],
        "actor_ids": ["ru-forces", "syr-gov-forces"],
        "governorates": ["Idlib"],
        "event_types": ["airstrike", "killing"],
        "locations": [{"lat": 35.6, "lon": 36.65}],
        "created_at": "2018-08-10T09:00:05+00:00",
        "published_at": "2018-08-10T08:55:00+00:00",
        "schema_version": 1,
    }
    alert.update(overrides)
    return alert
