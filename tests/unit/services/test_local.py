from services import local


def test_unknown_action_fails_with_a_message(settings, capsys):
    assert local.run_command("restart", settings=settings) == 1
    assert "unknown action 'restart'" in capsys.readouterr().err


def test_status_of_stopped_services_lists_ports_and_logs(settings, capsys):
    assert local.run_command("status", settings=settings) == local.STATUS_NOT_RUNNING
    out = capsys.readouterr().out
    assert f"kafka          stopped           127.0.0.1:{settings.kafka_port}" in out
    assert f"127.0.0.1:{settings.es_port}" in out
    assert str(settings.state_dir / "kafka" / "logs" / "server.log") in out
    assert str(settings.state_dir / "elasticsearch" / "logs" / "rasd-local.log") in out


def test_up_without_java_says_what_to_install(settings, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert local.run_command("up", settings=settings) == 1
    err = capsys.readouterr().err.strip()
    assert err == "rasd services: java not found — install a Java 17+ runtime (Debian: openjdk-17-jre-headless)"


def test_down_with_nothing_running_is_harmless(settings, capsys):
    assert local.run_command("down", settings=settings) == 0
    assert "kafka: not running" in capsys.readouterr().out


def test_quiet_prints_nothing(settings, capsys):
    local.run_command("status", quiet=True, settings=settings)
    assert capsys.readouterr().out == ""


def test_services_are_registered_by_name():
    assert list(local.SERVICES) == ["kafka", "elasticsearch"]
    assert all(factory.name == name for name, factory in local.SERVICES.items())
