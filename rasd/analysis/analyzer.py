"""Where a report is analysed: one Arabic report → who did what, where, with what toll.

:class:`Analyzer` combines the components, each of which works on the original
text and returns offsets into it:

- ``actors``  — the actor dictionary (canonical actors and their aliases);
- ``places``  — the Syria gazetteer (admin units, towns, terrain, countryside phrases);
- ``ner``     — the statistical CRF tagger (PER/ORG/LOC) for names the dictionaries lack;
- ``events``, ``casualties``, ``indicators`` — event types, tolls, escalation signals.

How the parts are glued (the conventions of ``eval/README.md``):

- Dictionary matches win over statistical spans where they overlap: they carry a
  canonical id, and the CRF's span is used only where no dictionary knows the name.
- Actors are reported under the id of the body they belong to when the data
  says so (``report_as``: الفرقة الرابعة → ``syr-gov-forces``); head patterns
  ("طائرات حربية روسية") and anaphors ("الهيئة") are evidence of an actor, not
  entities; a country's name ("تركيا") is a place, not an entry of the actors list.
- A place keeps its whole phrase ("ريف حلب الغربي") while its LOC entity is the
  toponym proper ("حلب"), as ANERcorp annotates it.
- A LOC the tagger finds and the gazetteer lacks becomes a place too, with the
  governorate its sentence gives it ("قريتي صيدا والمعلق في ناحية عين عيسى").
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rasd.analysis.actors import ActorDictionary, ActorRecord
from rasd.analysis.casualties import count_casualties
from rasd.analysis.events import detect_events, event_types
from rasd.analysis.indicators import score_escalation
from rasd.analysis.ner import EntitySpan, EntityTagger
from rasd.analysis.places import UNLISTED_ID, Gazetteer
from rasd.errors import InvalidReport
from rasd.schema import ActorRef, Analysis, Entity, Place, Report
from rasd.text.normalize import normalize_ar
from rasd.validate import decode_report_bytes, decode_report_json, detect_language, parse_published_at, validate_report


_LATIN_RE = re.compile(r"^[A-Za-z][A-Za-z .'-]*$")


class _Taken:
    """The spans already claimed in a text, pairwise disjoint, with a logarithmic overlap test."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a claimed span."""
        index = bisect.bisect_left(self._starts, end) - 1  # the last span starting before ``end``
        return index >= 0 and self._ends[index] > start

    def add(self, start: int, end: int) -> None:
        """Claim ``[start, end)`` (callers claim only spans that overlap nothing, or a span again)."""
        index = bisect.bisect_left(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)


_TANWEEN = frozenset("\u064b\u064c\u064d")  # fathatan, dammatan, kasratan


def _has_tanween(name: str) -> bool:
    """Whether a name's last word carries tanween, which names do not ("سورياً", "جارٍ").

    Example:
        >>> _has_tanween("سورياً"), _has_tanween("سوريا")
        (True, False)
    """
    return any(ch in _TANWEEN for ch in name.split()[-1]) if name.split() else False


def _glossed_entity(text: str, span: EntitySpan, entities: list[Entity]) -> Entity | None:
    """The entity a Latin name in brackets glosses: "توم باراك (Tom Barrack)" → the PER before it.

    Args:
        text: the report.
        span: a tagged span.
        entities: the entities found so far.

    Returns:
        The glossed entity, or None when the span is not a bracketed Latin form right after one.
    """
    if not _LATIN_RE.match(span.text) or text[span.end : span.end + 1] != ")":
        return None
    opening = text.rfind("(", 0, span.start)
    if opening < 0 or text[opening + 1 : span.start].strip():
        return None
    before = [e for e in entities if e.end <= opening and not text[e.end : opening].strip()]
    return before[-1] if before and before[-1].type in ("PER", "ORG") else None


@dataclass
class _Collected:
    """What one analysis gathers before it is sorted into the contract."""

    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    actors: dict[str, ActorRef] = field(default_factory=dict)
    taken: _Taken = field(default_factory=_Taken)
    unlisted: dict[str, Place] = field(default_factory=dict)  # normalised name -> first unlisted place

    def add_actor(self, record: ActorRecord) -> None:
        if record.id not in self.actors:  # a report names few actors, most of them many times
            self.actors[record.id] = record.to_ref()

    def add_unlisted(self, place: Place) -> Place:
        """Add a place the gazetteer lacks; named again, it keeps the governorate it got first ("الراموسة")."""
        if place.gazetteer_id == UNLISTED_ID:
            first = self.unlisted.setdefault(normalize_ar(place.text), place)
            if first is not place:
                place = dataclasses.replace(place, governorate=first.governorate, pcode=first.pcode)
        self.places.append(place)
        return place


@dataclass(frozen=True)
class Analyzer:
    """The full analysis, built once per process from the bundled data and model."""

    actors: ActorDictionary
    gazetteer: Gazetteer
    tagger: EntityTagger | None

    @classmethod
    @lru_cache(maxsize=1)
    def pretrained(cls, *, use_ner: bool = True) -> "Analyzer":
        """The analyzer over the bundled actor dictionary, gazetteer and NER model."""
        return cls(
            actors=ActorDictionary.from_data(),
            gazetteer=Gazetteer.from_data(),
            tagger=EntityTagger.pretrained() if use_ner else None,
        )

    def analyze(self, report: Report) -> Analysis:
        """Analyse one validated report.

        Args:
            report: e.g. ``Report(id="r1", text="قصفت قوات النظام بلدة كفرنبودة بريف حماة")``.

        Returns:
            The contract's :class:`Analysis` (entities, actors, places, events, tolls, escalation).
        """
        text = report.text
        published = parse_published_at(report.published_at)
        found = _Collected()
        loc_actor_spans = self._collect_actors(text, published.year if published else None, found)
        self._collect_places(text, loc_actor_spans, found)
        self._collect_cued_names(text, found)
        if self.tagger is not None:
            self._collect_tagged(text, published.year if published else None, self.tagger.tag(text), found)

        found.entities.sort(key=lambda e: (e.start, e.end))
        found.places.sort(key=lambda p: (p.start, p.end))
        events = detect_events(text)
        killed, injured = count_casualties(text)
        escalation = score_escalation(text, events, killed, injured)
        return Analysis(
            id=report.id,
            language=detect_language(text),
            entities=tuple(found.entities),
            actors=tuple(found.actors.values()),
            places=tuple(found.places),
            event_types=event_types(events),
            events=tuple(events),
            killed=killed,
            injured=injured,
            escalation=escalation,
            error=None,
        )

    def _collect_actors(self, text: str, year: int | None, found: _Collected) -> set[tuple[int, int]]:
        """Actor mentions: entities (under their reported id) and the actors list; country spans returned.

        A country's name is a place (LOC): it does not put the state on the
        actors list, which holds the actors named as organisations or persons.
        """
        loc_actor_spans: set[tuple[int, int]] = set()
        for mention in self.actors.find_mentions(text, year=year):
            record = self.actors.get(mention.reported_id)  # the record the mention is reported as
            found.taken.add(mention.start, mention.end)
            if mention.entity_type == "LOC":
                loc_actor_spans.add((mention.start, mention.end))
            else:
                found.add_actor(record)
            if mention.is_entity:
                found.entities.append(Entity(mention.text, mention.entity_type, mention.start, mention.end,
                                             record.id, record.name_en))
        return loc_actor_spans

    def _collect_places(self, text: str, loc_actor_spans: set[tuple[int, int]], found: _Collected) -> None:
        """Gazetteer places; each place's LOC entity is its toponym proper."""
        for mention in self.gazetteer.find_place_mentions(text):
            place = mention.place
            if (place.start, place.end) in loc_actor_spans:
                found.places.append(place)  # a country named as a state actor ("تركيا") is a place too
                continue
            if found.taken.overlaps(place.start, place.end):
                continue
            found.places.append(place)
            entry = mention.name_entry
            found.entities.append(Entity(mention.name_text, "LOC", mention.name_start, mention.name_end,
                                         entry.id if entry else place.gazetteer_id,
                                         entry.name_en if entry else place.name_en))
            found.taken.add(place.start, place.end)

    def _collect_cued_names(self, text: str, found: _Collected) -> None:
        """Places the gazetteer lacks, named after a settlement cue ("بلدات مسحرة ومجدوليا")."""
        memory = getattr(getattr(self.tagger, "lexicon", None), "memory", None) or {}
        gazetteer_places = list(found.places)
        for start, end in self.gazetteer.find_cued_names(text, lambda word: memory.get(word) == "O"):
            if found.taken.overlaps(start, end):
                continue
            place = found.add_unlisted(self.gazetteer.place_for_span(text, start, end, gazetteer_places, cued=True))
            found.entities.append(Entity(place.text, "LOC", start, end, None, place.name_en or None))
            found.taken.add(start, end)

    def _collect_tagged(self, text: str, year: int | None, spans: list[EntitySpan], found: _Collected) -> None:
        """The tagger's spans where no dictionary matched: names resolved to actors, LOC spans made places."""
        gazetteer_places = [p for p in found.places if p.gazetteer_id != UNLISTED_ID]
        for span in spans:
            if found.taken.overlaps(span.start, span.end):
                continue
            gloss = _glossed_entity(text, span, found.entities)
            if gloss is not None:  # "توم باراك (Tom Barrack)": a second mention of the same entity
                found.entities.append(Entity(span.text, gloss.type, span.start, span.end, gloss.canonical_id,
                                             gloss.canonical_name_en))
                found.taken.add(span.start, span.end)
                continue
            if _has_tanween(span.text):
                continue  # "سورياً", "جارٍ": an adjective or an adverb, not a name
            if span.type == "LOC":
                if self.gazetteer.is_generic_place_phrase(span.text) or self.gazetteer.is_common_word_name(span.text):
                    continue  # "المدينة", or a name the geocoder read as an everyday word here ("غير سورية")
                start, end = self.gazetteer.trim_toponym(text, span.start, span.end)
                place = found.add_unlisted(self.gazetteer.place_for_span(text, start, end, gazetteer_places))
                found.entities.append(Entity(place.text, "LOC", start, end, None, place.name_en or None))
                found.taken.add(span.start, span.end)
                continue
            if self.actors.is_anaphor(span.text):
                continue  # "الهيئة", "المرصد": a pointer back to a named organisation, not a name
            canonical_id = canonical_name = None
            actor_id = self.actors.resolve(span.text, year=year)
            if actor_id is not None:
                record = self.actors.reported(actor_id)
                canonical_id, canonical_name = record.id, record.name_en
                found.add_actor(record)
            found.entities.append(Entity(span.text, span.type, span.start, span.end, canonical_id, canonical_name))
            found.taken.add(span.start, span.end)


class IdentityAnalyzer:
    """The analysis replaced by identity: the benchmark baseline that shows what our processing costs."""

    def analyze(self, report: Report) -> Analysis:
        return Analysis(id=report.id, language=None)


def analyze_line(line: str | bytes, analyzer: Analyzer) -> Analysis:
    """Validate and analyse one JSONL line; a bad line yields an Analysis with ``error`` set.

    Args:
        line: one serialised report, e.g. ``'{"id": "r1", "text": "اشتباكات في ريف إدلب"}'``.
        analyzer: the analyzer to use.

    Returns:
        The analysis, or an error analysis naming the broken rule. Never raises for bad input.
    """
    report_id = None
    try:
        data = decode_report_bytes(line) if isinstance(line, bytes) else decode_report_json(line)
        raw_id = data.get("id")
        report_id = raw_id if isinstance(raw_id, str) else None
        report = validate_report(data)
    except InvalidReport as exc:
        return Analysis.failed(report_id, exc.code, exc.message)
    return analyzer.analyze(report)
