"""``/subscriptions`` through the real app: validation, channel targets, the topic record, the webhook secret."""

from __future__ import annotations

import json

import pytest

from api.subscription_rules import MAX_SUBSCRIPTION_BODY_BYTES, inline_definitions, merge_patch
from api.subscription_models import SubscriptionFields
from delivery import DeliverySettings, derive_webhook_secret
from tests.unit.api.alerting_fakes import MASTER_SECRET, RecordingWriter, build_client, make_key

ANALYST_QUERY = {
    "name": "HTS or TIP in Idlib",
    "query": '"تحرير الشام" ادلب',
    "actors": ["hts", "tip"],
    "governorates": ["idlib", "Idlib"],
    "places": ["rasd-jabal-al-turkman"],
    "event_types": ["armed_clash", "military_buildup"],
    "min_severity": "medium",
    "min_escalation": 0.2,
    "include_signals": True,
    "channels": [{"type": "webhook", "target": "https://hooks.example.org/rasd"},
                 {"type": "email", "target": "analyst@example.org"}, {"type": "sse"}],
    "throttle_seconds": 300,
}
MAIL = DeliverySettings(webhook_secret=MASTER_SECRET, smtp_host="smtp.example.org", smtp_from="rasd@example.org")


@pytest.fixture
def writer() -> RecordingWriter:
    return RecordingWriter()


@pytest.fixture
def client(tmp_path, writer):
    test_client = build_client(tmp_path, writer=writer, delivery=MAIL)
    yield test_client
    test_client.__exit__(None, None, None)


@pytest.fixture
def key(client) -> dict[str, str]:
    return make_key(client, "analyst")


def _post(client, key, body, **kwargs):
    return client.post("/subscriptions", content=json.dumps(body, ensure_ascii=False).encode(), headers=key, **kwargs)


# --- create, read, list -----------------------------------------------------------------------------

def test_create_publishes_the_checked_subscription_and_returns_the_secret_once(client, key, writer):
    response = _post(client, key, ANALYST_QUERY)
    assert response.status_code == 201, response.text
    body = response.json()
    sub_id = body["id"]
    assert sub_id.startswith("sub-") and response.headers["location"] == f"/subscriptions/{sub_id}"
    assert body["owner"] == "analyst" and body["governorates"] == ["Idlib"]
    assert body["channels"][2] == {"type": "sse", "target": "analyst"}
    assert body["webhook_secret"] == derive_webhook_secret(MASTER_SECRET, sub_id)
    ((record_key, record),) = writer.records
    assert record_key == sub_id
    assert record["owner"] == "analyst" and record["query"] == '"تحرير الشام" ادلب'
    assert "webhook_secret" not in record and "updated_at" not in record
    fetched = client.get(f"/subscriptions/{sub_id}", headers=key).json()
    assert "webhook_secret" not in fetched and fetched["actors"] == ["hts", "tip"]
    assert fetched["created_at"] == body["created_at"]


def test_list_is_the_owners_own_oldest_first_with_pages(client, key):
    ids = [_post(client, key, {"name": f"s{i}"}).json()["id"] for i in range(3)]
    other = make_key(client, "someone-else")
    _post(client, other, {"name": "theirs"})
    page = client.get("/subscriptions?size=2&page=2", headers=key).json()
    assert page["total"] == 3 and [s["id"] for s in page["subscriptions"]] == ids[2:]
    assert [s["id"] for s in client.get("/subscriptions", headers=key).json()["subscriptions"]] == ids


def test_a_page_beyond_any_list_is_422_not_an_overflow(client, key):
    response = client.get("/subscriptions", params={"page": 12440054036384315392, "size": 19},  # found by schemathesis
                          headers=key)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "page"]
    assert client.get("/subscriptions", params={"page": 10_000}, headers=key).json()["subscriptions"] == []


def test_a_subscription_without_webhook_has_no_secret(client, key):
    body = _post(client, key, {"governorates": ["Hama"], "channels": [{"type": "sse"}]}).json()
    assert body["webhook_secret"] is None


# --- update and delete -------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(client, key, writer):
    sub_id = _post(client, key, ANALYST_QUERY).json()["id"]
    response = client.patch(f"/subscriptions/{sub_id}", json={"active": False}, headers=key)
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is False and body["actors"] == ["hts", "tip"]
    assert body["webhook_secret"] is None  # the webhook was already there: its secret is not shown again
    assert writer.records[-1][1]["active"] is False
    assert body["created_at"] == client.get(f"/subscriptions/{sub_id}", headers=key).json()["created_at"]


def test_put_replaces_every_field_and_gives_the_secret_of_a_first_webhook(client, key):
    sub_id = _post(client, key, {"query": "قصف"}).json()["id"]
    response = client.put(f"/subscriptions/{sub_id}", headers=key,
                          json={"governorates": ["Aleppo"], "channels": [{"type": "webhook",
                                                                          "target": "https://hooks.example.org/a"}]})
    body = response.json()
    assert response.status_code == 200 and body["query"] == "" and body["governorates"] == ["Aleppo"]
    assert body["webhook_secret"] == derive_webhook_secret(MASTER_SECRET, sub_id)


def test_delete_sends_a_tombstone_and_forgets(client, key, writer):
    sub_id = _post(client, key, ANALYST_QUERY).json()["id"]
    assert client.delete(f"/subscriptions/{sub_id}", headers=key).status_code == 204
    assert writer.records[-1] == (sub_id, None)
    assert client.get(f"/subscriptions/{sub_id}", headers=key).status_code == 404
    assert client.delete(f"/subscriptions/{sub_id}", headers=key).status_code == 404


def test_kafka_down_is_503_and_nothing_is_kept(tmp_path):
    client = build_client(tmp_path, writer=RecordingWriter(error="cannot reach Kafka at 127.0.0.1:1"))
    try:
        key = make_key(client, "analyst")
        response = _post(client, key, {"governorates": ["Idlib"]})
        assert response.status_code == 503
        assert response.json()["detail"] == "the subscription was not saved: cannot reach Kafka at 127.0.0.1:1"
        assert client.get("/subscriptions", headers=key).json()["total"] == 0
    finally:
        client.__exit__(None, None, None)


def test_the_owner_limit_is_409(tmp_path):
    client = build_client(tmp_path, max_subscriptions=2)
    try:
        key = make_key(client, "analyst")
        assert [_post(client, key, {}).status_code for _ in range(2)] == [201, 201]
        refused = _post(client, key, {})
        assert refused.status_code == 409 and "RASD_API_MAX_SUBSCRIPTIONS" in refused.json()["detail"]
        sub_id = client.get("/subscriptions", headers=key).json()["subscriptions"][0]["id"]
        assert client.patch(f"/subscriptions/{sub_id}", json={"name": "x"}, headers=key).status_code == 200
    finally:
        client.__exit__(None, None, None)


# --- malformed and oversized bodies --------------------------------------------------------------------

@pytest.mark.parametrize("raw, status, detail", [
    (b"", 422, "request body is empty"),
    (b'{"name": "x"', 422, "request body is not valid JSON"),
    (b"[1, 2]", 422, "must be a JSON object, not list"),
    (b"\xff\xfe{}", 422, "not valid UTF-8"),
    (b"[" * 30_000 + b"]" * 30_000, 422, "nested too deeply"),  # was a RecursionError: 500
    (b'{"name": "\\ud800"}', 422, "unpaired surrogate escape"),
    (json.dumps({"query": "ا" * 1001}).encode(), 422, "query: String should have at most 1000 characters"),
    (json.dumps({"owner": "mallory"}).encode(), 422, "owner: Extra inputs are not permitted"),
    (json.dumps({"min_escalation": 1.5}).encode(), 422, "min_escalation: Input should be less than or equal to 1"),
    (json.dumps({"min_severity": "critical"}).encode(), 422, "min_severity: Input should be 'low', 'medium' or 'high'"),
    (json.dumps({"throttle_seconds": -1}).encode(), 422, "throttle_seconds"),
    (json.dumps({"actors": ["hts"] * 51}).encode(), 422, "actors: List should have at most 50 items"),
    (json.dumps({"channels": [{"type": "sms", "target": "+963"}]}).encode(), 422, "channels.0.type"),
    (json.dumps({"governorates": ["Gaza"]}).encode(), 422, "unknown governorate 'Gaza'"),
    (json.dumps({"event_types": ["riot"]}).encode(), 422, "unknown event types ['riot']"),
    (json.dumps({"channels": [{"type": "webhook"}]}).encode(), 422, "channels.0: a webhook channel needs a target"),
])
def test_bad_bodies_are_refused_with_a_message_naming_the_problem(client, key, writer, raw, status, detail):
    response = client.post("/subscriptions", content=raw, headers={**key, "content-type": "application/json"})
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert writer.records == []


def test_oversized_body_is_413_before_it_is_parsed(client, key, writer):
    raw = json.dumps({"name": "x", "query": "ا" * MAX_SUBSCRIPTION_BODY_BYTES}).encode()
    response = client.post("/subscriptions", content=raw, headers={**key, "content-type": "application/json"})
    assert response.status_code == 413 and f"over {MAX_SUBSCRIPTION_BODY_BYTES} bytes" in response.json()["detail"]
    chunked = client.post("/subscriptions", content=iter([raw[:40_000], raw[40_000:]]), headers=key)
    assert chunked.status_code == 413
    assert writer.records == []


# --- channel targets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("target, reason", [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://10.0.0.5/hook", "private"),
    ("http://[::1]/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link_local"),
    ("ftp://hooks.example.org/x", "scheme"),
    ("https://user:pw@hooks.example.org/x", "credentials"),
])
def test_webhook_targets_on_private_ranges_or_bad_urls_are_refused(client, key, writer, target, reason):
    response = _post(client, key, {"channels": [{"type": "webhook", "target": target}]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"channels.0 (webhook): refused ({reason})")
    assert writer.records == []


def test_private_webhook_targets_are_allowed_when_configured(tmp_path):
    client = build_client(tmp_path, delivery=DeliverySettings(webhook_secret=MASTER_SECRET, allow_private_targets=True))
    try:
        key = make_key(client, "analyst")
        response = _post(client, key, {"channels": [{"type": "webhook", "target": "http://127.0.0.1:8080/hook"}]})
        assert response.status_code == 201 and response.json()["webhook_secret"]
    finally:
        client.__exit__(None, None, None)


def test_a_malformed_email_address_is_refused(client, key):
    response = _post(client, key, {"channels": [{"type": "email", "target": "not-an-address"}]})
    assert response.status_code == 422 and response.json()["detail"].startswith("channels.0 (email): refused")


def test_channels_the_server_cannot_deliver_are_refused_naming_the_setting(tmp_path):
    client = build_client(tmp_path, delivery=DeliverySettings())
    try:
        key = make_key(client, "analyst")
        hook = _post(client, key, {"channels": [{"type": "webhook", "target": "https://hooks.example.org/x"}]})
        mail = _post(client, key, {"channels": [{"type": "email", "target": "analyst@example.org"}]})
        assert hook.status_code == 422 and "webhook needs RASD_WEBHOOK_SECRET" in hook.json()["detail"]
        assert mail.status_code == 422 and "email needs RASD_SMTP_HOST" in mail.json()["detail"]
        assert _post(client, key, {"channels": [{"type": "sse"}]}).status_code == 201
    finally:
        client.__exit__(None, None, None)


# --- helpers -------------------------------------------------------------------------------------------

def test_merge_patch_keeps_stored_fields_and_lets_unknown_ones_through_to_be_refused():
    stored = {"id": "sub-1", "owner": "a", "name": "old", "actors": ["hts"], "created_at": "t"}
    merged = merge_patch(stored, {"name": "new", "colour": "red"})
    assert merged == {"name": "new", "actors": ["hts"], "colour": "red"}


def test_the_documented_body_schema_has_no_dangling_references():
    schema = inline_definitions(SubscriptionFields.model_json_schema())
    assert "$ref" not in json.dumps(schema) and "$defs" not in schema
    assert schema["properties"]["channels"]["items"]["properties"]["type"]["enum"] == ["webhook", "sse", "email"]
