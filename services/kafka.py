"""Apache Kafka in KRaft mode: one process that is both broker and controller."""

from __future__ import annotations

import base64
import shutil
import socket
import struct
import subprocess
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rasd.errors import ServiceError

from .base import LocalService, render_template
from .jvm import run_maven

# A fixed, valid KRaft cluster id (16 bytes, URL-safe base64), so a wiped data folder is
# reformatted with the same id.
CLUSTER_ID = base64.urlsafe_b64encode(uuid.uuid5(uuid.NAMESPACE_URL, "rasd-local-kafka").bytes).rstrip(b"=").decode()

METADATA_API_KEY = 3
METADATA_API_VERSION = 4  # supported from Kafka 1.0 to 4.x; not a "flexible" version
CLIENT_ID = "rasd-services"


@dataclass(frozen=True)
class ClusterMetadata:
    """What a Kafka Metadata response says about the cluster.

    Attributes:
        brokers: ``(node_id, host, port)`` of each live broker.
        cluster_id: the cluster id, None when the broker does not send one.
        controller_id: node id of the active controller, -1 when unknown.
    """

    brokers: list[tuple[int, str, int]]
    cluster_id: str | None
    controller_id: int


def encode_metadata_request(correlation_id: int, client_id: str = CLIENT_ID) -> bytes:
    """Encode a Metadata v4 request for no topic, size prefix included.

    Args:
        correlation_id: echoed back by the broker.
        client_id: shows in the broker's request log.

    Returns:
        The bytes to send.
    """
    client = client_id.encode("utf-8")
    header = struct.pack(">hhih", METADATA_API_KEY, METADATA_API_VERSION, correlation_id, len(client)) + client
    body = struct.pack(">ib", 0, 0)  # topics: empty array (brokers only); allow_auto_topic_creation: false
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def decode_metadata_response(payload: bytes, correlation_id: int) -> ClusterMetadata:
    """Decode the brokers, cluster id and controller of a Metadata v4 response.

    Args:
        payload: the response without its 4-byte size prefix.
        correlation_id: the id sent with the request.

    Returns:
        The cluster metadata (topics are not decoded).

    Raises:
        ValueError: the payload is truncated or answers another request.
    """
    reader = _Reader(payload)
    if reader.int32() != correlation_id:
        raise ValueError("Kafka response answers another request")
    reader.int32()  # throttle_time_ms
    brokers = []
    for _ in range(reader.int32()):
        node_id = reader.int32()
        host = reader.string()
        port = reader.int32()
        reader.string()  # rack
        brokers.append((node_id, host or "", port))
    cluster_id = reader.string()
    controller_id = reader.int32()
    return ClusterMetadata(brokers=brokers, cluster_id=cluster_id, controller_id=controller_id)


class _Reader:
    """Big-endian reader of Kafka's classic (non-flexible) primitive types."""

    def __init__(self, data: bytes):
        self.data = data
        self.offset = 0

    def take(self, size: int) -> bytes:
        if self.offset + size > len(self.data):
            raise ValueError("truncated Kafka response")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def int32(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def string(self) -> str | None:
        size = struct.unpack(">h", self.take(2))[0]
        return None if size < 0 else self.take(size).decode("utf-8")


def request_metadata(host: str, port: int, timeout: float = 3.0) -> ClusterMetadata:
    """Send one Metadata request to a Kafka broker and decode the answer.

    Args:
        host: broker address.
        port: broker port.
        timeout: seconds for the connection and each read.

    Returns:
        The cluster metadata.

    Raises:
        OSError: the broker cannot be reached or closed the connection.
        ValueError: the answer is malformed.
    """
    correlation_id = 7
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.settimeout(timeout)
        connection.sendall(encode_metadata_request(correlation_id))
        (size,) = struct.unpack(">i", _receive(connection, 4))
        return decode_metadata_response(_receive(connection, size), correlation_id)


def _receive(connection: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = connection.recv(min(remaining, 65536))
        if not chunk:
            raise ConnectionError("Kafka closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class KafkaService(LocalService):
    """Apache Kafka (``org.apache.kafka:kafka_2.13``) run from its Maven class path."""

    name = "kafka"

    @property
    def ports(self) -> list[int]:
        return [self.settings.kafka_port, self.settings.kafka_controller_port]

    @property
    def home(self) -> Path:
        """Cache folder of this Kafka version."""
        return self.settings.cache_dir / f"kafka-{self.settings.kafka_version}"

    @property
    def lib_dir(self) -> Path:
        """Folder of the jars of the broker's class path."""
        return self.home / "lib"

    @property
    def data_dir(self) -> Path:
        """KRaft metadata log and topic partitions."""
        return self.state_dir / "data"

    @property
    def config_file(self) -> Path:
        return self.state_dir / "server.properties"

    @property
    def log4j_file(self) -> Path:
        return self.state_dir / "log4j.properties"

    @property
    def server_log(self) -> Path:
        return self.logs_dir / "server.log"

    def is_installed(self) -> bool:
        return (self.home / ".complete").is_file()

    def install(self) -> None:
        """Copy ``kafka_2.13`` and its runtime dependencies from Maven into the cache."""
        self.home.mkdir(parents=True, exist_ok=True)
        pom = self.home / "pom.xml"
        pom.write_bytes(resources.files(__package__).joinpath("kafka-pom.xml").read_bytes())
        staging = self.home / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        run_maven(
            [
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-Dkafka.version={self.settings.kafka_version}",
                f"-DoutputDirectory={staging}",
            ],
            cwd=self.home,
            what=f"org.apache.kafka:kafka_2.13:{self.settings.kafka_version}",
        )
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        staging.rename(self.lib_dir)
        (self.home / ".complete").write_text(self.settings.kafka_version + "\n", encoding="ascii")

    def render_config(self) -> str:
        """The broker's ``server.properties``."""
        return render_template(
            "kafka-server.properties",
            host=self.settings.host,
            port=self.settings.kafka_port,
            controller_port=self.settings.kafka_controller_port,
            data_dir=self.data_dir,
        )

    def prepare(self, java: Path) -> None:
        """Write the configuration and format the storage on first start."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.render_config(), encoding="utf-8")
        self.log4j_file.write_text(render_template("kafka-log4j.properties", log_file=self.server_log), encoding="utf-8")
        if not (self.data_dir / "meta.properties").is_file():
            self.format_storage(java)

    def format_storage(self, java: Path) -> None:
        """Format the KRaft storage folder with :data:`CLUSTER_ID`.

        Raises:
            ServiceError: the storage tool failed.
        """
        command = [*self.java_prefix(java), "kafka.tools.StorageTool", "format"]
        command += ["-t", CLUSTER_ID, "-c", str(self.config_file)]
        result = subprocess.run(command, cwd=self.state_dir, capture_output=True, text=True)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise ServiceError(f"kafka: formatting {self.data_dir} failed: {output}")

    def java_prefix(self, java: Path) -> list[str]:
        return [
            str(java),
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.log4j_file}",
            "-cp",
            str(self.lib_dir / "*"),
        ]

    def command(self, java: Path) -> list[str]:
        heap = self.settings.kafka_heap_opts.split()
        prefix = self.java_prefix(java)
        return [prefix[0], *heap, "-XX:+UseG1GC", *prefix[1:], "kafka.Kafka", str(self.config_file)]

    def log_files(self) -> list[Path]:
        return [self.server_log, self.console_log]

    def probe(self) -> str | None:
        try:
            metadata = request_metadata(self.settings.host, self.settings.kafka_port)
        except (OSError, ValueError):
            return None
        if not metadata.brokers:
            return None
        return f"{len(metadata.brokers)} broker, cluster {metadata.cluster_id}"
