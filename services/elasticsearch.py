"""Elasticsearch from the ``integ-test-zip`` distribution on Maven Central.

That zip holds the server, the transport and x-pack core and security modules, but no bundled
JDK and no ``analysis-common`` (so no ``arabic`` analyzer): indices must declare their own
analysis from the built-in tokenizers and filters.

Elasticsearch refuses to run as root and has no switch to allow it. When this process is root,
the server runs inside a user namespace (``unshare --user``) where it sees an ordinary uid; outside
the namespace its files stay owned by root, so the cache and state folders need no changes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import urllib.request
import zipfile
from pathlib import Path

from rasd.errors import ServiceError

from .base import LocalService, render_template
from .jvm import find_java_home, run_maven

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
NAMESPACE_UID = 65534  # the uid Elasticsearch sees inside the user namespace ("nobody")
READY_STATUSES = ("yellow", "green")


def extract_zip(archive: Path, destination: Path) -> None:
    """Unpack ``archive`` into ``destination``, keeping the files' Unix permission bits.

    Args:
        archive: a zip file made on Unix (``bin/`` scripts must stay executable).
        destination: folder to unpack into.
    """
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            target = Path(bundle.extract(info, destination))
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                target.chmod(mode | stat.S_IRUSR)


def user_namespace_prefix(euid: int, unshare: str | None) -> list[str]:
    """The command prefix that keeps Elasticsearch from running as root.

    Args:
        euid: effective uid of this process.
        unshare: path of ``unshare`` (util-linux), None when missing.

    Returns:
        An empty list when not root, else the ``unshare`` command mapping root to an ordinary uid.

    Raises:
        ServiceError: running as root without ``unshare``.
    """
    if euid != 0:
        return []
    if unshare is None:
        raise ServiceError(
            "elasticsearch: refuses to run as root and unshare was not found — install util-linux, "
            "or run rasd services as an unprivileged user"
        )
    return [unshare, "--user", f"--map-user={NAMESPACE_UID}", f"--map-group={NAMESPACE_UID}"]


def check_user_namespaces(prefix: list[str]) -> None:
    """Check that the user namespace of ``prefix`` can be created here.

    Args:
        prefix: output of :func:`user_namespace_prefix`.

    Raises:
        ServiceError: the kernel or a sandbox forbids unprivileged user namespaces.
    """
    if not prefix:
        return
    result = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if result.returncode != 0:
        raise ServiceError(
            "elasticsearch: refuses to run as root, and a user namespace to run it as another uid "
            f"could not be made ({result.stderr.strip()}); run rasd services as an unprivileged user"
        )


class ElasticsearchService(LocalService):
    """One Elasticsearch node for development and tests."""

    name = "elasticsearch"

    @property
    def ports(self) -> list[int]:
        return [self.settings.es_port]

    @property
    def home(self) -> Path:
        """Unpacked distribution in the cache."""
        return self.settings.cache_dir / f"elasticsearch-{self.settings.es_version}"

    @property
    def config_dir(self) -> Path:
        """``ES_PATH_CONF``: a per-state copy of the distribution's config folder."""
        return self.state_dir / "config"

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def tmp_dir(self) -> Path:
        return self.state_dir / "tmp"

    @property
    def server_log(self) -> Path:
        """Elasticsearch's own log, named after ``cluster.name``."""
        return self.logs_dir / "rasd-local.log"

    def is_installed(self) -> bool:
        return (self.home / ".complete").is_file()

    def install(self) -> None:
        """Fetch the zip with Maven and unpack it into the cache."""
        version = self.settings.es_version
        downloads = self.settings.cache_dir / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        artifact = ARTIFACT.format(version=version)
        run_maven(["dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={downloads}"], cwd=downloads, what=artifact)
        archive = downloads / f"elasticsearch-{version}.zip"
        staging = self.settings.cache_dir / f"elasticsearch-{version}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            extract_zip(archive, staging)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ServiceError(f"elasticsearch: cannot unpack {archive}: {exc}") from exc
        shutil.rmtree(self.home, ignore_errors=True)
        (staging / f"elasticsearch-{version}").rename(self.home)
        shutil.rmtree(staging)
        archive.unlink()  # Maven's local repository keeps a copy
        (self.home / ".complete").write_text(version + "\n", encoding="ascii")

    def render_config(self) -> str:
        """The node's ``elasticsearch.yml``; paths are quoted as YAML strings."""
        return render_template(
            "elasticsearch.yml",
            host=self.settings.host,
            port=self.settings.es_port,
            data_dir=json.dumps(str(self.data_dir)),
            logs_dir=json.dumps(str(self.logs_dir)),
        )

    def prepare(self, java: Path) -> None:
        """Copy the distribution's config folder on first start, then write ``elasticsearch.yml``."""
        for folder in (self.logs_dir, self.data_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if not (self.config_dir / "jvm.options").is_file():
            shutil.copytree(self.home / "config", self.config_dir, dirs_exist_ok=True)
        (self.config_dir / "elasticsearch.yml").write_text(self.render_config(), encoding="utf-8")
        check_user_namespaces(self.command_prefix())

    def command_prefix(self) -> list[str]:
        return user_namespace_prefix(os.geteuid(), shutil.which("unshare"))

    def command(self, java: Path) -> list[str]:
        return [*self.command_prefix(), str(self.home / "bin" / "elasticsearch")]

    def environment(self, java: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_HOME")}
        env.update(
            ES_JAVA_HOME=str(find_java_home(java)),
            ES_PATH_CONF=str(self.config_dir),
            ES_TMPDIR=str(self.tmp_dir),
            ES_JAVA_OPTS=self.settings.es_heap_opts,
        )
        return env

    def log_files(self) -> list[Path]:
        return [self.server_log, self.console_log]

    def probe(self) -> str | None:
        url = f"http://{self.settings.host}:{self.settings.es_port}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                status = json.load(response).get("status")
        except (OSError, ValueError):  # URLError and HTTPError are OSErrors
            return None
        return status if status in READY_STATUSES else None
