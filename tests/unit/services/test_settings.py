from pathlib import Path

import pytest

from rasd.errors import ConfigurationError
from services.settings import ServicesSettings


def test_defaults_use_standard_ports_and_home_cache():
    settings = ServicesSettings.from_env({"HOME": "/home/someone"})
    assert (settings.kafka_port, settings.kafka_controller_port, settings.es_port) == (9092, 9093, 9200)
    assert settings.cache_dir == Path("~/.cache/rasd").expanduser()
    assert settings.state_dir == settings.cache_dir / "state"
    assert settings.start_timeout == 180.0


def test_environment_overrides_every_setting(tmp_path):
    env = {
        "RASD_KAFKA_PORT": "19092",
        "RASD_ES_PORT": "19200",
        "RASD_CACHE_DIR": str(tmp_path / "c"),
        "RASD_STATE_DIR": str(tmp_path / "s"),
        "RASD_SERVICES_TIMEOUT": "30",
    }
    settings = ServicesSettings.from_env(env)
    assert settings.kafka_port == 19092
    assert settings.kafka_controller_port == 19093  # follows the Kafka port unless set
    assert settings.es_port == 19200
    assert settings.cache_dir == tmp_path / "c"
    assert settings.state_dir == tmp_path / "s"
    assert settings.start_timeout == 30.0


def test_state_dir_follows_cache_dir(tmp_path):
    settings = ServicesSettings.from_env({"RASD_CACHE_DIR": str(tmp_path)})
    assert settings.state_dir == tmp_path / "state"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RASD_KAFKA_PORT", "kafka", "not a port number"),
        ("RASD_ES_PORT", "70000", "out of range"),
        ("RASD_SERVICES_TIMEOUT", "-1", "must be positive"),
        ("RASD_SERVICES_TIMEOUT", "soon", "not a number of seconds"),
    ],
)
def test_malformed_values_fail_fast_naming_the_variable(name, value, message):
    with pytest.raises(ConfigurationError, match=message) as error:
        ServicesSettings.from_env({name: value})
    assert name in str(error.value)
