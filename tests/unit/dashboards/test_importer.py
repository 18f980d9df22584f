"""The importer against a tiny local HTTP server (stdlib) that records what Kibana would receive."""

from __future__ import annotations

import json
import socket
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboards import importer
from dashboards.build import NDJSON_PATH
from dashboards.checks import load_saved_objects
from dashboards.exceptions import DashboardImportError, SavedObjectsError
from dashboards.importer import import_saved_objects, import_url, main

SUCCESS = {"success": True, "successCount": 13, "successResults": [], "warnings": []}


class FakeKibana(ThreadingHTTPServer):
    """Answers each request with the next queued (status, JSON) and keeps the requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[tuple[int, dict]] = []
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
        status, answer = self.server.answers.pop(0) if self.server.answers else (200, SUCCESS)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    server = FakeKibana()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _parts(request: dict) -> list:
    """The multipart form of a recorded request, parsed by the stdlib email parser."""
    head = f"Content-Type: {request['headers']['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request["body"])
    assert message.is_multipart()
    return list(message.iter_parts())


def test_import_posts_the_file_as_multipart_with_kbn_xsrf_and_overwrite(kibana):
    result = import_saved_objects(kibana.url, NDJSON_PATH)
    assert result == SUCCESS
    (request,) = kibana.requests
    url = urlsplit(request["path"])
    assert url.path == "/api/saved_objects/_import" and parse_qs(url.query) == {"overwrite": ["true"]}
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    (part,) = _parts(request)
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "rasd.ndjson"
    assert part.get_payload(decode=True) == NDJSON_PATH.read_bytes()


def test_space_and_no_overwrite(kibana):
    import_saved_objects(kibana.url + "/", NDJSON_PATH, overwrite=False, space="ops")
    url = urlsplit(kibana.requests[0]["path"])
    assert url.path == "/s/ops/api/saved_objects/_import" and url.query == ""
    assert import_url("http://k:5601/base", "ops") == "http://k:5601/base/s/ops/api/saved_objects/_import"


def test_another_namespace_renames_the_data_view_titles_only(kibana):
    import_saved_objects(kibana.url, NDJSON_PATH, namespace="ops")
    (part,) = _parts(kibana.requests[0])
    sent = [json.loads(line) for line in part.get_payload(decode=True).decode().splitlines()]
    original = load_saved_objects(NDJSON_PATH)
    assert [o["id"] for o in sent] == [o["id"] for o in original]
    assert sorted(o["attributes"]["title"] for o in sent if o["type"] == "index-pattern") == [
        "ops-alerts", "ops-reports", "ops-signals"]
    assert [o for o in sent if o["type"] != "index-pattern"] == [o for o in original if o["type"] != "index-pattern"]


def test_objects_kibana_refuses_raise_with_their_ids(kibana):
    kibana.answers.append((200, {"success": False, "successCount": 12, "errors": [
        {"id": "rasd-map-report-locations", "type": "map", "error": {"type": "missing_references",
                                                                       "references": [{"type": "index-pattern", "id": "x"}]}}]}))
    with pytest.raises(DashboardImportError) as info:
        import_saved_objects(kibana.url, NDJSON_PATH)
    assert "map/rasd-map-report-locations: missing_references" in str(info.value)


def test_a_client_error_is_not_retried(kibana):
    kibana.answers.append((400, {"statusCode": 400, "message": "bad file"}))
    with pytest.raises(DashboardImportError) as info:
        import_saved_objects(kibana.url, NDJSON_PATH, wait_s=30)
    assert "400" in str(info.value) and len(kibana.requests) == 1


def test_kibana_not_ready_is_retried_until_it_answers(kibana, monkeypatch):
    monkeypatch.setattr(importer, "RETRY_DELAY_S", 0.01)
    kibana.answers.extend([(503, {"message": "Kibana server is not ready yet"})] * 2)
    assert import_saved_objects(kibana.url, NDJSON_PATH, wait_s=10) == SUCCESS
    assert len(kibana.requests) == 3


def test_unreachable_kibana_names_the_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DashboardImportError) as info:
        import_saved_objects(f"http://127.0.0.1:{port}", NDJSON_PATH)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_a_file_with_broken_references_is_refused_before_sending(kibana, tmp_path: Path):
    objects = load_saved_objects(NDJSON_PATH)
    objects = [o for o in objects if o["id"] != "rasd-data-view-signals"]
    broken = tmp_path / "broken.ndjson"
    broken.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    with pytest.raises(SavedObjectsError) as info:
        import_saved_objects(kibana.url, broken)
    assert "rasd-data-view-signals" in str(info.value) and kibana.requests == []


def test_main_exit_codes_and_messages(kibana, capsys, monkeypatch):
    monkeypatch.delenv("RASD_NAMESPACE", raising=False)
    assert main(["--kibana", kibana.url, "--wait", "0"]) == 0
    assert "imported 13 saved objects" in capsys.readouterr().out
    kibana.answers.append((403, {"message": "forbidden"}))
    assert main(["--kibana", kibana.url, "--wait", "0"]) == 1
    assert "403" in capsys.readouterr().err


def test_main_takes_the_namespace_from_the_environment(kibana, monkeypatch):
    monkeypatch.setenv("RASD_NAMESPACE", "ops")
    assert main(["--kibana", kibana.url, "--wait", "0"]) == 0
    (part,) = _parts(kibana.requests[0])
    assert b'"title":"ops-reports"' in part.get_payload(decode=True)
