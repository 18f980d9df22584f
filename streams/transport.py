"""The worker's Kafka transport and stream flow control: Faust's, with a short fetch wait and two gaps in
at-least-once closed.

aiokafka keeps one fetch request in flight per broker, and leaves out of it the
partitions whose records are still buffered. faust-streaming 0.15 hard-codes
``fetch_max_wait_ms=1500``, so once a stage had drained its buffer it could wait up
to 1.5 s for a fetch covering only idle partitions to come back — with one broker,
every hop between two stages paid that wait. :class:`ConsumerThread` waits
``FETCH_MAX_WAIT_MS``; an idle worker then makes a few empty fetches a second.

The gaps were found with a worker killed by SIGKILL and restarted while reports kept coming
(``tests/integration/test_faults.py``, faust-streaming 0.15.3): one report in a few
runs was never analysed, yet its offset was committed.

1. When a worker has recovered its tables it resumes the stream partitions, seeks
   them to the committed offsets and then calls ``flow_control.resume()``, which
   empties every stream queue — also when flow was never suspended. Messages fetched
   during the seek were dropped from the queues after their read offsets had moved
   on, so their fetch again after the seek was skipped as already read.
   :class:`FlowControl` empties the queues only when flow really was suspended (a
   rebalance suspends it and empties them then).
2. A partition's commit may skip the offset right after the committed one when that
   offset was never acknowledged (the check allows a head gap of one). For topics
   whose offsets are contiguous (not compacted, no transactions: all of rasd's but the
   subscriptions topic) :class:`Consumer` commits nothing past an offset that was not
   acknowledged, and logs it: a restart reprocesses it instead of losing it.
"""

from __future__ import annotations

import logging
from typing import Any

from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from mode.utils.queues import FlowControlEvent

log = logging.getLogger(__name__)

FETCH_MAX_WAIT_MS = 20


class FlowControl(FlowControlEvent):
    """``app.flow_control`` that empties the stream queues only on a suspended → active change."""

    def resume(self) -> None:
        if self.is_active():
            return  # already flowing: what the queues hold is current, not left over from a rebalance
        super().resume()


class ConsumerThread(driver.AIOKafkaConsumerThread):
    """The driver's consumer thread, with the fetch wait above."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka 0.14 when the consumer starts and builds its fetcher.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(driver.Consumer):
    """The driver's consumer: :class:`ConsumerThread`, and never committing past an unacknowledged offset of a
    contiguous topic."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._holes_reported: set[tuple[TP, int]] = set()

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _new_offset(self, tp: TP) -> int | None:
        acked, committed = self._acked[tp], self._committed_offset[tp]
        compacted = getattr(self.transport, "compacted_topics", frozenset())
        if acked and committed is not None and tp.topic not in compacted and min(acked) > committed:
            key = (tp, committed)
            if key not in self._holes_reported:
                self._holes_reported.add(key)
                log.error("not committing past offset %d of %s:%d: it was never acknowledged (acknowledged from %d);"
                          " a restart will process it", committed, tp.topic, tp.partition, min(acked))
            return None
        return super()._new_offset(tp)


class Transport(driver.Transport):
    """Faust's aiokafka transport with :class:`Consumer`.

    Args:
        compacted_topics: names of compacted topics, whose offsets may skip.
    """

    Consumer = Consumer

    def __init__(self, *args: Any, compacted_topics: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.compacted_topics = compacted_topics
