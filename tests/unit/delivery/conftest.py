"""Fixtures of the delivery tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.unit.delivery.servers import Receiver


@pytest.fixture
def receiver_factory() -> Iterator:
    """Start receivers with a script; all are stopped after the test."""
    started: list[Receiver] = []

    def start(script=None, default=(200, {})) -> Receiver:
        receiver = Receiver(script, default).__enter__()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.__exit__(None, None, None)
