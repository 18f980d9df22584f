"""rasd's own processes (Faust worker, indexer, …) started locally for tests and benchmarks.

Each runs ``python -m rasd.cli <command>`` in its own process group with the settings'
``RASD_*`` variables, logging to a file; ``stop_all`` terminates them (SIGKILL after a grace).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from rasd.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RasdProcesses:
    """The rasd processes of one test or benchmark run."""

    def __init__(self, settings: Settings, workdir: Path, extra_env: dict[str, str] | None = None):
        self.settings = settings
        self.workdir = workdir
        self.extra_env = dict(extra_env or {})
        self.procs: dict[str, subprocess.Popen] = {}

    def env(self, name: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "RASD_NAMESPACE": self.settings.namespace,
            "RASD_TOPIC_PARTITIONS": str(self.settings.topic_partitions),
            "RASD_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
            "RASD_ELASTICSEARCH_URL": self.settings.elasticsearch_url,
            "RASD_WORKER_DATADIR": str(self.workdir / f"{name}-data"),
            "RASD_WORKER_WEB_PORT": str(free_port()),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Start ``rasd <args>`` as process ``name`` (logging to ``<workdir>/<name>.log``)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "rasd.cli", *args], env=self.env(name), cwd=REPO,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            if proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
