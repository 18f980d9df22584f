import dataclasses
import json
import os
import stat
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from rasd.errors import ServiceError
from services.elasticsearch import ElasticsearchService, extract_zip, user_namespace_prefix


def _yaml_pairs(text):
    lines = (line for line in text.splitlines() if line and not line.startswith("#"))
    return dict(line.split(": ", 1) for line in lines)


def test_config_is_single_node_without_security_on_loopback(settings):
    config = _yaml_pairs(ElasticsearchService(settings).render_config())
    assert config["discovery.type"] == "single-node"
    assert config["xpack.security.enabled"] == "false"
    assert config["network.host"] == "127.0.0.1"
    assert config["http.port"] == str(settings.es_port)
    assert config["cluster.routing.allocation.disk.threshold_enabled"] == "false"
    assert config["action.destructive_requires_name"] == "false"
    assert json.loads(config["path.data"]) == str(settings.state_dir / "elasticsearch" / "data")
    assert json.loads(config["path.logs"]) == str(settings.state_dir / "elasticsearch" / "logs")


def test_environment_sets_heap_config_and_java_home(settings, tmp_path):
    runtime = tmp_path / "jdk"
    (runtime / "bin").mkdir(parents=True)
    (runtime / "bin" / "java").touch()
    env = ElasticsearchService(settings).environment(runtime / "bin" / "java")
    assert env["ES_JAVA_HOME"] == str(runtime)
    assert env["ES_PATH_CONF"] == str(settings.state_dir / "elasticsearch" / "config")
    assert env["ES_JAVA_OPTS"] == "-Xms512m -Xmx1g"
    assert "JAVA_TOOL_OPTIONS" not in env


def test_root_runs_elasticsearch_in_a_user_namespace():
    assert user_namespace_prefix(1000, "/usr/bin/unshare") == []
    prefix = user_namespace_prefix(0, "/usr/bin/unshare")
    assert prefix[:2] == ["/usr/bin/unshare", "--user"]
    assert any(arg.startswith("--map-user=") and not arg.endswith("=0") for arg in prefix)


def test_root_without_unshare_gets_an_actionable_error():
    with pytest.raises(ServiceError, match="refuses to run as root.*util-linux"):
        user_namespace_prefix(0, None)


def test_extract_zip_keeps_executable_bits(tmp_path):
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        script = zipfile.ZipInfo("es/bin/elasticsearch")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        bundle.writestr(script, "#!/bin/sh\n")
        config = zipfile.ZipInfo("es/config/jvm.options")
        config.external_attr = (stat.S_IFREG | 0o644) << 16
        bundle.writestr(config, "-Xss1m\n")
    extract_zip(archive, tmp_path / "out")
    assert os.access(tmp_path / "out" / "es" / "bin" / "elasticsearch", os.X_OK)
    assert not os.access(tmp_path / "out" / "es" / "config" / "jvm.options", os.X_OK)


def _serve_health(status_code, body):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status_code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("code", "body", "expected"),
    [(200, {"status": "green"}, "green"), (200, {"status": "yellow"}, "yellow"), (408, {"status": "red"}, None)],
)
def test_probe_accepts_yellow_or_green_health(settings, code, body, expected):
    server = _serve_health(code, body)
    with server:
        service = ElasticsearchService(dataclasses.replace(settings, es_port=server.server_address[1]))
        assert service.probe() == expected


def test_probe_without_server_is_not_ready(settings):
    assert ElasticsearchService(settings).probe() is None
