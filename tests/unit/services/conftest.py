"""Shared helpers for the local-services unit tests (no real server is started)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from services.settings import ServicesSettings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of the call)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> ServicesSettings:
    """Settings pointing at a temporary cache and state folder and at unused ports."""
    return ServicesSettings(
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        es_port=free_port(),
        cache_dir=tmp_path / "cache",
        state_dir=tmp_path / "state",
        start_timeout=5.0,
    )
