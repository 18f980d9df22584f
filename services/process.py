"""Background processes of the local services: pid files, process groups, ports.

Each service runs in its own session (``start_new_session=True``), so its pid is also the id of
a process group that holds every JVM it spawns; stopping the group stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

PROC = Path("/proc")


def read_pid(pid_file: Path) -> int | None:
    """Read the pid stored in ``pid_file``.

    Args:
        pid_file: a file holding one decimal pid.

    Returns:
        The pid, or None when the file is missing, empty or not a positive number.
    """
    try:
        text = pid_file.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pid(pid_file: Path, pid: int) -> None:
    """Record ``pid`` in ``pid_file`` (replaced atomically).

    Args:
        pid_file: destination; its folder must exist.
        pid: the process id.
    """
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n", encoding="ascii")
    tmp.replace(pid_file)


def read_proc_file(pid: int, name: str, proc: Path = PROC) -> bytes | None:
    """Read ``/proc/<pid>/<name>``.

    Args:
        pid: process id.
        name: file name, e.g. ``cmdline`` or ``stat``.
        proc: the proc filesystem root (a folder in tests).

    Returns:
        The content, or None when the process is gone or unreadable.
    """
    try:
        return (proc / str(pid) / name).read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
        return None


def iter_proc_files(name: str, proc: Path = PROC) -> Iterator[tuple[int, bytes]]:
    """Yield ``(pid, content of /proc/<pid>/<name>)`` for every process that still exists.

    Args:
        name: file name, e.g. ``cmdline``.
        proc: the proc filesystem root.
    """
    for entry in proc.iterdir():
        if entry.name.isdigit():
            content = read_proc_file(int(entry.name), name, proc)
            if content is not None:
                yield int(entry.name), content


def read_cmdline(pid: int, proc: Path = PROC) -> str | None:
    """Return the command line of a live process, arguments joined by spaces.

    Args:
        pid: process id.
        proc: the proc filesystem root.

    Returns:
        The command line, or None when the process does not exist or is a zombie.
    """
    raw = read_proc_file(pid, "cmdline", proc)
    if not raw:
        return None  # zombies and kernel threads have an empty command line
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")


def find_owned_pid(pid_file: Path, marker: str, proc: Path = PROC) -> int | None:
    """Return the pid recorded in ``pid_file`` if that process is alive and is ours.

    A pid is "ours" when its command line contains ``marker`` (a path unique to the service's
    state folder), which guards against a stale pid file whose pid was reused by another program.

    Args:
        pid_file: the service's pid file.
        marker: text that the service's command line must contain.
        proc: the proc filesystem root.

    Returns:
        The pid, or None when the file is missing or stale.
    """
    pid = read_pid(pid_file)
    if pid is None:
        return None
    cmdline = read_cmdline(pid, proc)
    return pid if cmdline is not None and marker in cmdline else None


def find_java_pids_with_marker(marker: str, proc: Path = PROC) -> list[int]:
    """List live JVMs whose command line contains ``marker``.

    Only processes whose program is ``java`` count, so that a ``tail -f`` of a service's log
    file is never mistaken for the service.

    Args:
        marker: text to look for, e.g. the path of a service's state folder.
        proc: the proc filesystem root.

    Returns:
        Pids in increasing order.
    """
    pids = []
    for pid, raw in iter_proc_files("cmdline", proc):
        program = raw.split(b"\0", 1)[0]
        if os.path.basename(program) == b"java" and marker.encode() in raw.replace(b"\0", b" "):
            pids.append(pid)
    return sorted(pids)


def list_group_pids(pgid: int, proc: Path = PROC) -> list[int]:
    """List the live (non-zombie) processes of process group ``pgid``.

    Args:
        pgid: process group id.
        proc: the proc filesystem root.

    Returns:
        Pids in increasing order.
    """
    pids = []
    for pid, stat in iter_proc_files("stat", proc):
        # Fields after the parenthesised command name (which may hold spaces): state ppid pgrp ...
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and fields[0] != b"Z" and int(fields[2]) == pgid:
            pids.append(pid)
    return sorted(pids)


def is_port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on ``host:port``.

    Args:
        host: address to connect to.
        port: TCP port.
        timeout: seconds to wait for the connection.

    Returns:
        True when a connection was accepted.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def spawn(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_file: Path,
    pid_file: Path,
) -> subprocess.Popen:
    """Start ``command`` in the background, in a new session, output to ``log_file``.

    Args:
        command: program and arguments.
        cwd: working folder.
        env: full environment of the child.
        log_file: receives stdout and stderr (truncated at each start).
        pid_file: receives the child's pid, which is also its process group id.

    Returns:
        The running child.
    """
    with open(log_file, "wb") as out:
        child = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    write_pid(pid_file, child.pid)
    return child


def stop_group(pgid: int, grace: float = 30.0, proc: Path = PROC) -> bool:
    """Stop every process of group ``pgid``: SIGTERM, then SIGKILL after ``grace`` seconds.

    Args:
        pgid: the group to stop (the pid of the session leader we spawned).
        grace: seconds allowed for a clean shutdown.
        proc: the proc filesystem root.

    Returns:
        True when the group ended within the grace period, False when it had to be killed.
    """
    if not send_group_signal(pgid, signal.SIGTERM):
        return True
    if wait_group_gone(pgid, grace, proc):
        return True
    send_group_signal(pgid, signal.SIGKILL)
    wait_group_gone(pgid, 10.0, proc)
    return False


def stop_pid(pid: int, grace: float = 30.0) -> None:
    """Stop one process: SIGTERM, then SIGKILL after ``grace`` seconds.

    Args:
        pid: the process.
        grace: seconds allowed for a clean shutdown.
    """
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while read_cmdline(pid) is not None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.2)
    except ProcessLookupError:
        pass


def send_group_signal(pgid: int, signum: int) -> bool:
    """Send ``signum`` to process group ``pgid``.

    Args:
        pgid: process group id.
        signum: signal number.

    Returns:
        False when the group no longer exists.
    """
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def wait_group_gone(pgid: int, timeout: float, proc: Path = PROC) -> bool:
    """Wait until process group ``pgid`` has no live process.

    Args:
        pgid: process group id.
        timeout: seconds to wait.
        proc: the proc filesystem root.

    Returns:
        True when the group is gone.
    """
    deadline = time.monotonic() + timeout
    while list_group_pids(pgid, proc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def tail_lines(path: Path, count: int = 30) -> list[str]:
    """Return the last ``count`` lines of a text file.

    Args:
        path: the file.
        count: how many lines.

    Returns:
        The lines without line ends; empty when the file is missing.
    """
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            data = handle.read()
    except FileNotFoundError:
        return []
    return data.decode("utf-8", "replace").splitlines()[-count:]
