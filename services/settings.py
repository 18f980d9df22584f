"""One settings object for the local services, read from ``RASD_`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rasd.errors import ConfigurationError

KAFKA_VERSION = "3.9.1"
ELASTICSEARCH_VERSION = "8.19.7"


@dataclass(frozen=True)
class ServicesSettings:
    """Where the local services live and which ports they listen on.

    Attributes:
        kafka_port: Kafka client listener on 127.0.0.1 (``RASD_KAFKA_PORT``, default 9092).
        kafka_controller_port: KRaft controller listener (``RASD_KAFKA_CONTROLLER_PORT``,
            default ``kafka_port + 1``).
        es_port: Elasticsearch HTTP port (``RASD_ES_PORT``, default 9200).
        cache_dir: downloads and unpacked distributions (``RASD_CACHE_DIR``, default
            ``~/.cache/rasd``).
        state_dir: data directories, pid files and logs (``RASD_STATE_DIR``, default
            ``<cache_dir>/state``).
        start_timeout: seconds ``up`` waits for both services to answer
            (``RASD_SERVICES_TIMEOUT``, default 180).
    """

    kafka_port: int
    kafka_controller_port: int
    es_port: int
    cache_dir: Path
    state_dir: Path
    start_timeout: float = 180.0
    host: str = "127.0.0.1"
    kafka_version: str = KAFKA_VERSION
    es_version: str = ELASTICSEARCH_VERSION
    kafka_heap_opts: str = "-Xms256m -Xmx512m"
    es_heap_opts: str = "-Xms512m -Xmx1g"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServicesSettings:
        """Build the settings from ``RASD_`` variables, failing fast on malformed values.

        Args:
            env: the environment to read; ``os.environ`` when None.

        Returns:
            The settings, with ``~`` expanded in directories.

        Raises:
            ConfigurationError: a port or timeout is not a number in range.
        """
        env = os.environ if env is None else env
        kafka_port = read_port(env, "RASD_KAFKA_PORT", 9092)
        cache_dir = Path(env.get("RASD_CACHE_DIR") or "~/.cache/rasd").expanduser()
        state_dir = Path(env.get("RASD_STATE_DIR") or cache_dir / "state").expanduser()
        return cls(
            kafka_port=kafka_port,
            kafka_controller_port=read_port(env, "RASD_KAFKA_CONTROLLER_PORT", kafka_port + 1),
            es_port=read_port(env, "RASD_ES_PORT", 9200),
            cache_dir=cache_dir.absolute(),
            state_dir=state_dir.absolute(),
            start_timeout=read_seconds(env, "RASD_SERVICES_TIMEOUT", 180.0),
        )


def read_port(env: Mapping[str, str], name: str, default: int) -> int:
    """Read a TCP port number from ``env[name]``.

    Args:
        env: environment mapping.
        name: variable name, e.g. ``RASD_KAFKA_PORT``.
        default: value when the variable is unset or empty.

    Returns:
        The port, 1..65535.

    Raises:
        ConfigurationError: the value is not an integer in range.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigurationError(f"{name}={port} is out of range 1..65535")
    return port


def read_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """Read a positive duration in seconds from ``env[name]``.

    Args:
        env: environment mapping.
        name: variable name, e.g. ``RASD_SERVICES_TIMEOUT``.
        default: value when the variable is unset or empty.

    Returns:
        The duration in seconds, > 0.

    Raises:
        ConfigurationError: the value is not a positive number.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from None
    if seconds <= 0:
        raise ConfigurationError(f"{name}={raw} must be positive")
    return seconds
