import os
import socket
import subprocess
import sys

from services import process


def _fake_process(proc, pid, argv, state="S", pgrp=None, comm="java"):
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    (folder / "cmdline").write_bytes(b"\0".join(arg.encode() for arg in argv) + b"\0" if argv else b"")
    (folder / "stat").write_text(f"{pid} ({comm}) {state} 1 {pgrp or pid} {pgrp or pid} 0 -1\n")


def test_read_pid_ignores_missing_and_garbage(tmp_path):
    pid_file = tmp_path / "x.pid"
    assert process.read_pid(pid_file) is None
    pid_file.write_text("garbage\n")
    assert process.read_pid(pid_file) is None
    process.write_pid(pid_file, 4242)
    assert process.read_pid(pid_file) == 4242


def test_owned_pid_needs_a_live_process_carrying_the_marker(tmp_path):
    proc = tmp_path / "proc"
    _fake_process(proc, 100, ["/usr/bin/java", "-cp", "x", "kafka.Kafka", "/state/kafka/server.properties"])
    _fake_process(proc, 200, ["/usr/bin/python3", "other.py"])
    _fake_process(proc, 300, [], state="Z")  # zombie: empty command line
    pid_file = tmp_path / "kafka.pid"
    for pid, expected in [(100, 100), (200, None), (300, None), (400, None)]:
        pid_file.write_text(f"{pid}\n")
        assert process.find_owned_pid(pid_file, "/state/kafka/", proc) == expected


def test_stray_search_finds_only_jvms(tmp_path):
    proc = tmp_path / "proc"
    _fake_process(proc, 10, ["/usr/lib/jvm/x/bin/java", "-Des.path.conf=/state/elasticsearch/config"])
    _fake_process(proc, 11, ["tail", "-f", "/state/elasticsearch/logs/rasd-local.log"])
    _fake_process(proc, 12, ["/usr/bin/java", "-cp", "/elsewhere"])
    assert process.find_java_pids_with_marker("/state/elasticsearch/", proc) == [10]


def test_group_listing_skips_zombies_and_odd_names(tmp_path):
    proc = tmp_path / "proc"
    _fake_process(proc, 20, ["java"], pgrp=20)
    _fake_process(proc, 21, ["java"], pgrp=20, comm="C2 Compiler) x")
    _fake_process(proc, 22, ["java"], pgrp=20, state="Z")
    _fake_process(proc, 23, ["sh"], pgrp=99)
    assert process.list_group_pids(20, proc) == [20, 21]


def test_port_detection():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert process.is_port_open("127.0.0.1", port)
    assert not process.is_port_open("127.0.0.1", port)


def test_spawned_group_is_stopped_with_its_children(tmp_path):
    # A parent that starts a child, like the Elasticsearch launcher starting the server JVM.
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    child = process.spawn(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=os.environ,
        log_file=tmp_path / "out.log",
        pid_file=tmp_path / "svc.pid",
    )
    assert process.read_pid(tmp_path / "svc.pid") == child.pid
    assert os.getpgid(child.pid) == child.pid  # its own process group
    assert not process.wait_group_gone(child.pid, 0.5)  # both processes still run
    assert process.stop_group(child.pid, grace=10.0)
    child.wait(timeout=5)
    assert process.list_group_pids(child.pid) == []


def test_tail_lines(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert process.tail_lines(log, 3) == ["line 97", "line 98", "line 99"]
    assert process.tail_lines(tmp_path / "missing.log") == []
