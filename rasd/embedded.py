"""Where the embedded mode runs the stages: the Kafka topology in one process, state in SQLite.

The Faust agents (``streams/agents``) and :class:`EmbeddedPipeline` call the
same core functions in the same order; only the transport differs:

    raw report ──analyse──▶ enriched ──join story──▶ enriched (story, sources)
        │ refused                                      ├─▶ match report ─▶ alerts
        ▼                                              └─▶ escalation per key ─▶ signals ─▶ match signal ─▶ alerts
    dead letters                     and everything lands in :class:`rasd.store.SqliteStore`

The story index, the escalation detector and the alert throttle keep their
state in the store's state tables (where Faust keeps changelog-backed tables),
so a second run continues the first: a replayed report keeps its story and is
counted once for escalation, and every document is upserted under a
deterministic id, so the store's counts do not change on a replay.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasd.analysis.analyzer import Analyzer
from rasd.dead_letter import DeadLetter
from rasd.enrich import enrich_bytes
from rasd.errors import DataError
from rasd.escalation.detector import Decision, EscalationDetector
from rasd.matching import InvalidSubscription, SubscriptionBook, validate_subscription
from rasd.resources import data_path
from rasd.schema import Alert, EnrichedReport, EscalationSignal, Subscription
from rasd.search import report_document
from rasd.stories import StoryAssignment, StoryIndex
from rasd.store import SqliteStore

log = logging.getLogger(__name__)

SAMPLES_DIR = "samples"
SAMPLE_SUBSCRIPTIONS = "samples/subscriptions.json"


def sample_report_files() -> list[Path]:
    """The bundled sample report files (JSONL), in name order."""
    return sorted(data_path(SAMPLES_DIR).glob("*.jsonl"))


def sample_subscriptions_file() -> Path:
    """The bundled sample subscriptions (JSON)."""
    return data_path(SAMPLE_SUBSCRIPTIONS)


def load_subscriptions(path: Path) -> tuple[Subscription, ...]:
    """Read and validate a JSON file holding a list of subscriptions (the API's subscription objects).

    Args:
        path: e.g. ``rasd/data/samples/subscriptions.json`` holding
            ``[{"id": "hts-tip-idlib-latakia", "owner": "analyst", "actors": ["hts", "tip"], ...}]``.

    Returns:
        The validated subscriptions; a :class:`DataError` names the file and the bad entry.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read subscriptions {path}: {exc}") from exc
    entries = data.get("subscriptions") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a list of subscriptions (or {{\"subscriptions\": [...]}})")
    subscriptions = []
    for number, entry in enumerate(entries, start=1):
        try:
            subscriptions.append(validate_subscription(Subscription.from_dict(entry)))
        except (InvalidSubscription, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"{path}: subscription {number} is invalid: {exc}") from exc
    return tuple(subscriptions)


def dead_letter_document(letter: dict[str, Any]) -> dict[str, Any]:
    """A dead letter (``DeadLetter.to_dict()``) as a store document with a deterministic id.

    Args:
        letter: e.g. ``{"stage": "produce:file:reports.jsonl:7", "code": "invalid_json", "original_b64": ...}``.

    Returns:
        The same dict with ``id`` (``"dlq-"`` + hash of stage, code and original bytes) and the
        original decoded as ``original_text`` when it is UTF-8, e.g. ``'{"text": "قصفت قوات النظام ...'``.
    """
    key = f"{letter.get('stage')}|{letter.get('code')}|{letter.get('original_b64')}"
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()
    try:
        original = base64.b64decode(letter.get("original_b64") or "").decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        original = None
    return {**letter, "id": f"dlq-{digest}", "original_text": original}


def analyse_raw(raw: bytes, analyzer: Analyzer) -> EnrichedReport | DeadLetter:
    """The analysis stage: validate and analyse one report; a failure becomes a dead letter, not a crash.

    Args:
        raw: one report as JSON bytes, e.g. ``'{"id": "r1", "text": "قصفت قوات النظام كفرنبل"}'``.
        analyzer: the analyzer.

    Returns:
        The enriched report, or a :class:`DeadLetter` (``validate`` refusals, ``analysis/internal_error``).
    """
    try:
        return enrich_bytes(raw, analyzer)
    except Exception as exc:  # one report's analysis bug must not stop the stream; logged with its trace
        log.exception("analysis failed")
        return DeadLetter("analysis", "internal_error", f"{type(exc).__name__}: {exc}", raw)


def join_story(index: StoryIndex, enriched: EnrichedReport) -> tuple[EnrichedReport, StoryAssignment]:
    """The stories stage: put a report into its story and carry the story on the envelope.

    Args:
        index: the story index.
        enriched: e.g. the North Press rewrite of a SOHR report on shelling of أريحا.

    Returns:
        The envelope with ``story_id``, ``duplicate_of`` and ``sources`` set, and the assignment.
    """
    report = enriched.report
    story = index.assign(report.id, report.text, report.published_at, report.source,
                         normalized=enriched.normalized_text or None)
    joined = dataclasses.replace(enriched, story_id=story.story_id, duplicate_of=story.duplicate_of,
                                 sources=story.sources)
    return joined, story


def detect_escalation(detector: EscalationDetector, enriched: EnrichedReport) -> list[Decision]:
    """The escalation stage: one decision per key the report counts for (governorates, actor pairs).

    Args:
        detector: the detector.
        enriched: e.g. a report on clashes between الهيئة and قوات النظام in ريف إدلب.

    Returns:
        e.g. decisions for ``("governorate", "Idlib")`` and ``("actor_pair", "hts|syr-gov-forces")``.
    """
    return [detector.observe_key(key_type, key, enriched) for key_type, key in detector.keys_for(enriched.analysis)]


@dataclass(frozen=True)
class ReportOutcome:
    """What the stages made of one raw report.

    Attributes:
        enriched: the enriched report with its story, or None when refused.
        dead_letter: the refusal (stage, code, message, original), or None when accepted.
        story: the story assignment (its ``similarity`` says how near the duplicate was).
        decisions: the escalation decision of every key of the report.
        signals: the signals that fired (after throttling).
        alerts: the alerts raised by the report and by its signals.
    """

    enriched: EnrichedReport | None = None
    dead_letter: dict[str, Any] | None = None
    story: StoryAssignment | None = None
    decisions: tuple[Decision, ...] = ()
    signals: tuple[EscalationSignal, ...] = ()
    alerts: tuple[Alert, ...] = ()


@dataclass
class EmbeddedPipeline:
    """The stages wired in one process, writing to one :class:`SqliteStore`.

    Example:
        >>> pipeline = EmbeddedPipeline.open(SqliteStore(), load_subscriptions(sample_subscriptions_file()))
        >>> outcome = pipeline.process('{"id": "r1", "text": "قصفت قوات النظام مدينة أريحا"}'.encode())
        >>> outcome.enriched.analysis.places[0].governorate
        'Idlib'
        >>> pipeline.flush()
    """

    store: SqliteStore
    analyzer: Analyzer
    stories: StoryIndex
    detector: EscalationDetector
    book: SubscriptionBook
    _pending: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def open(cls, store: SqliteStore, subscriptions: tuple[Subscription, ...] = (),
             analyzer: Analyzer | None = None) -> "EmbeddedPipeline":
        """The pipeline over a store, continuing the stage state the store holds."""
        return cls(
            store=store,
            analyzer=analyzer or Analyzer.pretrained(),
            stories=StoryIndex(store=store.state("stories")),
            detector=EscalationDetector.from_data(store=store.state("escalation")),
            book=SubscriptionBook(subscriptions, throttle_store=store.state("throttle")),
        )

    def process(self, raw: bytes) -> ReportOutcome:
        """Run one report through every stage (writes are held until :meth:`flush`)."""
        result = analyse_raw(raw, self.analyzer)
        if isinstance(result, DeadLetter):
            log.warning("report refused stage=%s code=%s message=%s", result.stage, result.code, result.message)
            return self.refuse(result.to_dict())
        enriched, story = join_story(self.stories, result)
        alerts = list(self.book.alerts_for_report(enriched))
        decisions = detect_escalation(self.detector, enriched)
        signals = [d.signal for d in decisions if d.fired and d.signal is not None]
        for signal in signals:
            alerts.extend(self.book.alerts_for_signal(signal))
            self.store.upsert_signal(signal.to_dict())
        for alert in alerts:
            self.store.upsert_alert(alert.to_dict())
        self._pending.append(report_document(enriched))
        return ReportOutcome(enriched=enriched, story=story, decisions=tuple(decisions), signals=tuple(signals),
                             alerts=tuple(alerts))

    def refuse(self, letter: dict[str, Any]) -> ReportOutcome:
        """Keep a report refused upstream (by a producer, or by analysis) as a dead letter."""
        doc = dead_letter_document(letter)
        self.store.upsert_dead_letter(doc)
        return ReportOutcome(dead_letter=doc)

    def flush(self) -> None:
        """Write the held report documents and the stage state (call after each batch)."""
        if self._pending:
            self.store.upsert_reports(self._pending)
            self._pending = []
        self.store.flush_state()
