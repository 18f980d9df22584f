"""Analysis: every report → analysed (or dead letter). CPU-bound, so it runs on all partitions in parallel.

With ``RASD_ANALYSIS_PROCESSES=n`` (n ≥ 1) the reports of a batch are analysed in a pool of
``n`` child processes, so a worker uses more than one core; with 0 they are analysed in the
worker's own event loop; unset or ``auto``: one fewer than the cores, at most 4. Either way the batch's messages are sent in the order the reports came.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from streams.analysis_processes import Outcome, analyse_messages, analysis_processes, warm_up
from streams.app import app
from streams.topics import analysed, dead_letter, reports

log = logging.getLogger(__name__)

BATCH_MAX = 16
BATCH_WITHIN_S = 0.01


def new_pool(processes: int) -> ProcessPoolExecutor:
    # spawn, not fork: the worker has threads (the Kafka consumer's) and a running event loop.
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)


async def analyse_batch(pool: ProcessPoolExecutor | None, processes: int, raws: list[bytes]) -> list[Outcome]:
    """The batch's outcomes in order: in-process, or split into one chunk per child process."""
    if pool is None:
        return analyse_messages(raws)
    loop = asyncio.get_running_loop()
    size = -(-len(raws) // processes)
    chunks = [raws[i:i + size] for i in range(0, len(raws), size)]
    results = await asyncio.gather(*(loop.run_in_executor(pool, analyse_messages, chunk) for chunk in chunks))
    return [outcome for chunk in results for outcome in chunk]


@app.agent(reports)
async def analyse_reports(stream):
    """Validate and analyse each report; refused ones go to the dead-letter topic with the reason."""
    try:
        processes = analysis_processes(os.environ.get("RASD_ANALYSIS_PROCESSES"), os.cpu_count())
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    pool = new_pool(processes) if processes else None
    if pool is None:
        warm_up()
    try:
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            raws = [event.value for event in events]
            try:
                outcomes = await analyse_batch(pool, processes, raws)
            except BrokenProcessPool:  # a child died (killed, out of memory): start afresh, redo the batch
                log.error("analysis process pool broke; restarting it processes=%d", processes)
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool(processes)
                outcomes = await analyse_batch(pool, processes, raws)
            for event, (kind, key, value) in zip(events, outcomes):
                if kind == "refused":
                    log.warning("report refused key=%s reason=%s", event.key, key.decode("utf-8", "replace"))
                    await dead_letter.send(key=event.key, value=value)
                else:
                    await analysed.send(key=key, value=value)
            yield len(events)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
