"""``rasd services up | down | status``: local Kafka and Elasticsearch for development and tests.

Entry point: :func:`run_command`. Settings come from ``RASD_`` environment variables
(:class:`services.settings.ServicesSettings`).
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rasd.errors import ConfigurationError, RasdError, ServiceError

from . import process
from .base import LocalService
from .elasticsearch import ElasticsearchService
from .jvm import check_java, find_java
from .kafka import KafkaService
from .settings import ServicesSettings

SERVICES: dict[str, type[LocalService]] = {
    "kafka": KafkaService,
    "elasticsearch": ElasticsearchService,
}
ACTIONS = ("up", "down", "status")
STATUS_NOT_RUNNING = 3  # LSB exit code of `status` when a service is not running

Say = Callable[[str], None]


def run_command(action: str, *, quiet: bool = False, settings: ServicesSettings | None = None) -> int:
    """Run ``up``, ``down`` or ``status`` on every local service.

    Args:
        action: ``up`` (start and wait until both answer), ``down`` (stop both) or ``status``.
        quiet: print nothing but errors.
        settings: where and how to run; read from the environment when None.

    Returns:
        The exit code: 0 on success, 1 on failure, 3 from ``status`` when a service is down.
    """
    say: Say = (lambda line: None) if quiet else (lambda line: print(line, flush=True))
    try:
        if action not in ACTIONS:
            raise ConfigurationError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        settings = settings or ServicesSettings.from_env()
        services = [factory(settings) for factory in SERVICES.values()]
        if action == "status":
            return show_status(services, say)
        with hold_lock(settings.state_dir, say):
            return bring_up(services, settings, say) if action == "up" else bring_down(services, say)
    except RasdError as exc:
        print(f"rasd services: {exc}", file=sys.stderr, flush=True)
        return 1


@contextlib.contextmanager
def hold_lock(state_dir: Path, say: Say) -> Iterator[None]:
    """Serialise ``up`` and ``down`` between processes sharing ``state_dir``.

    Args:
        state_dir: the state folder (created if missing); the lock file lives in it.
        say: progress printer.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another `rasd services` command to finish...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def bring_up(services: list[LocalService], settings: ServicesSettings, say: Say) -> int:
    """Start the services that are not running and wait until every one answers.

    Args:
        services: the services.
        settings: gives the start timeout.
        say: progress printer.

    Returns:
        0 when all are ready, 1 when one failed to start in time (its log tail is printed).
    """
    started_at = time.monotonic()
    java = find_java()
    check_java(java)
    to_start = [service for service in services if service.running_pid() is None]
    for service in to_start:  # check and prepare everything before starting anything
        busy = service.busy_ports()
        if busy:
            raise ServiceError(
                f"{service.name}: port {busy[0]} on {settings.host} is in use by a process rasd did not start "
                f"(no live pid in {service.pid_file}); stop it or choose other ports with RASD_* variables"
            )
    for service in to_start:
        if not service.is_installed():
            say(f"{service.name}: fetching with Maven into {settings.cache_dir} (first run only)...")
            service.install()
        service.prepare(java)
    children: dict[str, subprocess.Popen] = {}
    for service in to_start:
        children[service.name] = service.start(java)
        say(f"{service.name}: starting (pid {children[service.name].pid})...")
    deadline = started_at + settings.start_timeout
    failed = wait_until_ready(services, children, deadline, say, started_at)
    if failed:
        for service in failed:
            report_failure(service)
            service.stop(grace=10.0)
        return 1
    return 0


def wait_until_ready(
    services: list[LocalService],
    children: dict[str, subprocess.Popen],
    deadline: float,
    say: Say,
    started_at: float,
) -> list[LocalService]:
    """Poll each service until its probe answers, its process ends, or the deadline passes.

    Args:
        services: the services.
        children: processes started by this command, by service name.
        deadline: ``time.monotonic()`` value after which waiting stops.
        say: progress printer.
        started_at: ``time.monotonic()`` when the command began, for the elapsed time.

    Returns:
        The services that are not ready.
    """
    pending = list(services)
    failed: list[LocalService] = []
    while pending:
        for service in list(pending):
            child = children.get(service.name)
            answer = service.probe()
            if answer is not None:
                pending.remove(service)
                pid = child.pid if child else service.running_pid()
                how = "ready" if child else "already running"
                say(
                    f"{service.name}: {how} on {service.settings.host}:{service.port} "
                    f"(pid {pid}, {answer}) after {time.monotonic() - started_at:.1f}s"
                )
            elif (child and child.poll() is not None) or (not child and service.running_pid() is None):
                pending.remove(service)
                failed.append(service)
                code = f" with exit code {child.returncode}" if child else ""
                print(f"rasd services: {service.name} exited{code} before it was ready", file=sys.stderr)
        if pending and time.monotonic() > deadline:
            for service in pending:
                print(
                    f"rasd services: {service.name} did not answer within {deadline - started_at:.0f}s",
                    file=sys.stderr,
                )
            return failed + pending
        if pending:
            time.sleep(0.5)
    return failed


def report_failure(service: LocalService, lines: int = 30) -> None:
    """Print the last lines of each of the service's log files to stderr.

    Args:
        service: the failed service.
        lines: lines per file.
    """
    for log_file in service.log_files():
        tail = process.tail_lines(log_file, lines)
        if tail:
            print(f"--- last {len(tail)} lines of {log_file}", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)


def bring_down(services: list[LocalService], say: Say) -> int:
    """Stop every service (SIGTERM, then SIGKILL after a grace period).

    Args:
        services: the services.
        say: progress printer.

    Returns:
        0.
    """
    for service in reversed(services):
        began = time.monotonic()
        stopped = service.stop()
        if stopped:
            say(f"{service.name}: stopped pid {', '.join(map(str, stopped))} in {time.monotonic() - began:.1f}s")
        else:
            say(f"{service.name}: not running")
    return 0


def show_status(services: list[LocalService], say: Say) -> int:
    """Print, for each service, whether it runs, its pid, port and log files.

    Args:
        services: the services.
        say: printer.

    Returns:
        0 when every service runs and answers, 3 otherwise.
    """
    all_up = True
    for service in services:
        say(describe_service(service))
        say("    logs: " + ", ".join(str(path) for path in service.log_files()))
        all_up = all_up and service.running_pid() is not None and service.probe() is not None
    return 0 if all_up else STATUS_NOT_RUNNING


def describe_service(service: LocalService) -> str:
    """One status line: name, state, pid and address.

    Args:
        service: the service.

    Returns:
        e.g. ``kafka          running  pid 4242  127.0.0.1:9092  1 broker, cluster ...``.
    """
    address = f"{service.settings.host}:{service.port}"
    pid = service.running_pid()
    if pid is None:
        busy = service.busy_ports()
        state = f"stopped           {address}"
        if busy:
            state += f"  (port {busy[0]} is used by a process rasd did not start)"
        return f"{service.name:<14} {state}"
    answer = service.probe()
    health = answer if answer is not None else "not answering yet"
    return f"{service.name:<14} running  pid {pid:<7} {address}  {health}"
