"""Where enriched reports and escalation signals are matched against alert subscriptions.

A subscription's facets are ANDed; the values inside one facet are ORed:

- ``query``: every term, and every ``"quoted phrase"`` as consecutive words, must appear in the report's
  title or text. Both sides go through :func:`rasd.search.search_form`, so ``ادلب`` finds ``بإدلب`` and
  ``"تحرير الشام"`` finds ``وهيئة تحرير الشام``. Signals have no text: the query does not apply to them.
- ``actors``: canonical actor ids; the analysis already resolved every alias ("الهيئة", "جبهة النصرة" → ``hts``).
- where: ``governorates`` (labels) or ``places`` (gazetteer ids, or P-codes matching every place whose P-code
  starts with them: ``SY0703`` is a district and all its towns); one facet, so "Idlib or Jabal al-Turkman"
  is ``governorates=["Idlib"], places=["rasd-jabal-al-turkman"]``. Signals match by governorate only.
- ``event_types``: any of them.
- ``min_severity``: a report's severity is :meth:`rasd.escalation.weights.ReportWeighting.rate_severity`
  (high: weight ≥ 4.5, escalation score ≥ 0.75 or ≥ 10 killed; medium: any clash, shelling, airstrike,
  explosion, territorial change or killing, escalation score ≥ 0.4 or a death; low: the rest);
  a signal's severity is its level.
- ``min_escalation``: the report's escalation score, or the signal's score.

:class:`SubscriptionBook` holds the subscriptions (fed by a compacted topic) and throttles: at most one
alert per subscription and key (a report's story, a signal's key) per ``throttle_seconds``, counting the
suppressed ones for a digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

import regex

from rasd.errors import RasdError
from rasd.escalation.weights import SEVERITIES, ReportWeighting, rank_severity
from rasd.escalation.windows import Timestamp, now_epoch, to_epoch, to_iso
from rasd.schema import CHANNEL_TYPES, EVENT_TYPES, GOVERNORATES, Alert, EnrichedReport, EscalationSignal, Subscription
from rasd.search import report_search_form, search_form

_PHRASE_RE = regex.compile(r'"([^"]*)"|“([^”]*)”|«([^»]*)»')
_ADMIN_PCODE_RE = regex.compile(r"SY\d*")
_GOVERNORATE_LABELS = {label.casefold(): label for label in GOVERNORATES}
_TITLE_CHARS = 120


class InvalidSubscription(RasdError):
    """A subscription is malformed; the message names the field."""


def validate_subscription(subscription: Subscription) -> Subscription:
    """Check a subscription and return it with governorate labels in canonical case.

    Args:
        subscription: e.g. one with ``governorates=("idlib",)``.

    Returns:
        The subscription, e.g. with ``governorates=("Idlib",)``; :class:`InvalidSubscription` when malformed.
    """
    if not subscription.id:
        raise InvalidSubscription("a subscription needs an id")
    governorates = []
    for label in subscription.governorates:
        if label.casefold() not in _GOVERNORATE_LABELS:
            raise InvalidSubscription(f"subscription {subscription.id}: unknown governorate {label!r}")
        governorates.append(_GOVERNORATE_LABELS[label.casefold()])
    unknown_types = set(subscription.event_types) - set(EVENT_TYPES)
    if unknown_types:
        raise InvalidSubscription(f"subscription {subscription.id}: unknown event types {sorted(unknown_types)}")
    if subscription.min_severity not in SEVERITIES:
        raise InvalidSubscription(f"subscription {subscription.id}: min_severity must be one of {SEVERITIES}")
    if not 0.0 <= subscription.min_escalation <= 1.0:
        raise InvalidSubscription(f"subscription {subscription.id}: min_escalation must be within [0, 1]")
    if subscription.throttle_seconds < 0:
        raise InvalidSubscription(f"subscription {subscription.id}: throttle_seconds must not be negative")
    for channel in subscription.channels:
        if channel.type not in CHANNEL_TYPES or not channel.target:
            raise InvalidSubscription(f"subscription {subscription.id}: bad channel {channel!r}")
    return replace(subscription, governorates=tuple(governorates))


def parse_query(query: str) -> tuple[tuple[str, ...], ...]:
    """The required phrases of a query, in search form; a bare term is a one-word phrase.

    Args:
        query: e.g. ``'"هيئة تحرير الشام" بإدلب'``.

    Returns:
        e.g. ``(("هييه", "تحرير", "شام"), ("ادلب",))``.
    """
    phrases = []
    for match in _PHRASE_RE.finditer(query):
        words = tuple(search_form(next(g for g in match.groups() if g is not None)).split())
        if words:
            phrases.append(words)
    phrases += [(word,) for word in search_form(_PHRASE_RE.sub(" ", query)).split()]
    return tuple(phrases)


def contains_phrase(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs as consecutive tokens, e.g. ``("تحرير", "شام")`` in ``("هييه", "تحرير", "شام")``."""
    width = len(phrase)
    return any(tokens[i:i + width] == phrase for i in range(len(tokens) - width + 1))


class ReportFacts:
    """What matching needs of an enriched report, computed once for every subscription.

    The search-form tokens are computed on first use: only subscriptions with a query read them.
    """

    __slots__ = ("enriched", "severity", "_tokens")

    def __init__(self, enriched: EnrichedReport, severity: str, tokens: tuple[str, ...] | None = None):
        self.enriched, self.severity, self._tokens = enriched, severity, tokens

    @property
    def tokens(self) -> tuple[str, ...]:
        if self._tokens is None:
            self._tokens = tuple(report_search_form(self.enriched).split())
        return self._tokens

    @classmethod
    def of(cls, enriched: EnrichedReport, weighting: ReportWeighting | None = None) -> "ReportFacts":
        return cls(enriched, (weighting or ReportWeighting.from_data()).rate_severity(enriched.analysis))


def alert_id(subscription_id: str, kind: str, target_id: str) -> str:
    """The deterministic id of an alert, e.g. ``"alert-5c1e…"``: a replay does not duplicate it."""
    digest = hashlib.blake2b(f"{subscription_id}|{kind}|{target_id}".encode("utf-8"), digest_size=12).hexdigest()
    return f"alert-{digest}"


def match_place(entry: str, place_id: str, pcode: str | None) -> bool:
    """A subscription's place entry (gazetteer id, or P-code prefix) against one report place."""
    if entry == place_id or entry == pcode:
        return True
    return bool(pcode) and _ADMIN_PCODE_RE.fullmatch(entry) is not None and pcode.startswith(entry)


def match_common(subscription: Subscription, actor_ids: tuple[str, ...], event_types: tuple[str, ...],
                 severity: str, escalation: float) -> list[str] | None:
    """The facets reports and signals share; the reasons, or None at the first facet that fails."""
    reasons = []
    if subscription.actors:
        actors = [a for a in subscription.actors if a in actor_ids]
        if not actors:
            return None
        reasons.append(f"actors: {', '.join(actors)}")
    if subscription.event_types:
        types = [t for t in subscription.event_types if t in event_types]
        if not types:
            return None
        reasons.append(f"event types: {', '.join(types)}")
    if rank_severity(severity) < rank_severity(subscription.min_severity):
        return None
    reasons.append(f"severity {severity} ≥ {subscription.min_severity}")
    if escalation < subscription.min_escalation:
        return None
    if subscription.min_escalation > 0:
        reasons.append(f"escalation {escalation:.2f} ≥ {subscription.min_escalation:.2f}")
    return reasons


def match_report(subscription: Subscription, enriched: EnrichedReport, *, facts: ReportFacts | None = None,
                 now: Timestamp = None) -> Alert | None:
    """The alert a report raises for a subscription, or None.

    Args:
        subscription: e.g. ``actors=("hts",), governorates=("Idlib",), min_severity="medium"``.
        enriched: e.g. "اشتباكات عنيفة بين الهيئة وقوات النظام في ريف إدلب الجنوبي" (hts, Idlib, armed_clash).
        facts: precomputed :class:`ReportFacts` (the book passes them to spare every subscription the work).
        now: processing time for ``created_at``; default now.

    Returns:
        An :class:`Alert` whose ``reasons`` list each facet that matched.
    """
    analysis = enriched.analysis
    if not subscription.active or analysis.error is not None:
        return None
    facts = facts or ReportFacts.of(enriched)
    reasons = []
    phrases = parse_query(subscription.query) if subscription.query else ()
    if phrases:
        if not all(contains_phrase(facts.tokens, phrase) for phrase in phrases):
            return None
        reasons.append(f"text matches {subscription.query.strip()}")
    if subscription.governorates or subscription.places:
        where = sorted({p.governorate for p in analysis.places if p.governorate in subscription.governorates})
        where += sorted({p.name_en for p in analysis.places
                         if any(match_place(entry, p.gazetteer_id, p.pcode) for entry in subscription.places)})
        if not where:
            return None
        reasons.append(f"where: {', '.join(where)}")
    common = match_common(subscription, tuple(a.id for a in analysis.actors), analysis.event_types, facts.severity,
                          analysis.escalation.score)
    if common is None:
        return None
    report = enriched.report
    title = report.title or " ".join(report.text.split())[:_TITLE_CHARS]
    return Alert(
        id=alert_id(subscription.id, "report", report.id), subscription_id=subscription.id,
        owner=subscription.owner, kind="report", report_id=report.id, signal_id=None, severity=facts.severity,
        title=title, reasons=tuple(reasons + common), actor_ids=tuple(a.id for a in analysis.actors),
        governorates=tuple(sorted({p.governorate for p in analysis.places if p.governorate})),
        event_types=analysis.event_types,
        locations=tuple({"lat": p.lat, "lon": p.lon} for p in analysis.places if p.lat is not None
                        and p.lon is not None),
        created_at=to_iso(_epoch_or_now(now)), published_at=report.published_at,
    )


def match_signal(subscription: Subscription, signal: EscalationSignal, *, now: Timestamp = None) -> Alert | None:
    """The alert an escalation signal raises for a subscription (with ``include_signals``), or None.

    Args:
        subscription: e.g. ``governorates=("Idlib",), include_signals=True, min_severity="medium"``.
        signal: e.g. a high spike for the key ``"Idlib"``.
        now: processing time for ``created_at``; default now.
    """
    if not subscription.active or not subscription.include_signals:
        return None
    reasons = []
    if subscription.governorates or subscription.places:
        where = [g for g in subscription.governorates if g in signal.governorates or g == signal.governorate]
        if not where:
            return None
        reasons.append(f"where: {', '.join(where)}")
    common = match_common(subscription, signal.actor_ids, signal.event_types, signal.level, signal.score)
    if common is None:
        return None
    subject = f"in {signal.key}" if signal.key_type == "governorate" else f"between {' and '.join(signal.actor_ids)}"
    title = f"Escalation {signal.level} {subject}: {signal.observed:.1f} against an expected {signal.expected:.2f}"
    return Alert(
        id=alert_id(subscription.id, "signal", signal.id), subscription_id=subscription.id,
        owner=subscription.owner, kind="signal", report_id=None, signal_id=signal.id, severity=signal.level,
        title=title, reasons=tuple(reasons + common + list(signal.reasons)), actor_ids=signal.actor_ids,
        governorates=signal.governorates, event_types=signal.event_types,
        locations=(signal.location,) if signal.location else (), created_at=to_iso(_epoch_or_now(now)),
        published_at=signal.emitted_at,
    )


def _epoch_or_now(value: Timestamp) -> float:
    moment = to_epoch(value)
    return now_epoch() if moment is None else moment


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """One subscription's match: delivered, or throttled (and why)."""

    subscription_id: str
    alert: Alert
    delivered: bool
    reason: str


class SubscriptionBook:
    """The subscriptions by id, matching and per-subscription throttling.

    Throttle state lives in a dict-like store of JSON values (a dict, or a Faust table) under
    ``"<subscription id>|<key>"``: ``{"last": epoch, "alert_id": ..., "suppressed": n}``.
    """

    def __init__(self, subscriptions: tuple[Subscription, ...] = (),
                 throttle_store: MutableMapping[str, Any] | None = None, weighting: ReportWeighting | None = None):
        self._subscriptions: dict[str, Subscription] = {}
        self.throttle: MutableMapping[str, Any] = throttle_store if throttle_store is not None else {}
        self.weighting = weighting or ReportWeighting.from_data()
        for subscription in subscriptions:
            self.upsert(subscription)

    def upsert(self, subscription: Subscription) -> Subscription:
        """Add or replace a subscription (validated)."""
        checked = validate_subscription(subscription)
        self._subscriptions[checked.id] = checked
        return checked

    def delete(self, subscription_id: str) -> None:
        """Forget a subscription and its throttle state."""
        self._subscriptions.pop(subscription_id, None)
        for key in [k for k in self.throttle if k.startswith(f"{subscription_id}|")]:
            del self.throttle[key]

    def apply(self, subscription_id: str, value: dict[str, Any] | None) -> Subscription | None:
        """Apply one record of the compacted subscriptions topic: a subscription dict, or None to delete.

        Args:
            subscription_id: the record key.
            value: e.g. ``{"id": "s1", "owner": "analyst", "actors": ["hts"], ...}``, or None (a tombstone).

        Returns:
            The stored subscription, or None after a deletion.
        """
        if value is None:
            self.delete(subscription_id)
            return None
        if value.get("id", subscription_id) != subscription_id:
            raise InvalidSubscription(f"record key {subscription_id!r} differs from the subscription id "
                                      f"{value.get('id')!r}")
        try:
            subscription = Subscription.from_dict({**value, "id": subscription_id})
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidSubscription(f"subscription {subscription_id}: {exc}") from exc
        return self.upsert(subscription)

    def apply_message(self, message: dict[str, Any]) -> Subscription | None:
        """Apply a ``{"id": ..., "subscription": {...} | None}`` message."""
        return self.apply(str(message["id"]), message.get("subscription"))

    def get(self, subscription_id: str) -> Subscription | None:
        return self._subscriptions.get(subscription_id)

    def __len__(self) -> int:
        return len(self._subscriptions)

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._subscriptions.values())

    def evaluate_report(self, enriched: EnrichedReport, now: Timestamp = None) -> list[MatchDecision]:
        """Every subscription the report matches, each delivered or throttled (per story)."""
        facts = ReportFacts.of(enriched, self.weighting)
        key = f"story:{enriched.story_id or enriched.report.id}"
        moment = _epoch_or_now(now)
        return [self._throttle(subscription, alert, key, moment) for subscription in self
                if (alert := match_report(subscription, enriched, facts=facts, now=moment)) is not None]

    def evaluate_signal(self, signal: EscalationSignal, now: Timestamp = None) -> list[MatchDecision]:
        """Every subscription the signal matches, each delivered or throttled (per signal key)."""
        key = f"{signal.key_type}:{signal.key}"
        moment = _epoch_or_now(now)
        return [self._throttle(subscription, alert, key, moment) for subscription in self
                if (alert := match_signal(subscription, signal, now=moment)) is not None]

    def alerts_for_report(self, enriched: EnrichedReport, now: Timestamp = None) -> list[Alert]:
        """The alerts to deliver for a report."""
        return [d.alert for d in self.evaluate_report(enriched, now) if d.delivered]

    def alerts_for_signal(self, signal: EscalationSignal, now: Timestamp = None) -> list[Alert]:
        """The alerts to deliver for a signal."""
        return [d.alert for d in self.evaluate_signal(signal, now) if d.delivered]

    def _throttle(self, subscription: Subscription, alert: Alert, key: str, moment: float) -> MatchDecision:
        if subscription.throttle_seconds <= 0:
            return MatchDecision(subscription.id, alert, True, "matched (no throttling)")
        store_key = f"{subscription.id}|{key}"
        state = self.throttle.get(store_key)
        if state is not None and moment - state["last"] < subscription.throttle_seconds:
            suppressed = state["suppressed"] + 1
            self.throttle[store_key] = {**state, "suppressed": suppressed}
            reason = (f"throttled: {subscription.id} alerted on {key} at {to_iso(state['last'])} "
                      f"(alert {state['alert_id']}); at most one alert per {subscription.throttle_seconds} s, "
                      f"{suppressed} suppressed so far")
            return MatchDecision(subscription.id, alert, False, reason)
        suppressed = state["suppressed"] if state else 0
        self.throttle[store_key] = {"last": moment, "alert_id": alert.id, "suppressed": suppressed}
        reason = "matched" + (f"; {suppressed} alerts on {key} suppressed since the last digest" if suppressed else "")
        return MatchDecision(subscription.id, alert, True, reason)

    def digest(self, subscription_id: str, *, reset: bool = False) -> dict[str, int]:
        """Suppressed-alert counts per key for one subscription (for a digest), optionally reset.

        Returns:
            e.g. ``{"story:sohr-123": 3, "governorate:Idlib": 1}``.
        """
        counts = {}
        for store_key in [k for k in self.throttle if k.startswith(f"{subscription_id}|")]:
            state = self.throttle[store_key]
            if state["suppressed"]:
                counts[store_key.split("|", 1)[1]] = state["suppressed"]
                if reset:
                    self.throttle[store_key] = {**state, "suppressed": 0}
        return counts
