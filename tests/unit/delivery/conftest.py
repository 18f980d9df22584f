"""Fixtures of the delivery tests."""

from __future__ import annotations

from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.unit.delivery.servers import Receiver, StoringHandler, free_port


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


@pytest.fixture
def smtp_server() -> Iterator:
    """Start real SMTP servers on 127.0.0.1 with a handler; all are stopped after the test."""
    started = []

    def start(handler: StoringHandler) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()
