from collections import defaultdict

from faust.types import TP
from intervaltree import IntervalTree
from mode.utils.queues import FlowControlQueue

from streams.transport import Consumer, FlowControl

REPORTS = TP("rasd.reports", 1)
SUBSCRIPTIONS = TP("rasd.subscriptions", 0)


def test_resuming_flow_that_was_not_suspended_keeps_the_queued_messages():
    flow = FlowControl()
    queue = FlowControlQueue(flow_control=flow, clear_on_resume=True)
    flow.resume()  # the worker starts suspended
    queue.put_nowait("offset 11")
    flow.resume()  # what recovery calls again after seeking
    assert queue.qsize() == 1
    flow.suspend()
    flow.resume()  # after a real suspension (a rebalance) what was queued is stale
    assert queue.qsize() == 0


def _consumer(committed: dict, acked: dict) -> Consumer:
    consumer = object.__new__(Consumer)  # only the offset bookkeeping, no Kafka
    consumer._committed_offset = defaultdict(lambda: None, committed)
    consumer._acked = defaultdict(list, {tp: list(offsets) for tp, offsets in acked.items()})
    consumer._acked_index = defaultdict(set, {tp: set(offsets) for tp, offsets in acked.items()})
    consumer._gap = defaultdict(IntervalTree)
    consumer._holes_reported = set()
    consumer.transport = type("T", (), {"compacted_topics": frozenset({SUBSCRIPTIONS.topic})})()
    return consumer


def test_no_commit_past_an_offset_that_was_never_acknowledged():
    consumer = _consumer({REPORTS: 11}, {REPORTS: [12, 13]})
    assert consumer._new_offset(REPORTS) is None
    consumer._acked[REPORTS].append(11)
    assert consumer._new_offset(REPORTS) == 14


def test_contiguous_acknowledgements_and_compacted_topics_commit_as_before():
    consumer = _consumer({REPORTS: 11, SUBSCRIPTIONS: 4}, {REPORTS: [11, 12], SUBSCRIPTIONS: [5]})
    assert consumer._new_offset(REPORTS) == 13
    assert consumer._new_offset(SUBSCRIPTIONS) == 6  # offset 4 compacted away: Faust's own rule applies
