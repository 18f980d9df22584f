import pytest

from rasd.errors import ConfigurationError
from rasd.settings import Settings


def test_defaults_name_topics_and_indices_once():
    s = Settings.from_env({})
    assert s.topics.reports == "rasd.reports"
    assert s.topics.dead_letter == "rasd.reports.dlq"
    assert s.indices.reports == "rasd-reports"
    assert s.kafka_servers == ["127.0.0.1:9092"]


def test_environment_and_overrides():
    s = Settings.from_env({"RASD_NAMESPACE": "ops", "RASD_TOPIC_PARTITIONS": "8",
                           "RASD_KAFKA_BOOTSTRAP": "k1:9092, k2:9092"}, elasticsearch_url="http://es:9200")
    assert s.topics.enriched == "ops.reports.enriched" and s.topics.partitions == 8
    assert s.indices.alerts == "ops-alerts"
    assert s.kafka_servers == ["k1:9092", "k2:9092"]
    assert s.elasticsearch_url == "http://es:9200"


@pytest.mark.parametrize("env", [
    {"RASD_TOPIC_PARTITIONS": "many"},
    {"RASD_TOPIC_PARTITIONS": "0"},
    {"RASD_NAMESPACE": "Bad Name"},
])
def test_malformed_values_fail_fast(env):
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)


def test_local_service_ports_place_the_clients_unless_urls_are_given():
    s = Settings.from_env({"RASD_KAFKA_PORT": "19092", "RASD_ES_PORT": "19200"})
    assert s.kafka_servers == ["127.0.0.1:19092"] and s.elasticsearch_url == "http://127.0.0.1:19200"
    s = Settings.from_env({"RASD_KAFKA_PORT": "19092", "RASD_KAFKA_BOOTSTRAP": "k:9092"})
    assert s.kafka_servers == ["k:9092"]
