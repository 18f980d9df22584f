"""docker-compose.yml: valid against the Compose specification, and agreeing with rasd's settings.

No Docker engine runs here, so the file is checked statically.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

import elasticsearch
from rasd.cli import build_parser
from rasd.settings import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
RASD_SERVICES = ("worker", "indexer", "deliver", "producer", "api", "dashboards")


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_validates_against_the_compose_spec():
    result = _check_jsonschema(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  kafka:\n    ports: 9092\n    healthcheck: yes\n")
    assert _check_jsonschema(broken).returncode != 0


def test_rasd_services_point_at_the_compose_kafka_and_elasticsearch(compose):
    defaults = Settings.from_env({})
    kafka_port = defaults.kafka_servers[0].rsplit(":", 1)[1]
    es_port = str(urlparse(defaults.elasticsearch_url).port)
    services = compose["services"]
    assert f"{kafka_port}:{kafka_port}" in services["kafka"]["ports"]
    assert f"{es_port}:{es_port}" in services["elasticsearch"]["ports"]
    assert f"PLAINTEXT://kafka:{kafka_port}" == services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name in RASD_SERVICES:
        env = services[name]["environment"]
        host, port = env["RASD_KAFKA_BOOTSTRAP"].split(":")
        assert host in services and port == kafka_port, name
        es = urlparse(env["RASD_ELASTICSEARCH_URL"])
        assert es.hostname in services and str(es.port) == es_port, name
        settings = Settings.from_env(env)
        assert settings.topics.reports == defaults.topics.reports
        assert settings.indices.reports == defaults.indices.reports


def test_elastic_stack_versions_match_the_client_major(compose):
    services = compose["services"]
    es_version = services["elasticsearch"]["image"].rsplit(":", 1)[1]
    kibana_version = services["kibana"]["image"].rsplit(":", 1)[1]
    assert es_version == kibana_version
    assert es_version.startswith("8.19.")
    assert elasticsearch.__versionstr__.split(".")[0] == es_version.split(".")[0]


def test_dependencies_wait_for_health(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert condition["condition"] == "service_healthy", (name, dependency)
            assert "healthcheck" in services[dependency], f"{name} waits for {dependency}, which has no healthcheck"


def test_every_rasd_command_in_compose_exists_in_the_cli(compose):
    parser = build_parser()
    for name in RASD_SERVICES:
        command = compose["services"][name]["command"]
        assert command[0] == "rasd"
        args = parser.parse_args(command[1:])
        assert callable(args.func), name
