"""Where a report is analysed: one Arabic report → who did what, where, with what toll.

:class:`Analyzer` combines the components, each of which works on the original
text and returns offsets into it:

- ``actors``  — the actor dictionary (canonical actors and their aliases);
- ``places``  — the Syria gazetteer (admin units, towns, terrain, countryside phrases);
- ``ner``     — the statistical CRF tagger (PER/ORG/LOC) for names the dictionaries lack;
- ``events``, ``casualties``, ``indicators`` — event types, tolls, escalation signals.

Dictionary matches win over statistical spans where they overlap: they carry a
canonical id, and the CRF's span is used only where no dictionary knows the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rasd.analysis.actors import ActorDictionary
from rasd.analysis.casualties import count_casualties
from rasd.analysis.events import detect_events, event_types
from rasd.analysis.indicators import score_escalation
from rasd.analysis.ner import EntityTagger
from rasd.analysis.places import Gazetteer
from rasd.errors import InvalidReport
from rasd.schema import ActorRef, Analysis, Entity, Place, Report
from rasd.validate import decode_report_bytes, decode_report_json, detect_language, parse_published_at, validate_report


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


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
        entities: list[Entity] = []
        taken: list[tuple[int, int]] = []
        actor_refs: dict[str, ActorRef] = {}
        published = parse_published_at(report.published_at)
        year = published.year if published else None

        loc_actor_spans: set[tuple[int, int]] = set()
        for mention in self.actors.find_mentions(text, year=year):
            record = self.actors.get(mention.actor_id)
            actor_refs.setdefault(record.id, ActorRef(record.id, record.name_ar, record.name_en, record.kind))
            taken.append((mention.start, mention.end))
            if mention.entity_type == "LOC":
                loc_actor_spans.add((mention.start, mention.end))
            if mention.via == "pattern":
                continue  # actor evidence ("طائرات حربية روسية"), not a named entity
            entities.append(
                Entity(mention.text, mention.entity_type, mention.start, mention.end, record.id, record.name_en)
            )

        places: list[Place] = []
        for place in self.gazetteer.find_places(text):
            if (place.start, place.end) in loc_actor_spans:
                places.append(place)  # a country named as a state actor ("تركيا") is a place too
                continue
            if _overlaps(place.start, place.end, taken):
                continue
            places.append(place)
            entities.append(Entity(place.text, "LOC", place.start, place.end, place.gazetteer_id, place.name_en))
            taken.append((place.start, place.end))

        if self.tagger is not None:
            for span in self.tagger.tag(text):
                if _overlaps(span.start, span.end, taken):
                    continue
                canonical_id = canonical_name = None
                if span.type in ("ORG", "PER"):
                    actor_id = self.actors.resolve(span.text, year=year)
                    if actor_id is not None:
                        record = self.actors.get(actor_id)
                        canonical_id, canonical_name = record.id, record.name_en
                        actor_refs.setdefault(
                            record.id, ActorRef(record.id, record.name_ar, record.name_en, record.kind)
                        )
                entities.append(Entity(span.text, span.type, span.start, span.end, canonical_id, canonical_name))
                taken.append((span.start, span.end))

        entities.sort(key=lambda e: (e.start, e.end))
        places.sort(key=lambda p: (p.start, p.end))
        events = detect_events(text)
        killed, injured = count_casualties(text)
        escalation = score_escalation(text, events, killed, injured)
        return Analysis(
            id=report.id,
            language=detect_language(text),
            entities=tuple(entities),
            actors=tuple(actor_refs.values()),
            places=tuple(places),
            event_types=event_types(events),
            events=tuple(events),
            killed=killed,
            injured=injured,
            escalation=escalation,
            error=None,
        )


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
