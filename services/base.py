"""What every local service shares: its folders, pid file, start, stop and readiness probe."""

from __future__ import annotations

import os
import subprocess
from importlib import resources
from pathlib import Path
from string import Template

from rasd.errors import ServiceError

from . import process
from .settings import ServicesSettings


def render_template(name: str, **values: object) -> str:
    """Fill a template shipped in this package (``$name`` placeholders, ``$$`` for a dollar).

    Args:
        name: file name inside the ``services`` package, e.g. ``kafka-server.properties``.
        **values: placeholder values.

    Returns:
        The rendered text.

    Raises:
        KeyError: a placeholder has no value.
    """
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return Template(text).substitute({key: str(value) for key, value in values.items()})


class LocalService:
    """One server process started and stopped by ``rasd services``.

    Subclasses set ``name`` and implement ``ports``, ``is_installed``, ``install``, ``prepare``,
    ``command``, ``environment``, ``log_files`` and ``probe``.
    """

    name: str = ""

    def __init__(self, settings: ServicesSettings):
        self.settings = settings

    @property
    def state_dir(self) -> Path:
        """Folder of this service's data, configuration, pid file and logs."""
        return self.settings.state_dir / self.name

    @property
    def logs_dir(self) -> Path:
        """Folder of this service's log files."""
        return self.state_dir / "logs"

    @property
    def pid_file(self) -> Path:
        """File holding the pid (and process group id) of the running service."""
        return self.state_dir / f"{self.name}.pid"

    @property
    def console_log(self) -> Path:
        """File receiving the process's stdout and stderr."""
        return self.logs_dir / f"{self.name}.out"

    @property
    def marker(self) -> str:
        """Text found in the command line of each of this service's JVMs (its state folder)."""
        return str(self.state_dir) + os.sep

    @property
    def port(self) -> int:
        """The port clients use."""
        return self.ports[0]

    @property
    def ports(self) -> list[int]:
        """Every port the service binds on ``settings.host``, the client port first."""
        raise NotImplementedError

    def is_installed(self) -> bool:
        """Tell whether the distribution is in the cache."""
        raise NotImplementedError

    def install(self) -> None:
        """Fetch the distribution into the cache (with Maven)."""
        raise NotImplementedError

    def prepare(self, java: Path) -> None:
        """Write configuration and initialise storage before a start."""
        raise NotImplementedError

    def command(self, java: Path) -> list[str]:
        """The command line that runs the service in the foreground."""
        raise NotImplementedError

    def environment(self, java: Path) -> dict[str, str]:
        """The full environment of the service process."""
        return dict(os.environ)

    def log_files(self) -> list[Path]:
        """Log files worth reading, the main one first."""
        raise NotImplementedError

    def probe(self) -> str | None:
        """Ask the service whether it serves clients.

        Returns:
            A short description such as ``green`` when it does, None when it does not (yet).
        """
        raise NotImplementedError

    def running_pid(self) -> int | None:
        """The pid of this service's live process from its pid file, None when not running."""
        return process.find_owned_pid(self.pid_file, self.marker)

    def busy_ports(self) -> list[int]:
        """Ports of this service that something already listens on."""
        return [port for port in self.ports if process.is_port_open(self.settings.host, port)]

    def start(self, java: Path) -> subprocess.Popen:
        """Start the service in the background and record its pid.

        Args:
            java: the Java launcher.

        Returns:
            The running child process.

        Raises:
            ServiceError: the process could not be started.
        """
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        command = self.command(java)
        try:
            return process.spawn(
                command,
                cwd=self.state_dir,
                env=self.environment(java),
                log_file=self.console_log,
                pid_file=self.pid_file,
            )
        except OSError as exc:
            raise ServiceError(f"{self.name}: cannot run {command[0]}: {exc}") from exc

    def stop(self, grace: float = 30.0) -> list[int]:
        """Stop the service: the process group from its pid file, then any stray JVM of ours.

        A stray is a JVM whose command line carries this service's marker but whose pid file was
        lost (e.g. the state folder was wiped while it ran); it is stopped on its own, never by
        group, so that a shell script that happened to start it is left alone.

        Args:
            grace: seconds allowed for a clean shutdown before SIGKILL.

        Returns:
            The pids that were signalled (empty when nothing ran).
        """
        stopped = []
        pid = self.running_pid()
        if pid is not None:
            process.stop_group(pid, grace)
            stopped.append(pid)
        for stray in process.find_java_pids_with_marker(self.marker):
            process.stop_pid(stray, grace)
            stopped.append(stray)
        self.pid_file.unlink(missing_ok=True)
        return stopped
