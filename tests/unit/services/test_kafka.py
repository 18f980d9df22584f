import base64
import dataclasses
import socket
import struct
import threading

import pytest

from services.kafka import (
    CLUSTER_ID,
    KafkaService,
    decode_metadata_response,
    encode_metadata_request,
    request_metadata,
)


def _string(text):
    if text is None:
        return struct.pack(">h", -1)
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def _metadata_response(correlation_id, brokers, cluster_id="abc", controller_id=1):
    body = struct.pack(">ii", correlation_id, 0) + struct.pack(">i", len(brokers))
    for node_id, host, port in brokers:
        body += struct.pack(">i", node_id) + _string(host) + struct.pack(">i", port) + _string(None)
    body += _string(cluster_id) + struct.pack(">i", controller_id) + struct.pack(">i", 0)  # no topics
    return body


def _properties(text):
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_server_properties_make_a_single_node_kraft_cluster(settings):
    properties = _properties(KafkaService(settings).render_config())
    port, controller = settings.kafka_port, settings.kafka_controller_port
    assert properties["process.roles"] == "broker,controller"
    assert properties["controller.quorum.voters"] == f"1@127.0.0.1:{controller}"
    assert properties["listeners"] == f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}"
    assert properties["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{port}"
    assert properties["log.dirs"] == str(settings.state_dir / "kafka" / "data")
    for key in ("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "num.partitions"):
        assert properties[key] == "1"
    assert properties["auto.create.topics.enable"] == "true"
    assert properties["group.initial.rebalance.delay.ms"] == "0"


def test_cluster_id_is_a_valid_kraft_uuid():
    assert len(CLUSTER_ID) == 22
    assert len(base64.urlsafe_b64decode(CLUSTER_ID + "==")) == 16


def test_command_runs_kafka_with_small_heap_and_cached_class_path(settings, tmp_path):
    service = KafkaService(settings)
    command = service.command(tmp_path / "java")
    assert command[0] == str(tmp_path / "java")
    assert "-Xmx512m" in command
    assert command[command.index("-cp") + 1] == str(settings.cache_dir / "kafka-3.9.1" / "lib" / "*")
    assert command[-2:] == ["kafka.Kafka", str(service.config_file)]
    assert service.marker in " ".join(command)  # so `down` can recognise the process


def test_metadata_request_is_a_v4_request_for_no_topic():
    request = encode_metadata_request(42, client_id="t")
    size, api_key, version, correlation, client_len = struct.unpack(">ihhih", request[:14])
    assert size == len(request) - 4
    assert (api_key, version, correlation, client_len) == (3, 4, 42, 1)
    assert request[14:15] == b"t"
    assert request[15:] == struct.pack(">ib", 0, 0)


def test_metadata_response_decodes_brokers_and_controller():
    payload = _metadata_response(9, [(1, "127.0.0.1", 9092), (2, "h2", 9094)], cluster_id="xyz")
    metadata = decode_metadata_response(payload, 9)
    assert metadata.brokers == [(1, "127.0.0.1", 9092), (2, "h2", 9094)]
    assert metadata.cluster_id == "xyz"
    assert metadata.controller_id == 1


def test_metadata_response_rejects_other_correlation_and_truncation():
    payload = _metadata_response(9, [(1, "127.0.0.1", 9092)])
    with pytest.raises(ValueError, match="another request"):
        decode_metadata_response(payload, 10)
    with pytest.raises(ValueError, match="truncated"):
        decode_metadata_response(payload[:12], 9)


def _serve_once(reply):
    """A one-shot fake broker on 127.0.0.1; returns its port."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer():
        connection, _ = server.accept()
        with connection, server:
            header = connection.recv(4)
            request = connection.recv(struct.unpack(">i", header)[0])
            correlation_id = struct.unpack(">i", request[4:8])[0]
            payload = reply(correlation_id)
            connection.sendall(struct.pack(">i", len(payload)) + payload)

    threading.Thread(target=answer, daemon=True).start()
    return server.getsockname()[1]


def test_request_metadata_talks_to_a_broker_over_a_socket():
    port = _serve_once(lambda cid: _metadata_response(cid, [(1, "127.0.0.1", 1234)]))
    assert request_metadata("127.0.0.1", port).brokers == [(1, "127.0.0.1", 1234)]


def test_probe_is_ready_only_with_a_broker(settings):
    service = KafkaService(settings)
    assert service.probe() is None  # nothing listens on the port
    settings_port = _serve_once(lambda cid: _metadata_response(cid, []))
    empty = KafkaService(dataclasses.replace(settings, kafka_port=settings_port))
    assert empty.probe() is None
    ready_port = _serve_once(lambda cid: _metadata_response(cid, [(1, "127.0.0.1", 1)], cluster_id="C"))
    ready = KafkaService(dataclasses.replace(settings, kafka_port=ready_port))
    assert ready.probe() == "1 broker, cluster C"
