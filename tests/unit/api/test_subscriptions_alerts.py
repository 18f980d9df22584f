"""``/alerts`` and ``/alerts/stream``: only the key owner's alerts, from the index and live."""

from __future__ import annotations

import json

import pytest

from api.alert_feed import decode_alert
from api.queries import QueryParameterError
from api.routers.alerts import build_alerts_body
from tests.unit.api.alerting_fakes import FakeFeed, FiniteBroadcaster, build_client, make_key
from tests.unit.api.conftest import FakeElasticsearch


def _alert(alert_id: str, owner: str = "analyst", subscription_id: str = "sub-1") -> dict:
    return {"id": alert_id, "subscription_id": subscription_id, "owner": owner, "kind": "report",
            "report_id": "r1", "signal_id": None, "severity": "medium", "title": "اشتباكات في ريف إدلب الجنوبي",
            "reasons": ["where: Idlib"], "actor_ids": ["hts"], "governorates": ["Idlib"],
            "event_types": ["armed_clash"], "locations": [{"lat": 35.6, "lon": 36.6}],
            "created_at": "2024-05-01T10:00:00+00:00", "published_at": None, "schema_version": 1}


def test_alerts_body_always_filters_on_the_owner_newest_first():
    body = build_alerts_body("analyst", subscription_ids=("sub-1",), kinds=("signal",), since="2024-05-01",
                             page=2, size=10)
    filters = body["query"]["bool"]["filter"]
    assert filters[0] == {"term": {"owner": "analyst"}}
    assert {"terms": {"subscription_id": ["sub-1"]}} in filters and {"terms": {"kind": ["signal"]}} in filters
    assert any("range" in f and "created_at" in f["range"] for f in filters)
    assert body["sort"][0] == {"created_at": {"order": "desc", "missing": "_last"}}
    assert (body["from_"], body["size"]) == (10, 10)


def test_alerts_body_refuses_a_bad_date():
    with pytest.raises(QueryParameterError):
        build_alerts_body("analyst", since="yesterday")


@pytest.fixture
def es() -> FakeElasticsearch:
    return FakeElasticsearch()


def test_get_alerts_asks_the_alerts_alias_for_the_keys_owner_only(tmp_path, es):
    es.search_responses = [{"hits": {"total": {"value": 1}, "hits": [{"_id": "alert-1", "_source": _alert("alert-1")}]}}]
    client = build_client(tmp_path, es=es)
    try:
        key = make_key(client, "analyst")
        response = client.get("/alerts?subscription=sub-1&size=5", headers=key)
        assert response.status_code == 200
        assert response.json()["total"] == 1 and response.json()["alerts"][0]["title"] == _alert("x")["title"]
        (search,) = es.searches
        assert search["index"] == "unit-alerts" and search["ignore_unavailable"] is True
        assert search["query"]["bool"]["filter"][0] == {"term": {"owner": "analyst"}}
    finally:
        client.__exit__(None, None, None)


def test_get_alerts_is_empty_when_nothing_was_indexed(tmp_path, es):
    client = build_client(tmp_path, es=es)
    try:
        response = client.get("/alerts", headers=make_key(client, "analyst"))
        assert response.status_code == 200 and response.json() == {"total": 0, "page": 1, "size": 50, "alerts": []}
    finally:
        client.__exit__(None, None, None)


def test_stream_is_503_when_the_alerts_topic_cannot_be_read(tmp_path):
    client = build_client(tmp_path, feed=FakeFeed(ready=False))
    try:
        response = client.get("/alerts/stream", headers=make_key(client, "analyst"))
        assert response.status_code == 503 and "live alerts are unavailable" in response.json()["detail"]
    finally:
        client.__exit__(None, None, None)


def test_stream_sends_the_owners_missed_alerts_as_events(tmp_path):
    broadcaster = FiniteBroadcaster(limit=3)
    for alert in (_alert("a1"), _alert("b1", owner="someone-else"), _alert("a2"), _alert("a3", subscription_id="sub-2")):
        broadcaster.publish(alert)
    client = build_client(tmp_path, broadcaster=broadcaster)
    try:
        key = make_key(client, "analyst")
        response = client.get("/alerts/stream", headers={**key, "Last-Event-ID": "a1"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = [e for e in response.text.split("\n\n") if e.startswith("id:")]
        ids = [e.split("\n", 1)[0][4:] for e in events]
        assert ids == ["a2", "a3"]  # b1 is someone else's; a1 was already seen
        data = json.loads(events[0].split("data: ", 1)[1])
        assert data["title"] == "اشتباكات في ريف إدلب الجنوبي"
        assert broadcaster.calls == [("analyst", "a1", None)]
    finally:
        client.__exit__(None, None, None)


def test_stream_can_be_narrowed_to_subscriptions(tmp_path):
    broadcaster = FiniteBroadcaster(limit=2)
    for alert in (_alert("a0"), _alert("a1"), _alert("a2", subscription_id="sub-2")):
        broadcaster.publish(alert)
    client = build_client(tmp_path, broadcaster=broadcaster)
    try:
        response = client.get("/alerts/stream?subscription=sub-2",
                              headers={**make_key(client, "analyst"), "Last-Event-ID": "a0"})
        assert "id: a2" in response.text and "id: a1" not in response.text
        assert broadcaster.calls[0][2] == ["sub-2"]
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("value, expected", [
    (json.dumps({"id": "a1", "owner": "analyst"}).encode(), {"id": "a1", "owner": "analyst"}),
    (b"{not json", None),
    (json.dumps({"id": "a1"}).encode(), None),
    (json.dumps(["a1"]).encode(), None),
    (None, None),
])
def test_decode_alert_keeps_only_alerts_with_an_id_and_owner(value, expected):
    assert decode_alert(value) == expected
