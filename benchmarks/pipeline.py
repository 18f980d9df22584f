"""End-to-end pipeline benchmark on the real Kafka and Elasticsearch (``make bench``).

For each mode — the full analysis, and the same pipeline with the analysis replaced by
identity (``RASD_ANALYSIS=identity``) — it starts a Faust worker and the indexer in a
namespace of their own, subscribes to everything, then:

- sends ``--warmup`` reports through it first, unmeasured (JVM warm-up);
- offers seed-size reports at a fixed rate and measures, per report, produce → searchable
  in Elasticsearch and produce → alert on the alerts topic (p50/p95/p99);
- offers a burst far above capacity and measures the sustained end-to-end throughput
  (reports becoming searchable per second while the pipeline runs full, and over the
  whole burst from the first sent to the last searchable);
- during the burst, counts the CPU seconds of each process (the workers with their analysis
  processes, the indexer, Kafka, Elasticsearch, this benchmark) and of the whole machine
  (Linux ``/proc``), so a figure taken on a shared machine can be read for what it is.

Run with the services up: ``rasd services up && python -m benchmarks.pipeline``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from rasd.settings import Settings
from services.elasticsearch import ElasticsearchService
from services.kafka import KafkaService
from services.rasd_processes import RasdProcesses
from streams.analysis_processes import analysis_processes
from services.settings import ServicesSettings

REPO = Path(__file__).resolve().parents[1]
SEED = (REPO / ".." / "shared" / "seed" / "sohr-2018-08-idlib-negotiations.txt").resolve()
TOWNS = ["سراقب", "معرة النعمان", "أريحا", "جسر الشغور", "كفرنبل", "خان شيخون", "الأتارب", "سرمدا", "حارم", "كنصفرة"]


def seed_text() -> str:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8")
    from rasd.resources import data_path

    for line in data_path("samples/reports.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            return json.loads(line)["text"]
        except (ValueError, KeyError):
            continue
    raise SystemExit("no seed-size sample report found")


def make_report(run: str, i: int, base: str) -> dict:
    """A seed-size report, distinct per index (its lead sentence names a town and a number)."""
    lead = f"قصف مدفعي على مدينة {TOWNS[i % len(TOWNS)]} في ريف إدلب صباح اليوم، في التقرير {i}.\n"
    return {"id": f"{run}-{i:05d}", "text": lead + base, "source": "bench",
            "published_at": f"2024-06-{1 + (i // 200) % 28:02d}T{(i // 10) % 24:02d}:00:00Z"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Tracker:
    """Send times, and when each report became searchable and alerted."""

    sent: dict[str, float] = field(default_factory=dict)
    indexed: dict[str, float] = field(default_factory=dict)
    alerted: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def watch_alerts(settings: Settings, tracker: Tracker, stop: threading.Event) -> None:
    consumer = KafkaConsumer(settings.topics.alerts, bootstrap_servers=settings.kafka_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             # the broker answers a fetch as soon as a record arrives; the wait only bounds
                             # empty fetches, which at 10 ms cost the broker and this process ~100 a second
                             fetch_max_wait_ms=250,
                             check_crcs=False)  # kafka-python checks CRCs in pure Python: the benchmark's own CPU
    try:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=50).values():
                now = time.monotonic()
                for record in records:
                    report_id = json.loads(record.value).get("report_id")
                    with tracker.lock:
                        tracker.alerted.setdefault(report_id, now)
    finally:
        consumer.close()


def watch_index(settings: Settings, tracker: Tracker, stop: threading.Event) -> None:
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=10)
    while not stop.is_set():
        with tracker.lock:
            pending = [rid for rid in tracker.sent if rid not in tracker.indexed][:1000]
        if pending:
            response = es.options(ignore_status=(404, 503)).search(
                index=settings.indices.reports, query={"ids": {"values": pending}}, size=len(pending), source=False,
                filter_path="hits.hits._id")
            now = time.monotonic()
            if response.meta.status == 200:
                with tracker.lock:
                    for hit in response.body.get("hits", {}).get("hits", ()):
                        tracker.indexed.setdefault(hit["_id"], now)
        # 50 ms between polls while few are pending (the latency runs); under a burst's backlog a
        # search for 1,000 ids every 50 ms would take Elasticsearch's CPU from the pipeline measured,
        # and 250 ms is still small next to a burst of tens of seconds.
        time.sleep(0.05 if len(pending) < 100 else 0.25)
    es.close()


def offer(producer: KafkaProducer, settings: Settings, tracker: Tracker, reports: list[dict], rate: float) -> None:
    """Produce at a fixed rate (reports per second), recording each send time."""
    started = time.monotonic()
    for n, report in enumerate(reports):
        due = started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with tracker.lock:
            tracker.sent[report["id"]] = time.monotonic()
        producer.send(settings.topics.reports, key=report["id"].encode(),
                      value=json.dumps(report, ensure_ascii=False).encode())
    producer.flush()


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process tree so far (0 when gone)."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / tick, sum(fields) / tick


@dataclass
class CpuMeter:
    """CPU seconds per process between :meth:`start` and :meth:`stop`, and of the machine as a whole."""

    pids: dict[str, int]
    started: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.started = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.started["benchmark"] = time.process_time()
        self.started["machine"], self.started["machine_total"] = machine_busy()

    def stop(self) -> None:
        self.used = {name: cpu_seconds(pid) - self.started[name] for name, pid in self.pids.items()}
        self.used["benchmark"] = time.process_time() - self.started["benchmark"]
        busy, total = machine_busy()
        self.used["machine"] = busy - self.started["machine"]
        self.used["machine_share"] = self.used["machine"] / max(total - self.started["machine_total"], 1e-9)
        self.used["others"] = self.used["machine"] - sum(v for k, v in self.used.items()
                                                         if k not in ("machine", "machine_share"))


def meter_for(processes: RasdProcesses) -> CpuMeter | None:
    """A CPU meter over the rasd processes and the local Kafka and Elasticsearch (None without ``/proc``)."""
    if not Path("/proc/stat").exists():
        return None
    pids = {name: proc.pid for name, proc in processes.procs.items()}
    services = ServicesSettings.from_env()
    for name, service in (("kafka", KafkaService(services)), ("elasticsearch", ElasticsearchService(services))):
        pid = service.running_pid()
        if pid is not None:
            pids[name] = pid
    return CpuMeter(pids)


def steady_rate(times: list[float], low: float = 0.1, high: float = 0.9) -> float:
    """Reports per second while the pipeline ran full: between the moments ``low`` and ``high`` of the
    burst had become searchable (the ramp-up and the drain — the last bulk, the 1 s refresh, the
    poll — are left out, as they are in any sustained-throughput figure)."""
    if len(times) < 10:
        return float("nan")
    first, last = int(low * len(times)), int(high * len(times)) - 1
    return (last - first) / max(times[last] - times[first], 1e-9)


def wait_done(tracker: Tracker, ids: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tracker.lock:
            if all(i in tracker.indexed and i in tracker.alerted for i in ids):
                return True
        time.sleep(0.2)
    return False


def run_mode(mode: str, args: argparse.Namespace, base: str) -> dict[str, float]:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env(namespace=namespace, topic_partitions=args.partitions)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_servers)
    admin.create_topics([NewTopic(t, settings.topics.partitions_of(t), 1, topic_configs=settings.topics.config_of(t))
                         for t in settings.topics.all()])
    workdir = Path(tempfile.mkdtemp(prefix=f"rasd-bench-{mode}-"))
    env = {"RASD_ANALYSIS_PROCESSES": args.analysis_processes}
    if mode == "identity":
        env["RASD_ANALYSIS"] = "identity"
    processes = RasdProcesses(settings, workdir, env)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_servers, acks="all", linger_ms=0)
    tracker, stop = Tracker(), threading.Event()
    threads = [threading.Thread(target=watch_alerts, args=(settings, tracker, stop), daemon=True),
               threading.Thread(target=watch_index, args=(settings, tracker, stop), daemon=True)]
    result: dict[str, float] = {}
    try:
        for w in range(args.workers):
            processes.start(f"worker{w}", "worker")
        processes.start("indexer", "index")
        everything = {"id": "bench-all", "owner": "bench", "name": "everything", "min_severity": "low"}
        producer.send(settings.topics.subscriptions, key=b"bench-all", value=json.dumps(everything).encode())
        for t in threads:
            t.start()
        warm = [make_report(f"{namespace}w", i, base) for i in range(5)]
        offer(producer, settings, tracker, warm, rate=5)
        if not wait_done(tracker, [r["id"] for r in warm], 240):
            raise SystemExit(f"[{mode}] the pipeline did not come up; see logs in {workdir}")
        # Warm-up, not measured: the services' JIT compilers (Kafka's and Elasticsearch's JVMs, just
        # started by `make bench`) and the pipeline reach their steady state, as on a running system.
        warm_up = [make_report(f"{namespace}u", i, base) for i in range(args.warmup)]
        offer(producer, settings, tracker, warm_up, rate=args.burst_rate)
        wait_done(tracker, [r["id"] for r in warm_up], 600)

        # Latency at a fixed offered load.
        latency_reports = [make_report(f"{namespace}l", i, base) for i in range(int(args.rate * args.seconds))]
        offer(producer, settings, tracker, latency_reports, rate=args.rate)
        ids = [r["id"] for r in latency_reports]
        complete = wait_done(tracker, ids, 120)
        with tracker.lock:
            to_index = [tracker.indexed[i] - tracker.sent[i] for i in ids if i in tracker.indexed]
            to_alert = [tracker.alerted[i] - tracker.sent[i] for i in ids if i in tracker.alerted]
        result.update({f"index_p{q}": percentile(to_index, q) for q in (50, 95, 99)})
        result.update({f"alert_p{q}": percentile(to_alert, q) for q in (50, 95, 99)})
        result["latency_complete"] = float(complete)

        # Throughput under a burst above capacity.
        burst = [make_report(f"{namespace}b", i, base) for i in range(args.burst)]
        meter = meter_for(processes)
        if meter is not None:
            meter.start()
        offer(producer, settings, tracker, burst, rate=args.burst_rate)
        ids = [r["id"] for r in burst]
        complete = wait_done(tracker, ids, 600)
        if meter is not None:
            meter.stop()
            result.update({f"cpu_{name}": seconds for name, seconds in meter.used.items()})
        with tracker.lock:
            first = min(tracker.sent[i] for i in ids)
            last = max(tracker.indexed.get(i, time.monotonic()) for i in ids)
            done = sum(1 for i in ids if i in tracker.indexed)
            times = sorted(tracker.indexed[i] for i in ids if i in tracker.indexed)
        result["throughput_whole"] = done / (last - first)
        result["throughput"] = steady_rate(times)
        result["throughput_complete"] = float(complete)
    finally:
        stop.set()
        processes.stop_all()
        producer.close()
        es = Elasticsearch(settings.elasticsearch_url)
        es.options(ignore_status=404).indices.delete(index=f"{namespace}-*")
        for alias in settings.indices.all():
            es.options(ignore_status=404).indices.delete_index_template(name=alias)
        es.close()
        try:
            admin.delete_topics([t for t in admin.list_topics() if t.startswith(namespace)])
        finally:
            admin.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="offered load of the latency run (reports/s)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the latency run")
    parser.add_argument("--warmup", type=int, default=1000,
                        help="reports sent through each pipeline before measuring (not measured)")
    parser.add_argument("--burst", type=int, default=3000, help="reports in the throughput burst")
    parser.add_argument("--burst-rate", type=float, default=500.0, help="offered load of the burst (reports/s)")
    parser.add_argument("--workers", type=int, default=1, help="Faust worker processes")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--analysis-processes", default=os.environ.get("RASD_ANALYSIS_PROCESSES", "auto"),
                        help="analysis child processes per worker (RASD_ANALYSIS_PROCESSES; 0: in the worker; "
                             "auto: cores - 1, at most 4)")
    parser.add_argument("--modes", default="identity,full", help="which pipelines to measure, comma-separated")
    args = parser.parse_args(argv)
    base = seed_text()
    print(f"pipeline benchmark: seed-size reports ({len(base.encode()) / 1000:.1f} kB), {args.workers} Faust "
          f"worker(s) with {analysis_processes(args.analysis_processes, os.cpu_count())} analysis process(es) each, {args.partitions} partitions, "
          f"1 indexer, real Kafka and Elasticsearch on this machine ({os.cpu_count()} cores)")
    results = {mode: run_mode(mode, args, base) for mode in args.modes.split(",")}
    for mode, r in results.items():
        print(f"[{mode}] at {args.rate:.0f} reports/s offered for {args.seconds:.0f}s:"
              f" produce→searchable p50 {r['index_p50'] * 1000:.0f} ms, p95 {r['index_p95'] * 1000:.0f} ms,"
              f" p99 {r['index_p99'] * 1000:.0f} ms;"
              f" produce→alert p50 {r['alert_p50'] * 1000:.0f} ms, p95 {r['alert_p95'] * 1000:.0f} ms,"
              f" p99 {r['alert_p99'] * 1000:.0f} ms")
        print(f"[{mode}] burst of {args.burst} at {args.burst_rate:.0f}/s offered: sustained"
              f" {r['throughput']:.1f} reports/s end to end while running full (middle 80% of the burst);"
              f" {r['throughput_whole']:.1f}/s from the first sent to the last searchable"
              f"{'' if r['throughput_complete'] else ' (INCOMPLETE)'}")
        if "cpu_machine" in r:
            names = sorted(k[4:] for k in r if k.startswith("cpu_") and k[4:] not in ("machine", "machine_share"))
            per_report = ", ".join(f"{name} {r[f'cpu_{name}'] * 1000 / args.burst:.1f}" for name in names)
            print(f"[{mode}] burst CPU: machine {r['cpu_machine_share'] * 100:.0f}% busy; CPU ms per report: "
                  f"{per_report} (others: what else ran on the machine)")
    if not {"full", "identity"} <= set(results):
        return 0
    full, ident = results["full"], results["identity"]
    print(f"full/identity throughput ratio: {full['throughput'] / ident['throughput']:.3f}")
    print(f"full/identity p99 produce→alert ratio: {full['alert_p99'] / ident['alert_p99']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
