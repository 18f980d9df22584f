"""The worker's Kafka transport: Faust's aiokafka driver with a short fetch wait.

aiokafka keeps one fetch request in flight per broker, and leaves out of it the
partitions whose records are still buffered. faust-streaming 0.15 hard-codes
``fetch_max_wait_ms=1500``, so once a stage has drained its buffer it can wait up
to 1.5 s for a fetch that covers only idle partitions to come back — with one
broker, every hop between two stages of the topology paid that wait. A short
wait costs a few empty fetches a second when the pipeline is idle.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver

FETCH_MAX_WAIT_MS = 20


class ConsumerThread(driver.AIOKafkaConsumerThread):
    """The driver's consumer thread, with the fetch wait above."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka when the consumer starts and builds its fetcher (aiokafka 0.14).
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """Faust's aiokafka transport with :class:`Consumer`."""

    Consumer = Consumer
