import pytest

from rasd.escalation.baseline import (backfill_baseline, expected_spread, fold_through, fold_value, smoothing_factor,
                                      start_baseline, warm_factor)

HOUR6 = 6 * 3600


def test_smoothing_factor_halves_weights_every_half_life():
    alpha = smoothing_factor(28)
    assert (1 - alpha) ** 28 == pytest.approx(0.5)


def test_fold_value_moves_the_mean_towards_the_value():
    base = start_baseline(0, 0.5)
    folded = fold_value(base, 2.5, 0.5)
    assert folded["mean"] == pytest.approx(1.5) and folded["n"] == 1
    assert folded["var"] == pytest.approx(0.5 * (0.5 + 2.0 * 1.0))
    assert base["mean"] == 0.5  # the input is not mutated


def test_empty_windows_pull_the_baseline_down():
    weights = {0: 10.0}
    base = fold_through(start_baseline(0, 0.5), 10 * HOUR6, HOUR6, 0.5, lambda s: weights.get(s, 0.0))
    assert base["through"] == 10 * HOUR6 and base["n"] == 10
    assert base["mean"] == pytest.approx(5.25 * 0.5 ** 9)


def test_a_long_silence_is_skipped_once_negligible():
    calls = []

    def weight_of(start):
        calls.append(start)
        return 0.0

    base = fold_through(start_baseline(0, 0.5), 100_000 * HOUR6, HOUR6, 0.5, weight_of)
    assert base["mean"] == 0.0 and base["n"] == 100_000 and base["through"] == 100_000 * HOUR6
    assert len(calls) < 100


def test_fold_through_a_past_time_changes_nothing():
    base = start_baseline(5 * HOUR6, 0.5)
    assert fold_through(base, 2 * HOUR6, HOUR6, 0.5, lambda s: 1.0) == base


def test_expected_is_floored_and_comes_with_its_spread():
    assert expected_spread({"mean": 0.01, "var": 0.04}, 0.5) == (0.5, pytest.approx(0.2))
    assert expected_spread({"mean": 3.0, "var": 0.0}, 0.5) == (3.0, 0.0)


def test_a_young_key_averages_its_windows_before_it_forgets_slowly():
    assert warm_factor(0.0245, 0) == 0.5 and warm_factor(0.0245, 2) == 0.25
    assert warm_factor(0.0245, 100) == 0.0245
    weights = {0: 12.0, HOUR6: 10.0, 2 * HOUR6: 14.0}
    base = fold_through(start_baseline(0, 0.5), 3 * HOUR6, HOUR6, smoothing_factor(28), lambda s: weights.get(s, 0.0))
    assert base["mean"] == pytest.approx((0.5 + 12 + 10 + 14) / 4)  # the prior counts as one window


def test_backfill_counts_the_watched_windows_as_empty():
    base = backfill_baseline(10 * HOUR6, 0.5, 9, HOUR6, smoothing_factor(28))
    assert base["through"] == 10 * HOUR6 and base["n"] == 9
    assert base["mean"] == pytest.approx(0.5 / 10)
    assert backfill_baseline(10 * HOUR6, 0.5, 0, HOUR6, 0.1) == start_baseline(10 * HOUR6, 0.5)
