"""The detector on reports analysed by the real analysis: the contract of the pipeline's integration test.

The texts and times are those of ``tests/integration/test_pipeline.py`` (a burst of five violent reports
about Daraa in one window, a second burst in the next, four quiet reports about Homs on four days), run
here without Kafka or Elasticsearch so a change to the detector shows at once.
"""

import pytest

from rasd.analysis.analyzer import Analyzer
from rasd.escalation.detector import EscalationDetector
from rasd.schema import EnrichedReport, Report
from tests.integration.test_pipeline import DARAA_BURST, DARAA_SECOND_BURST, HOMS_QUIET

@pytest.fixture(scope="module")
def signals():
    analyzer = Analyzer.pretrained()
    detector = EscalationDetector.from_data()
    reports = [Report(f"homs-{day}", text, f"2024-02-{day:02d}T09:00:00Z", "SOHR")
               for day, text in enumerate(HOMS_QUIET, start=1)]
    reports += [Report(f"daraa-{i}", text, f"2024-03-01T0{7 + i // 2}:{10 * i:02d}:00Z", "SOHR")
                for i, text in enumerate(DARAA_BURST)]
    reports += [Report(f"daraa-b{i}", text, f"2024-03-01T13:{10 * i:02d}:00Z", "SOHR")
                for i, text in enumerate(DARAA_SECOND_BURST)]
    fired = []
    for report in reports:
        enriched = EnrichedReport(report, analyzer.analyze(report), "", story_id=report.id)
        fired += detector.observe(enriched, processing_time=report.published_at)
    return fired


def test_a_burst_raises_one_signal_and_the_second_burst_is_throttled(signals):
    daraa = {s.id: s for s in signals if s.key == "Daraa"}
    assert len(daraa) == 1
    (signal,) = daraa.values()
    assert signal.key_type == "governorate" and signal.level in ("medium", "high")
    assert signal.reasons and set(signal.report_ids) <= {f"daraa-{i}" for i in range(5)}
    assert signal.observed > signal.expected


def test_a_quiet_stream_raises_nothing(signals):
    assert [s for s in signals if s.key == "Homs"] == []
