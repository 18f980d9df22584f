import math

from benchmarks.pipeline import steady_rate


def test_steady_rate_leaves_out_ramp_up_and_drain():
    # 100 reports: the first 10 trickle in over 5 s, 80 at 50/s, the last 10 after a 3 s drain
    times = [i * 0.5 for i in range(10)] + [5 + i * 0.02 for i in range(80)] + [10 + i * 0.3 for i in range(10)]
    assert math.isclose(steady_rate(times), 79 / (times[89] - times[10]))
    assert 49 < steady_rate(times) < 51
    assert len(times) / (times[-1] - times[0]) < 10  # the whole-burst rate would say under 10/s


def test_too_few_reports_give_no_rate():
    assert math.isnan(steady_rate([0.0, 1.0, 2.0]))
