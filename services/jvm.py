"""The two outside tools the local services need: a Java runtime and Maven."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from rasd.errors import ServiceError

MIN_JAVA = 17
JAVA_HINT = "install a Java 17+ runtime (Debian: openjdk-17-jre-headless)"
MAVEN_HINT = "install Apache Maven (Debian: maven)"
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def find_java(env: Mapping[str, str] | None = None) -> Path:
    """Locate the ``java`` launcher: ``$JAVA_HOME/bin/java`` first, then ``PATH``.

    Args:
        env: environment to read; ``os.environ`` when None.

    Returns:
        Absolute path of the launcher.

    Raises:
        ServiceError: no Java runtime was found.
    """
    env = os.environ if env is None else env
    java_home = env.get("JAVA_HOME")
    if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
        return Path(java_home) / "bin" / "java"
    found = shutil.which("java", path=env.get("PATH"))
    if found is None:
        raise ServiceError(f"java not found — {JAVA_HINT}")
    return Path(found)


def parse_java_major(version_output: str) -> int | None:
    """Read the major version from the output of ``java -version``.

    Args:
        version_output: e.g. ``openjdk version "17.0.15" 2025-04-15`` or ``java version "1.8.0_392"``.

    Returns:
        The major version (17, 21, 8 for ``1.8``), or None when unrecognised.
    """
    match = _JAVA_VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java(java: Path) -> int:
    """Check that ``java`` runs and is recent enough for Kafka and Elasticsearch.

    Args:
        java: path of the launcher.

    Returns:
        The major version.

    Raises:
        ServiceError: the launcher fails or is older than Java 17.
    """
    try:
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise ServiceError(f"cannot run {java}: {exc} — {JAVA_HINT}") from exc
    major = parse_java_major(result.stderr + result.stdout)
    if result.returncode != 0 or major is None:
        raise ServiceError(f"{java} -version failed — {JAVA_HINT}")
    if major < MIN_JAVA:
        raise ServiceError(f"{java} is Java {major}, Kafka and Elasticsearch need {MIN_JAVA}+ — {JAVA_HINT}")
    return major


def find_java_home(java: Path) -> Path:
    """Return the runtime folder of a ``java`` launcher (symlinks resolved).

    Args:
        java: e.g. ``/usr/bin/java``.

    Returns:
        The folder holding ``bin/java``, e.g. ``/usr/lib/jvm/java-17-openjdk-amd64``.
    """
    return java.resolve().parent.parent


def find_maven(env: Mapping[str, str] | None = None) -> Path:
    """Locate ``mvn`` on ``PATH``.

    Args:
        env: environment to read; ``os.environ`` when None.

    Returns:
        Absolute path of ``mvn``.

    Raises:
        ServiceError: Maven is not installed.
    """
    env = os.environ if env is None else env
    found = shutil.which("mvn", path=env.get("PATH"))
    if found is None:
        raise ServiceError(f"mvn not found — {MAVEN_HINT}")
    return Path(found)


def run_maven(arguments: Sequence[str], *, cwd: Path, what: str) -> None:
    """Run Maven quietly in batch mode; ``MAVEN_OPTS`` (e.g. ``-Dmaven.repo.local=...``) applies.

    Args:
        arguments: goals and ``-D`` options.
        cwd: working folder.
        what: what is being fetched, for the error message.

    Raises:
        ServiceError: Maven is missing or failed; the message holds its last output lines.
    """
    command = [str(find_maven()), "-q", "-B", *arguments]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise ServiceError(f"fetching {what} with Maven failed (exit {result.returncode}):\n" + "\n".join(output))
