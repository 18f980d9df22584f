"""The webhook latency script: its percentile and a short real run on loopback."""

from __future__ import annotations

from delivery.bench import main, percentile


def test_percentile_nearest_rank():
    assert percentile([4, 1, 3, 2], 0.5) == 2
    assert percentile(list(range(1, 101)), 0.95) == 95
    assert percentile([7.0], 0.95) == 7.0


def test_short_run_reports_latencies_and_only_good_signatures(capsys):
    assert main(["--alerts", "5"]) == 0
    out = capsys.readouterr().out
    assert "webhook sequential n=5 p50=" in out and "p95=" in out
    assert "receiver signatures good=11 bad=0" in out
