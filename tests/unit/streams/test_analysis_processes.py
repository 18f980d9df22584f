import pytest

from streams.analysis_processes import analysis_processes


@pytest.mark.parametrize("raw, cores, expected", [
    (None, 2, 1), ("auto", 2, 1), ("AUTO", 8, 4), ("", 16, 4), (None, 1, 0), (None, None, 0),
    ("0", 8, 0), ("3", 2, 3),
])
def test_count_or_auto(raw, cores, expected):
    assert analysis_processes(raw, cores) == expected


@pytest.mark.parametrize("raw", ["two", "1.5", "-1"])
def test_anything_else_is_refused_with_the_variable_named(raw):
    with pytest.raises(ValueError, match="RASD_ANALYSIS_PROCESSES"):
        analysis_processes(raw, 2)
