import pytest

from rasd.escalation.explain import describe_ratio, describe_span, describe_window, join_words, list_reports, plural

JUNE_12_0600 = 1560319200


@pytest.mark.parametrize("n, expected", [(0, "0 events"), (1, "1 event"), (3, "3 events")])
def test_counts_take_the_right_number(n, expected):
    assert plural(n, "event") == expected


def test_irregular_plurals_and_lists():
    assert plural(2, "casualty", "casualties") == "2 casualties"
    assert join_words([]) == "" and join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b" and join_words(["a", "b", "c"]) == "a, b and c"


def test_windows_read_as_hours_and_a_day():
    assert describe_window(JUNE_12_0600, 6 * 3600) == "between 06:00 and 12:00 UTC on 12 June 2019"
    assert describe_window(JUNE_12_0600 + 12 * 3600, 6 * 3600) == "between 18:00 and 24:00 UTC on 12 June 2019"
    assert describe_window(JUNE_12_0600 + 12 * 3600, 12 * 3600) == (
        "between 18:00 UTC on 12 June 2019 and 06:00 UTC on 13 June 2019")


def test_spans_and_ratios():
    assert describe_span(64, 6) == "16 days" and describe_span(4, 6) == "24 hours" and describe_span(8, 6) == "2 days"
    assert describe_ratio(28.3) == "28×" and describe_ratio(3.46) == "3.5×"


def test_report_lists_end_the_reason_and_are_cut_after_five():
    assert list_reports(["a"]) == "report a"
    assert list_reports(["a", "b", "a"]) == "reports a and b"
    assert list_reports([f"r{i}" for i in range(8)]) == "reports r0, r1, r2, r3, r4 and 3 more"
    assert list_reports([]) == "no reports"
