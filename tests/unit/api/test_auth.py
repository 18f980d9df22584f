"""API keys and the administrator token: 401 without or with a bad key, 403 when key management is off,
404 for another owner's subscription; keys are stored hashed."""

from __future__ import annotations

import sqlite3

import pytest

from api.config import ApiSettings
from api.keys import InvalidOwner, KeyStore, check_owner, create_key, hash_token, list_keys, revoke_key, split_prefix
from api.database import Database
from rasd.errors import ConfigurationError
from tests.unit.api.alerting_fakes import ADMIN_TOKEN, RecordingWriter, build_client, make_key

SUBSCRIPTION = {"name": "Idlib clashes", "governorates": ["Idlib"], "event_types": ["armed_clash"]}


@pytest.fixture
def writer() -> RecordingWriter:
    return RecordingWriter()


@pytest.fixture
def client(tmp_path, writer):
    test_client = build_client(tmp_path, writer=writer)
    yield test_client
    test_client.__exit__(None, None, None)


# --- API keys on the owner's routes --------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/subscriptions"), ("POST", "/subscriptions"),
                                          ("GET", "/subscriptions/sub-x"), ("DELETE", "/subscriptions/sub-x"),
                                          ("GET", "/alerts"), ("GET", "/alerts/stream")])
def test_no_key_is_401_with_a_bearer_challenge(client, method, path):
    response = client.request(method, path, json=SUBSCRIPTION if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer rasd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
    {"Authorization": "Bearer not-a-rasd-key"},
    {"X-API-Key": "rasd_" + "x" * 300},
])
def test_unknown_key_is_401(client, headers):
    make_key(client, "analyst")  # a key exists, just not this one
    response = client.get("/subscriptions", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is not valid (unknown or revoked)"


def test_another_authorization_scheme_is_401_naming_bearer(client):
    response = client.get("/subscriptions", headers={"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"})
    assert response.status_code == 401 and "Bearer <key>" in response.json()["detail"]


def test_key_works_as_bearer_and_as_x_api_key(client):
    token = make_key(client, "analyst")["Authorization"].split(" ", 1)[1]
    assert client.get("/subscriptions", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/subscriptions", headers={"X-API-Key": token}).status_code == 200


def test_revoked_key_is_401(client):
    headers = make_key(client, "analyst")
    prefix = split_prefix(headers["Authorization"].split(" ", 1)[1])
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.delete(f"/keys/{prefix}", headers=admin).status_code == 204
    assert client.get("/subscriptions", headers=headers).status_code == 401
    assert client.delete(f"/keys/{prefix}", headers=admin).status_code == 404


def test_another_owners_subscription_is_404_and_untouched(client, writer):
    alice, bob = make_key(client, "alice"), make_key(client, "bob")
    created = client.post("/subscriptions", json=SUBSCRIPTION, headers=alice)
    assert created.status_code == 201
    sub_id = created.json()["id"]
    records_before = list(writer.records)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = {"active": False} if method in ("PUT", "PATCH") else None
        response = client.request(method, f"/subscriptions/{sub_id}", json=body, headers=bob)
        assert response.status_code == 404, method
        assert response.json()["detail"] == f"no subscription with id {sub_id!r}"
    assert client.get("/subscriptions", headers=bob).json()["total"] == 0
    assert writer.records == records_before  # bob changed nothing on the topic
    assert client.get(f"/subscriptions/{sub_id}", headers=alice).json()["active"] is True


# --- the administrator token ------------------------------------------------------------------------

def test_key_creation_is_403_when_no_admin_token_is_configured(tmp_path):
    client = build_client(tmp_path, admin_token="")
    try:
        response = client.post("/keys", json={"owner": "analyst"}, headers={"Authorization": "Bearer anything-at-all"})
        assert response.status_code == 403
        assert "RASD_ADMIN_TOKEN is not set" in response.json()["detail"]
        assert "rasd keys create" in response.json()["detail"]
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong-admin-token-123456"}, 401)])
def test_key_creation_needs_the_right_admin_token(client, headers, status):
    response = client.post("/keys", json={"owner": "analyst"}, headers=headers)
    assert response.status_code == status and "administrator token" in response.json()["detail"]


def test_an_api_key_is_not_an_admin_token(client):
    headers = make_key(client, "analyst")
    assert client.post("/keys", json={"owner": "mallory"}, headers=headers).status_code == 401


def test_bad_owner_name_is_422(client):
    response = client.post("/keys", json={"owner": "محلل"}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 422 and "owner must be" in response.json()["detail"]


@pytest.mark.parametrize("raw, detail", [
    (b"", 'request body is empty: send {"owner": "<name>"}'),
    (b"\xff\xfe", "request body is not valid UTF-8"),  # FastAPI said only 'There was an error parsing the body' (400)
    (b'{"owner": "a"', "request body is not valid JSON"),
    (b'["analyst"]', 'request body must be a JSON object {"owner": "<name>"}, not list'),
    (b'{"owner": "a", "admin": true}', 'the body must be {"owner": "<name>"}: admin: Extra inputs are not permitted'),
    (b"{}", 'the body must be {"owner": "<name>"}: owner: Field required'),
])
def test_malformed_key_requests_are_422_naming_the_problem(client, raw, detail):
    response = client.post("/keys", content=raw, headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                                           "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_a_key_request_body_is_read_only_after_the_admin_token_and_only_4_kb_of_it(client):
    big = b'{"owner": "' + b"a" * 5000 + b'"}'
    assert client.post("/keys", content=big, headers={"Content-Type": "application/json"}).status_code == 401
    response = client.post("/keys", content=big, headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                                           "Content-Type": "application/json"})
    assert response.status_code == 413 and "over 4096 bytes" in response.json()["detail"]


def test_created_key_is_returned_once_and_stored_only_hashed(client, tmp_path):
    response = client.post("/keys", json={"owner": "analyst@example.org"},
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    body = response.json()
    token = body["key"]
    assert token.startswith("rasd_") and len(token) == 5 + 43
    assert body["prefix"] == token[:13] and body["owner"] == "analyst@example.org"
    with sqlite3.connect(tmp_path / "api.sqlite") as conn:
        rows = conn.execute("SELECT prefix, key_hash, owner FROM api_keys").fetchall()
    assert rows == [(token[:13], hash_token(token), "analyst@example.org")]
    assert token.encode() not in (tmp_path / "api.sqlite").read_bytes()


# --- the functions behind `rasd keys ...` ---------------------------------------------------------------

def test_create_key_function_makes_a_key_the_store_accepts(tmp_path):
    settings = ApiSettings(api_db=str(tmp_path / "nested" / "api.sqlite"))
    token = create_key("desk-1", settings)
    assert KeyStore(Database(settings.db_path)).authenticate(token) == "desk-1"
    assert [k.owner for k in list_keys(settings=settings)] == ["desk-1"]
    assert revoke_key(split_prefix(token), settings) == 1
    assert KeyStore(Database(settings.db_path)).authenticate(token) is None


def test_two_keys_never_match_each_other(tmp_path):
    store = KeyStore(Database(tmp_path / "api.sqlite"))
    first, _ = store.create("a")
    second, _ = store.create("b")
    assert first != second
    assert store.authenticate(first) == "a" and store.authenticate(second) == "b"
    assert store.authenticate(first[:-1] + ("A" if first[-1] != "A" else "B")) is None


@pytest.mark.parametrize("owner", ["", "-lead", "a b", "x" * 129, "محلل"])
def test_check_owner_refuses_names_that_are_not_ids(owner):
    with pytest.raises(InvalidOwner):
        check_owner(owner)


def test_short_admin_token_fails_fast():
    with pytest.raises(ConfigurationError, match="RASD_ADMIN_TOKEN"):
        ApiSettings.from_env({"RASD_ADMIN_TOKEN": "short"})


def test_api_settings_from_env_name_the_bad_variable():
    with pytest.raises(ConfigurationError, match="RASD_API_MAX_SUBSCRIPTIONS"):
        ApiSettings.from_env({"RASD_API_MAX_SUBSCRIPTIONS": "many"})
    settings = ApiSettings.from_env({"RASD_API_DB": "/srv/rasd/api.sqlite", "RASD_API_MAX_SUBSCRIPTIONS": "5"})
    assert str(settings.db_path) == "/srv/rasd/api.sqlite" and settings.max_subscriptions == 5
    assert "admin_token" not in repr(ApiSettings(admin_token=ADMIN_TOKEN))


def test_an_unusable_key_database_is_a_500_that_names_it(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    client = build_client(tmp_path / "not-a-folder" / "sub")
    try:
        response = client.get("/subscriptions", headers={"X-API-Key": "rasd_whatever"})
        assert response.status_code == 500
        assert response.json()["detail"].startswith("the server is misconfigured: cannot open the API database")
        assert "RASD_API_DB" in response.json()["detail"]
    finally:
        client.__exit__(None, None, None)
