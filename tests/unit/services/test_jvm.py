import pytest

from rasd.errors import ServiceError
from services.jvm import check_java, find_java, find_maven, parse_java_major


def test_missing_java_names_what_to_install(tmp_path):
    with pytest.raises(ServiceError) as error:
        find_java({"PATH": str(tmp_path)})
    assert str(error.value) == "java not found — install a Java 17+ runtime (Debian: openjdk-17-jre-headless)"


def test_java_home_wins_over_path(tmp_path):
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    assert find_java({"JAVA_HOME": str(tmp_path / "jdk"), "PATH": ""}) == java


def test_missing_maven_names_what_to_install(tmp_path):
    with pytest.raises(ServiceError, match=r"^mvn not found — install Apache Maven \(Debian: maven\)$"):
        find_maven({"PATH": str(tmp_path)})


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ("no version here", None),
    ],
)
def test_parse_java_major(output, major):
    assert parse_java_major(output) == major


def test_old_java_is_refused(tmp_path):
    java = tmp_path / "java"
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.2"\' >&2\n')
    java.chmod(0o755)
    with pytest.raises(ServiceError, match="Java 11.*need 17"):
        check_java(java)
