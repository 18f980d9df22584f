"""The ``rasd`` command line: a thin dispatcher; each command imports only what it needs."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import BinaryIO, Iterator, TextIO

log = logging.getLogger("rasd")


def _open_input(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def _open_output(path: str) -> TextIO:
    if path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8")


def _lines(handle: BinaryIO) -> Iterator[bytes]:
    for line in handle:
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield line


def cmd_analyze(args: argparse.Namespace) -> int:
    """Read JSONL reports, write one analysis per line, in order; bad lines get ``error``."""
    from rasd.analysis.analyzer import Analyzer, analyze_line
    from rasd.schema import Analysis

    try:
        source = _open_input(args.input)
    except OSError as exc:
        print(f"rasd analyze: cannot read input {args.input}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        sink = _open_output(args.output)
    except OSError as exc:
        print(f"rasd analyze: cannot write output {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    analyzer = Analyzer.pretrained()
    count = errors = 0
    try:
        for line in _lines(source):
            try:
                result = analyze_line(line, analyzer)
            except Exception as exc:  # a bug in one component must not lose the rest of the input
                log.exception("analysis failed on line %d", count + 1)
                result = Analysis.failed(None, "internal_error", f"{type(exc).__name__}: {exc}")
            errors += result.error is not None
            sink.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    except OSError as exc:
        print(f"rasd analyze: input became unreadable after {count} lines: {exc}", file=sys.stderr)
        return 2
    finally:
        sink.flush()
        if sink is not sys.stdout:
            sink.close()
        if source is not sys.stdin.buffer:
            source.close()
    log.info("analyzed lines=%d errors=%d", count, errors)
    return 0


def cmd_services(args: argparse.Namespace) -> int:
    from services.local import run_command

    return run_command(args.action)


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.app import main

    main()
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from indexers.runner import main

    main()
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from indexers.reindex import main

    return main((["--reanalyse"] if args.reanalyse else []) + (["--delete-old"] if args.delete_old else []))


def cmd_produce(args: argparse.Namespace) -> int:
    from producers import runner
    from producers.exceptions import ProducerError
    from producers.kafka_sink import KafkaSink
    from rasd.settings import Settings

    settings = Settings.from_env()
    try:
        sink = KafkaSink.connect(settings)
    except ProducerError as exc:
        print(f"rasd produce: {exc}", file=sys.stderr)
        return 2
    try:
        if args.source == "file":
            result = runner.produce_file(sink, Path(args.path))
        elif args.source == "telegram":
            result = runner.produce_telegram(sink, Path(args.path))
        elif args.source == "folder":
            result = runner.produce_folder(sink, Path(args.path), once=args.once, interval_s=args.interval)
        else:
            result = runner.produce_rss(sink, args.urls, Path(args.state), once=args.once, interval_s=args.interval)
    except ProducerError as exc:
        print(f"rasd produce: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        sink.close()
    print(runner.summarise(result, settings.topics.dead_letter))
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from api.main import serve

    serve(args.host, args.port, embedded_db=args.embedded_db)
    return 0


def cmd_dashboards(args: argparse.Namespace) -> int:
    from dashboards.importer import main

    return main(["--kibana", args.kibana])


def cmd_keys(args: argparse.Namespace) -> int:
    from api.keys import InvalidOwner, create_key, list_keys, revoke_key
    from rasd.errors import ConfigurationError

    try:
        if args.keys_action == "create":
            print(create_key(args.owner))  # shown once; only its SHA-256 is stored
        elif args.keys_action == "revoke":
            return 0 if revoke_key(args.prefix) else 1
        else:
            for key in list_keys(args.owner):
                print(key.prefix, key.owner, key.created_at, key.revoked_at or "")
    except (InvalidOwner, ConfigurationError) as exc:
        print(f"rasd keys: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from delivery.worker import main

    return main()


def cmd_run(args: argparse.Namespace) -> int:
    from embedded.runner import run_embedded

    return run_embedded(args.inputs, db=args.db, fresh=args.fresh, subscriptions=args.subscriptions,
                        samples=not args.no_samples, show=args.show)


def cmd_eval(args: argparse.Namespace) -> int:
    from rasd.evaluation.report import run_evaluation

    return run_evaluation(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from rasd.evaluation.bench import run_bench

    return run_bench(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rasd", description="Real-time monitoring of Arabic conflict reporting.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="analyse JSONL reports (one JSON result per input line)")
    p.add_argument("--input", default="-", help="JSONL file, or - for standard input")
    p.add_argument("--output", default="-", help="output file, or - for standard output")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("services", help="start, stop or inspect the local Kafka and Elasticsearch")
    p.add_argument("action", choices=("up", "down", "status"))
    p.set_defaults(func=cmd_services)

    p = sub.add_parser("worker", help="run a Faust stream-processing worker")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("index", help="run the Kafka → Elasticsearch indexers")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("reindex", help="replay a topic into a new index and switch the alias")
    p.add_argument("--reanalyse", action="store_true", help="re-run the analysis from the raw reports topic")
    p.add_argument("--delete-old", action="store_true", help="delete the previous index after the switch")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("produce", help="send reports to Kafka")
    produce = p.add_subparsers(dest="source", required=True)
    pf = produce.add_parser("file", help="a JSONL file of reports")
    pf.add_argument("path")
    pf.set_defaults(func=cmd_produce)
    pf = produce.add_parser("telegram", help="a Telegram Desktop channel export (result.json)")
    pf.add_argument("path")
    pf.set_defaults(func=cmd_produce)
    pf = produce.add_parser("folder", help="watch a folder for JSONL files")
    pf.add_argument("path")
    pf.add_argument("--once", action="store_true", help="publish what is there and stop")
    pf.add_argument("--interval", type=float, default=2.0, help="seconds between scans")
    pf.set_defaults(func=cmd_produce)
    pf = produce.add_parser("rss", help="poll RSS/Atom feeds")
    pf.add_argument("urls", nargs="+")
    pf.add_argument("--state", default=".rasd/feeds.json", help="per-feed state file (ETag, Last-Modified, seen ids)")
    pf.add_argument("--interval", type=float, default=300.0, help="minimum seconds between polls of one feed")
    pf.add_argument("--once", action="store_true", help="poll each feed once and stop")
    pf.set_defaults(func=cmd_produce)

    p = sub.add_parser("api", help="serve the search and subscription API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--embedded-db", default=None, metavar="PATH",
                   help="serve the SQLite file of `rasd run` instead of Elasticsearch and Kafka")
    p.set_defaults(func=cmd_api)

    p = sub.add_parser("keys", help="API keys (stored hashed)")
    keys = p.add_subparsers(dest="keys_action", required=True)
    pk = keys.add_parser("create", help="create a key for an owner; the key is printed once")
    pk.add_argument("owner")
    pk.set_defaults(func=cmd_keys)
    pk = keys.add_parser("revoke", help="revoke a key by its prefix")
    pk.add_argument("prefix")
    pk.set_defaults(func=cmd_keys)
    pk = keys.add_parser("list", help="list keys (prefixes only)")
    pk.add_argument("owner", nargs="?")
    pk.set_defaults(func=cmd_keys)

    p = sub.add_parser("deliver", help="run the alert-delivery worker (webhook, e-mail)")
    p.set_defaults(func=cmd_deliver)

    p = sub.add_parser("dashboards", help="Kibana saved objects")
    dash = p.add_subparsers(dest="dashboards_action", required=True)
    pd = dash.add_parser("import", help="import the saved objects of dashboards/ into Kibana")
    pd.add_argument("--kibana", required=True, help="Kibana URL, e.g. http://localhost:5601")
    pd.set_defaults(func=cmd_dashboards)

    p = sub.add_parser("run", help="run the whole pipeline in one process on the bundled sample reports")
    p.add_argument("inputs", nargs="*", help="extra JSONL files of reports")
    p.add_argument("--db", default=None, help="SQLite file (default .rasd/embedded.sqlite; :memory: keeps nothing)")
    p.add_argument("--fresh", action="store_true", help="delete the SQLite file first instead of continuing it")
    p.add_argument("--subscriptions", default=None, help="JSON list of subscriptions (default: the bundled samples)")
    p.add_argument("--no-samples", action="store_true", help="only the given files, not the bundled samples")
    p.add_argument("--show", type=int, default=40, help="reports, refusals and alerts per subscription shown in full")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", help="print extraction quality (ANERcorp test split, development set)")
    p.add_argument("--skip-anercorp", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="print throughput and memory figures")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
