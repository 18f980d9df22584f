"""Canonical actors of the Syrian conflict and their mentions in Arabic text.

The dictionary lives in ``rasd/data/actors.json`` (one record per actor, with
the names outlets use for it and the rules that govern short forms). This
module compiles it once into a trie of normalised token sequences and offers:

* :meth:`ActorDictionary.find_mentions` - every actor mention in a report,
  offsets into the original text, leading proclitics excluded, longest match
  first, no overlaps;
* :meth:`ActorDictionary.resolve` - one entity text (e.g. an NER span) to an
  actor id.

Kinds of names, all declared in the data (see the file's ``rules``):

* full names (``aliases_ar``) always fire;
* titles of persons fire unless the person's name follows at once;
* country names fire as the state's actor with entity type ``LOC``;
* head patterns ("طائرات حربية روسية", "قصف النظام") fire when a force or event
  noun precedes one of an actor's head targets;
* context aliases ("الهيئة", "الحزب", "الجيش") fire only when the same text
  names the actor in full, so they never add an actor the text does not name;
  among several licensed candidates the one named nearest before wins;
* anaphors ("الهيئة", "التنظيم", "الجيش") follow the same licence but are
  evidence of an actor, not names: their mentions carry ``via="anaphor"``;
* a head pattern whose target is a full name ("طيران نظام الأسد") gives that
  name as the mention, under the pattern's actor;
* a group noun before a name ("عناصر", "مقاتلي", "وحدات من", "وكالة") is left
  out of the mention when the rest is a name ("وحدات من الجيش العربي السوري"
  → "الجيش العربي السوري"), and a short form right after an indefinite
  quantifier ("إحدى الفصائل") names no actor;
* names shared by two actors across the fall of Assad (8 December 2024), such
  as "الجيش السوري", go to the one whose years hold the report year; a name
  whose only owner lists it for other years does not fire.

Reported ids: the dictionary keeps fine-grained records (divisions, councils,
UN organs) with their parents; a record's ``report_as`` names the actor its
mentions are reported as (``syr-4th-div`` → ``syr-gov-forces``). Mentions
carry both ids (``actor_id`` and ``reported_id``); see :meth:`ActorDictionary.reported`.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import ACTOR_KINDS, ActorRef
from rasd.text.aligned import align_normalize
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import Token, clitic_splits, tokenize, tokenize_aligned

log = logging.getLogger(__name__)

ACTOR_ENTITY_TYPES = ("ORG", "PER")

# How a mention was found; ActorMention.via takes one of these.
VIA_NAME = "name"
VIA_TITLE = "title"
VIA_COUNTRY = "country"
VIA_PATTERN = "pattern"
VIA_CONTEXT = "context"
VIA_ANAPHOR = "anaphor"
VIA_INDEFINITE = "indefinite"
_VIA_BLOCK = "block"
# Short forms that need a licence in the same text.
_LICENSED_VIAS = frozenset({VIA_CONTEXT, VIA_ANAPHOR})
# Mentions that are evidence of an actor but not a named entity.
NON_ENTITY_VIAS = frozenset({VIA_PATTERN, VIA_ANAPHOR, VIA_INDEFINITE})

PRE_ERA_YEAR = 2024
POST_ERA_YEAR = 2025

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LATIN_RE = re.compile(r"[a-z0-9]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
# A definite nisba adjective (الاوكراني, الجمهوري, الفلسطينيه): after a context
# alias it names another organisation, so the context alias does not fire.
# Elatives that look like nisbas (الاخري, الكبري) are listed in the data.
_NISBA_RE = re.compile(r"^ال\w{2,}(?:ي|يه|يين|يون)$")
_MAX_VARIANTS = 32
_WORD_MEMO_SIZE = 65_536  # words whose starting splits are remembered (the table is cleared when full)
_NO_STARTS: tuple[tuple[tuple[int, str], ...], tuple[str, ...]] = ((), ())
_NORM = operator.attrgetter("norm")
_TANWEEN_FATHA = "\u064b"


@dataclass(frozen=True, slots=True)
class ActorRecord:
    """One canonical actor as declared in ``actors.json``.

    Attributes:
        id: stable slug, e.g. ``"hts"``.
        name_ar: display name in Arabic.
        name_en: display name in English.
        kind: one of ``rasd.schema.ACTOR_KINDS``.
        entity_type: ``"ORG"`` or ``"PER"``.
        affiliation: camp, e.g. ``"government"``, ``"jihadist"``, ``"kurdish"``.
        aliases_ar: full Arabic names as written in the data.
        aliases_en: English names.
        context_aliases_ar: short names that need a licence in the same text
            ("الفصائل", "الشرع"); their mentions are entities.
        context_licensed_by: ids whose full mention licenses the context aliases
            (the actor itself unless the data says otherwise).
        parent: id of the organisation it belongs to, or None.
        active: first and last year of activity (last None when ongoing).
        notes: free text.
        report_as: id its mentions are reported as (a formation's parent body),
            or None to report the record itself.
        anaphors_ar: definite common nouns that point back to the actor
            ("الهيئة", "التنظيم"); licensed like context aliases, not entities.
    """

    id: str
    name_ar: str
    name_en: str
    kind: str
    entity_type: str
    affiliation: str
    aliases_ar: tuple[str, ...]
    aliases_en: tuple[str, ...]
    context_aliases_ar: tuple[str, ...]
    context_licensed_by: tuple[str, ...]
    parent: str | None
    active: tuple[int, int | None]
    notes: str = ""
    report_as: str | None = None
    anaphors_ar: tuple[str, ...] = ()

    def to_ref(self) -> ActorRef:
        """The schema's ``ActorRef`` for this actor."""
        return ActorRef(id=self.id, name_ar=self.name_ar, name_en=self.name_en, kind=self.kind)


@dataclass(frozen=True, slots=True)
class ActorMention:
    """One actor named in a text.

    Attributes:
        actor_id: the canonical actor's id.
        text: the mention as written, ``original[start:end]``.
        start: start offset in the original text (after any proclitic).
        end: end offset (exclusive) in the original text.
        entity_type: ``"ORG"``, ``"PER"``, or ``"LOC"`` for a country name.
        via: how it was found: ``"name"``, ``"title"``, ``"country"``,
            ``"pattern"`` (e.g. "طائرات روسية"), ``"context"`` (e.g. "الفصائل")
            ``"anaphor"`` (e.g. "الهيئة") or ``"indefinite"`` (an indefinite group
            such as "مسلحين دروز": evidence of the actor, not an entity).
        reported_id: the id the mention is reported as (``actor_id`` unless the
            record rolls up, e.g. ``syr-4th-div`` → ``syr-gov-forces``).
    """

    actor_id: str
    text: str
    start: int
    end: int
    entity_type: str
    via: str = VIA_NAME
    reported_id: str = ""

    @property
    def is_entity(self) -> bool:
        """Whether the mention is a named entity (not a head pattern or an anaphor)."""
        return self.via not in NON_ENTITY_VIAS


@dataclass(frozen=True, slots=True)
class _Entry:
    """One way a normalised token sequence names an actor."""

    actor_id: str
    via: str
    years: tuple[int, int | None] | None  # alias-level years, when the data gives them
    order: int  # position of the actor in the file, for stable tie-breaks
    licence: frozenset[str] | None = None  # alias-level licence of a short form


@dataclass(frozen=True, slots=True)
class _Match:
    """A raw match of the first pass, in token indices."""

    first: int
    last: int  # exclusive
    prefix_len: int
    entries: tuple[_Entry, ...]
    via: str


class _Trie:
    """Normalised token sequences -> entries, walked token by token."""

    __slots__ = ("root",)

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}

    def add(self, tokens: Sequence[str], entry: _Entry) -> None:
        node = self.root
        for token in tokens:
            node = node.setdefault(token, {})
        node.setdefault(None, []).append(entry)

    def freeze(self) -> None:
        stack = [self.root]
        while stack:
            node = stack.pop()
            for key, value in node.items():
                if key is None:
                    node[None] = tuple(value)
                else:
                    stack.append(value)

    def walk(self, first: str, norms: Sequence[str], start: int) -> Iterator[tuple[int, tuple[_Entry, ...]]]:
        """Yield ``(length, entries)`` for every sequence that begins with ``first``
        and continues with ``norms[start:]``, shortest first."""
        node = self.root.get(first)
        length = 1
        while node is not None:
            entries = node.get(None)
            if entries:
                yield length, entries
            if start + length - 1 >= len(norms):
                return
            node = node.get(norms[start + length - 1])
            length += 1

    def exact(self, tokens: Sequence[str]) -> tuple[_Entry, ...]:
        node = self.root
        for token in tokens:
            node = node.get(token)
            if node is None:
                return ()
        return node.get(None, ())


def normalize_alias_tokens(alias: str, skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The normalised token sequence an alias is matched as.

    Args:
        alias: a name as written in the data, e.g. ``"هيئة تحرير الشام"``.
        skip: token forms to drop (quotation marks).

    Returns:
        The tuple of normalised tokens.

    Example:
        >>> normalize_alias_tokens("قوات سوريا الديمقراطية")
        ('قوات', 'سوريا', 'الديمقراطيه')
    """
    return tuple(t.norm for t in tokenize(alias) if t.norm not in skip)


def normalize_english(name: str) -> str:
    """The key an English actor name is looked up by (lower-case words).

    Example:
        >>> normalize_english("Hay'at Tahrir al-Sham")
        'hay at tahrir al sham'
    """
    return " ".join(_LATIN_RE.findall(name.lower()))


def expand_variants(tokens: tuple[str, ...], variants: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Every spelling of a token sequence allowed by the variant groups.

    Args:
        tokens: normalised tokens.
        variants: normalised token -> all spellings of its group.

    Returns:
        The sequences (the original first), at most ``_MAX_VARIANTS``.

    Example:
        >>> expand_variants(("قوات", "سوريا"), {"سوريا": ("سوريا", "سوريه")})
        [('قوات', 'سوريا'), ('قوات', 'سوريه')]
    """
    choices = [variants.get(token, (token,)) for token in tokens]
    out = [tokens]
    for combo in itertools.islice(itertools.product(*choices), _MAX_VARIANTS):
        if combo != tokens:
            out.append(combo)
    return out


def is_adverbial_form(word: str) -> bool:
    """Whether a word as written ends in tanween fatha, i.e. is an adjective or adverb.

    A country name so written ("وفداً روسياً", "دعماً تركياً") qualifies a noun and
    is not the state acting.

    Example:
        >>> is_adverbial_form("روسياً"), is_adverbial_form("روسيا")
        (True, False)
    """
    return word.rstrip("\u0640").endswith(_TANWEEN_FATHA)


def year_in_range(year: int, years: tuple[int, int | None]) -> bool:
    """Whether ``year`` falls in an inclusive ``(first, last|None)`` range.

    Example:
        >>> year_in_range(2025, (2025, None)), year_in_range(2025, (2011, 2024))
        (True, False)
    """
    first, last = years
    return year >= first and (last is None or year <= last)


def _ranges_overlap(a: tuple[int, int | None], b: tuple[int, int | None]) -> bool:
    a_last = a[1] if a[1] is not None else 10**6
    b_last = b[1] if b[1] is not None else 10**6
    return a[0] <= b_last and b[0] <= a_last


def _era_dependent(matches: Iterable[_Match]) -> bool:
    """Whether the report year can change whom a match names: a name of several entries, or of an entry with years."""
    return any(len(m.entries) > 1 or any(e.years is not None for e in m.entries) for m in matches)


def _range_distance(year: int, years: tuple[int, int | None]) -> int:
    first, last = years
    if year < first:
        return first - year
    if last is not None and year > last:
        return year - last
    return 0


def _parse_alias(item: Any, actor_id: str) -> tuple[str, tuple[int, int | None] | None]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        years = item.get("years")
        if years is None:
            return item["text"], None
        if not (isinstance(years, Sequence) and len(years) == 2 and isinstance(years[0], int)):
            raise DataError(f"actor {actor_id!r}: alias {item['text']!r} has malformed years {years!r}")
        return item["text"], (years[0], years[1])
    raise DataError(f"actor {actor_id!r}: alias must be a string or {{text, years, licensed_by}}, got {item!r}")


def _alias_licence(item: Any) -> frozenset[str] | None:
    if isinstance(item, Mapping) and item.get("licensed_by") is not None:
        return frozenset(item["licensed_by"])
    return None


def _alias_texts(items: Iterable[Any], actor_id: str) -> tuple[str, ...]:
    return tuple(_parse_alias(item, actor_id)[0] for item in items)


def _parse_record(raw: Mapping[str, Any]) -> ActorRecord:
    try:
        actor_id = raw["id"]
        active = raw.get("active") or [None, None]
        return ActorRecord(
            id=actor_id,
            name_ar=raw["name_ar"],
            name_en=raw["name_en"],
            kind=raw["kind"],
            entity_type=raw["entity_type"],
            affiliation=raw["affiliation"],
            aliases_ar=_alias_texts(raw.get("aliases_ar", ()), actor_id),
            aliases_en=tuple(raw.get("aliases_en", ())),
            context_aliases_ar=_alias_texts(raw.get("context_aliases_ar", ()), actor_id),
            context_licensed_by=tuple(raw.get("context_licensed_by") or (actor_id,)),
            parent=raw.get("parent"),
            active=(int(active[0]), None if active[1] is None else int(active[1])),
            notes=raw.get("notes", ""),
            report_as=raw.get("report_as"),
            anaphors_ar=_alias_texts(raw.get("anaphors_ar", ()), actor_id),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(f"malformed actor record {raw.get('id', raw)!r}: {exc!r}") from exc


class ActorDictionary:
    """The compiled actor dictionary: lookups, NER-span resolution and mention finding.

    Build it with :meth:`from_data` (cached); the constructor takes the parsed
    JSON document, which tests use to try small dictionaries.
    """

    def __init__(self, document: Mapping[str, Any]):
        raw_actors = document.get("actors")
        if not isinstance(raw_actors, list) or not raw_actors:
            raise DataError("actors.json: 'actors' must be a non-empty list")
        rules = document.get("rules") or {}
        self._records: dict[str, ActorRecord] = {}
        for raw in raw_actors:
            record = _parse_record(raw)
            if record.id in self._records:
                raise DataError(f"actors.json: duplicate actor id {record.id!r}")
            self._records[record.id] = record
        self._validate_records()
        self._skip = frozenset(rules.get("skip_tokens", ()))
        self._variants = self._compile_variants(rules.get("spelling_variants_ar", ()))
        self._order = {actor_id: i for i, actor_id in enumerate(self._records)}
        self._licences = self._compile_licences()
        self._phrases = _Trie()
        self._targets = _Trie()
        self._english: dict[str, tuple[_Entry, ...]] = {}
        self._compile_phrases(raw_actors, rules)
        self._heads = frozenset(normalize_ar(h) for h in rules.get("head_nouns_ar", ()))
        self._modifiers = frozenset(normalize_ar(m) for m in rules.get("head_modifiers_ar", ()))
        self._generic_heads = frozenset(normalize_ar(h) for h in rules.get("generic_heads_ar", ()))
        self._trailing = frozenset(normalize_ar(m) for m in rules.get("trailing_modifiers_ar", ()))
        self._not_nisba = frozenset(normalize_ar(w) for w in rules.get("not_nisba_ar", ()))
        self._post_cues = tuple(normalize_ar(c) for c in rules.get("post_2024_cues_ar", ()))
        self._post_actors = frozenset(r.id for r in self._records.values() if r.active[0] >= POST_ERA_YEAR)
        strict = {normalize_alias_tokens(p, self._skip) for p in rules.get("strict_group_nouns_ar", ())}
        self._group_nouns = _Trie()
        for phrase in rules.get("group_nouns_ar", ()):
            tokens = normalize_alias_tokens(phrase, self._skip)
            self._group_nouns.add(tokens, _Entry("", VIA_NAME if tokens in strict else VIA_CONTEXT, None, -1))
        self._group_nouns.freeze()
        self._connectors = frozenset(normalize_ar(w) for w in rules.get("group_connectors_ar", ()))
        self._quantifiers = frozenset(normalize_ar(w) for w in rules.get("indefinite_quantifiers_ar", ()))
        self._anaphor_keys = frozenset(
            key for key, owners in self.alias_owners().items() if all(via == VIA_ANAPHOR for _, via in owners))
        self._phrases.freeze()
        self._targets.freeze()
        # Most words start no alias, head pattern or group noun: what each word can start is
        # worked out once (see _starts_of), so the matcher walks no trie for the others.
        self._phrase_starts = frozenset(key for key in self._phrases.root if key is not None) | self._heads
        self._group_starts = frozenset(key for key in self._group_nouns.root if key is not None)
        # word -> (phrase splits, group-noun remainders), or () for a word that starts nothing
        self._word_starts: dict[str, tuple] = {}

    # ------------------------------------------------------------------ factories

    @classmethod
    def from_data(cls, name: str = "actors.json") -> "ActorDictionary":
        """The dictionary built from a bundled data file, once per process.

        Args:
            name: data file name under ``rasd/data`` (or ``RASD_DATA_DIR``).

        Returns:
            The shared, compiled :class:`ActorDictionary`.
        """
        return _cached_dictionary(name)

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[ActorRecord]:
        return iter(self._records.values())

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self._records

    @property
    def records(self) -> tuple[ActorRecord, ...]:
        """All actor records in file order."""
        return tuple(self._records.values())

    def get(self, actor_id: str) -> ActorRecord:
        """The record of one actor.

        Args:
            actor_id: e.g. ``"sdf"``.

        Returns:
            Its :class:`ActorRecord`.

        Raises:
            KeyError: when no actor has this id.
        """
        try:
            return self._records[actor_id]
        except KeyError:
            raise KeyError(f"unknown actor id {actor_id!r}") from None

    def reported(self, actor_id: str) -> ActorRecord:
        """The record an actor's mentions are reported as (its ``report_as``, else itself).

        Example:
            ``reported("syr-4th-div").id`` -> ``"syr-gov-forces"`` (الفرقة الرابعة)
        """
        record = self.get(actor_id)
        return self._records[record.report_as] if record.report_as else record

    def is_anaphor(self, name: str) -> bool:
        """Whether a name as written is only an anaphor of the dictionary ("الهيئة", "والتنظيم").

        Example:
            >>> ActorDictionary.from_data().is_anaphor("الهيئة")
            True
        """
        norms = [n for n in normalize_alias_tokens(name, self._skip) if n]
        if not norms:
            return False
        return any(candidate in self._anaphor_keys for candidate in self._clitic_variants(tuple(norms)))

    def ancestors(self, actor_id: str) -> tuple[str, ...]:
        """The chain of parents of an actor, nearest first.

        Example:
            ``ancestors("ahrar-al-sham")`` -> ``("nfl", "sna")``
        """
        chain: list[str] = []
        parent = self.get(actor_id).parent
        while parent is not None:
            chain.append(parent)
            parent = self._records[parent].parent
        return tuple(chain)

    def to_refs(self, mentions: Iterable[ActorMention]) -> tuple[ActorRef, ...]:
        """The distinct reported actors of some mentions as schema refs, in first-mention order."""
        seen: dict[str, ActorRef] = {}
        for mention in mentions:
            record = self.reported(mention.actor_id)
            if record.id not in seen:
                seen[record.id] = record.to_ref()
        return tuple(seen.values())

    # ------------------------------------------------------------------ resolution of one name

    def resolve(self, name: str, year: int | None = None) -> str | None:
        """Resolve one entity text (an NER span, a search term) to an actor id.

        Tries, in order: the normalised name as a full alias (titles and
        country names included); the same after dropping a proclitic of its
        first word; after dropping trailing qualifiers ("الإرهابي"); after
        dropping one generic head ("عناصر", "قوات", "مقاتلي"...); and the
        head pattern. English names are looked up as they are. Context
        aliases ("الهيئة") need a text around them and are not resolved here:
        use :meth:`find_mentions`.

        Args:
            name: the entity text as written.
            year: report year, for names shared across the 2024 boundary
                (default: the Assad era).

        Returns:
            The actor id, or None.

        Example:
            >>> d = ActorDictionary.from_data()
            >>> d.resolve("وقوات النظام"), d.resolve("عناصر تنظيم داعش الإرهابي")
            ('syr-gov-forces', 'isis')
        """
        if not _ARABIC_RE.search(name):
            entries = self._english.get(normalize_english(name), ())
            return self._choose_by_era(entries, year if year is not None else PRE_ERA_YEAR)
        norms = [n for n in normalize_alias_tokens(name, self._skip) if n]
        if not norms:
            return None
        for candidate in self._resolution_candidates(norms):
            entries = self._full_entries(self._phrases.exact(candidate))
            if not entries:
                entries = self._pattern_entries(candidate)
            if entries:
                return self._choose_by_era(entries, year if year is not None else PRE_ERA_YEAR)
        return None

    def _resolution_candidates(self, norms: list[str]) -> Iterator[tuple[str, ...]]:
        seen: set[tuple[str, ...]] = set()
        bases = [tuple(norms)]
        trimmed = list(norms)
        while len(trimmed) > 1 and trimmed[-1] in self._trailing:
            trimmed.pop()
            bases.append(tuple(trimmed))
        for base in bases:
            for candidate in self._clitic_variants(base):
                if candidate not in seen:
                    seen.add(candidate)
                    yield candidate
        for base in bases:
            for candidate in self._clitic_variants(base):
                if len(candidate) > 1 and candidate[0] in self._generic_heads:
                    for rest in self._clitic_variants(candidate[1:]):
                        if rest not in seen:
                            seen.add(rest)
                            yield rest

    @staticmethod
    def _clitic_variants(tokens: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for _, first in clitic_splits(tokens[0]):
            yield (first, *tokens[1:])

    def _full_entries(self, entries: Sequence[_Entry]) -> tuple[_Entry, ...]:
        return tuple(e for e in entries if e.via in (VIA_NAME, VIA_TITLE, VIA_COUNTRY))

    def _pattern_entries(self, tokens: tuple[str, ...]) -> tuple[_Entry, ...]:
        if len(tokens) < 2 or tokens[0] not in self._heads:
            return ()
        position = self._skip_modifiers(tokens, 1)
        if position >= len(tokens):
            return ()
        return self._targets.exact(tokens[position:])

    # ------------------------------------------------------------------ mentions in a text

    def find_mentions(self, text: str, year: int | None = None) -> list[ActorMention]:
        """Find every actor mention in a text.

        Longest match wins and mentions never overlap; a leading proclitic
        (و ف ب ل ك) is left out of the span; quotation marks inside a name are
        skipped. Context aliases fire only under their licence (see the module
        docstring), titles only when no name follows.

        Args:
            text: a report as written.
            year: the report's year (from ``published_at``) for names shared
                across the fall of Assad; when None it is inferred from the
                text (post-2024 cues), defaulting to the Assad era.

        Returns:
            The mentions in text order.

        Example:
            >>> d = ActorDictionary.from_data()
            >>> [(m.actor_id, m.text) for m in d.find_mentions("اشتباكات بين قسد وهيئة تحرير الشام")]
            [('sdf', 'قسد'), ('hts', 'هيئة تحرير الشام')]
        """
        if not text:
            return []
        aligned = align_normalize(text)
        tokens = tokenize_aligned(aligned)
        norms = list(map(_NORM, tokens))
        if not self._skip.isdisjoint(norms):
            tokens = [t for t in tokens if t.norm not in self._skip]
            norms = list(map(_NORM, tokens))
        matches = self._match_tokens(norms)
        if year is None:  # inferred only when some match's actor depends on the era
            year = self._infer_year(aligned.normalized, matches) if _era_dependent(matches) else PRE_ERA_YEAR
        resolved = self._resolve_matches(matches, year)
        resolved = self._drop_titles_before_names(resolved)
        resolved = [(m, a) for m, a in resolved if not self._after_quantifier(norms, m)]
        mentions = (self._to_mention(text, tokens, match, actor_id) for match, actor_id in resolved)
        return [m for m in mentions if not (m.via == VIA_COUNTRY and is_adverbial_form(m.text))]

    def _match_tokens(self, norms: list[str]) -> list[_Match]:
        """First pass: greedy longest matches over the token sequence.

        A group noun ("عناصر", "وحدات من") is skipped when the name after it
        reaches at least as far as any match that includes it, unless that
        match is an explicit alias ("فصائل المعارضة").
        """
        matches: list[_Match] = []
        i = 0
        words = list(map(self._word_starts.get, norms))
        if None in words:
            words = [starts if starts is not None else self._read_starts(word) for starts, word in zip(words, norms)]
        for candidate in itertools.compress(range(len(words)), words):  # a word that starts nothing matches nothing
            if candidate < i:
                continue
            i = candidate
            best = self._best_at(norms, i, words[i])
            group = self._after_group_noun(norms, i, words[i])
            if group is not None:
                inner_start, strict = group
                inner = self._best_at(norms, inner_start)
                if inner is not None and inner[4] != _VIA_BLOCK:
                    inner_end, outer_end = inner_start + inner[0], i + (best[0] if best else 0)
                    if best is None or inner_end > outer_end or inner_end == outer_end and best[4] == VIA_PATTERN:
                        i, best = inner_start, inner
                    elif inner_end == outer_end and strict and best[4] != _VIA_BLOCK:
                        # "مقاتلي المعارضة": the alias's actor, the span of the name after the group noun
                        i, best = inner_start, (inner[0], best[1], inner[2], best[3], best[4])
            if best is not None and best[4] == VIA_PATTERN:
                i, best = self._name_in_pattern(norms, i, best)
            if best is None:
                i += 1
                continue
            length, _, neg_prefix, entries, via = best
            if via != _VIA_BLOCK:
                matches.append(_Match(i, i + length, -neg_prefix, entries, via))
            i += length
        return matches

    def _best_at(self, norms: list[str], i: int, starts: tuple | None = None
                 ) -> tuple[int, int, int, tuple[_Entry, ...], str] | None:
        """The longest match starting at token ``i``: (length, rank, -prefix, entries, via).

        ``starts`` is ``_starts_of(norms[i])`` when the caller has it already.
        """
        best: tuple[int, int, int, tuple[_Entry, ...], str] | None = None
        root, count = self._phrases.root, len(norms)
        for prefix_len, first in (starts or self._starts_of(norms[i]))[0]:
            node, end = root.get(first), i + 1  # the trie walked over norms[i:end] (``_Trie.walk`` inlined)
            while node is not None:
                entries = node.get(None)
                if entries:
                    via = entries[0].via
                    if not (via in _LICENSED_VIAS and self._nisba_follows(norms, end)):
                        key = (end - i, 1, -prefix_len)
                        if best is None or key > best[:3]:
                            best = (end - i, 1, -prefix_len, entries, via)
                if end >= count:
                    break
                node, end = node.get(norms[end]), end + 1
            if first in self._heads:
                found = self._match_pattern(norms, i)
                if found is not None:
                    length, entries = found
                    key = (length, 0, -prefix_len)
                    if best is None or key > best[:3]:
                        best = (length, 0, -prefix_len, entries, VIA_PATTERN)
        return best

    def _name_in_pattern(self, norms: list[str], i: int, best: tuple) -> tuple[int, tuple]:
        """A head pattern whose target is itself a name ("طيران نظام الأسد") names the pattern's actor
        with the name as the mention: ``(start, best)`` of the name, else the pattern unchanged."""
        length, rank, _, entries, _ = best
        target = self._skip_modifiers(norms, i + 1)
        if target >= i + length or not self._full_entries(self._phrases.exact(norms[target : i + length])):
            return i, best
        return target, (i + length - target, rank, 0, entries, VIA_NAME)

    def _after_group_noun(self, norms: list[str], i: int, starts: tuple | None = None) -> tuple[int, bool] | None:
        """``(next token, strict)`` after a group noun (and an optional "من") starting at ``i``, or None."""
        for first in (starts or self._starts_of(norms[i]))[1]:
            found = None
            for length, entries in self._group_nouns.walk(first, norms, i + 1):
                found = (i + length, entries[0].via == VIA_NAME)
            if found is not None:
                end, strict = found
                if end < len(norms) and norms[end] in self._connectors:
                    end += 1
                return (end, strict) if end < len(norms) else None
        return None

    def _starts_of(self, word: str) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...]]:
        """The proclitic splits of a word that can start an alias or a head pattern, and the
        remainders that can start a group noun; both empty for most words.

        Example:
            ``_starts_of("وقوات")`` -> ``(((1, "قوات"),), ("قوات",))``; ``_starts_of("في")`` -> ``((), ())``
        """
        starts = self._word_starts.get(word)
        if starts is None:
            starts = self._read_starts(word)
        return starts or _NO_STARTS

    def _read_starts(self, word: str) -> tuple:
        """:meth:`_starts_of` worked out and remembered, ``()`` for a word that starts nothing."""
        splits = clitic_splits(word)
        starts = (tuple(split for split in splits if split[1] in self._phrase_starts),
                  tuple(first for _, first in splits if first in self._group_starts))
        if starts == _NO_STARTS:
            starts = ()
        if len(self._word_starts) >= _WORD_MEMO_SIZE:
            self._word_starts.clear()
        self._word_starts[word] = starts
        return starts

    def _after_quantifier(self, norms: list[str], match: _Match) -> bool:
        """A group right after an indefinite quantifier ("إحدى الفصائل") names no actor."""
        if match.via in (VIA_TITLE, VIA_COUNTRY) or match.first == 0 or match.prefix_len:
            return False
        return any(rest in self._quantifiers for _, rest in clitic_splits(norms[match.first - 1]))

    def _nisba_follows(self, norms: list[str], position: int) -> bool:
        if position >= len(norms):
            return False
        word = norms[position]
        return word not in self._not_nisba and _NISBA_RE.match(word) is not None

    def _skip_modifiers(self, norms: Sequence[str], position: int) -> int:
        for _ in range(2):
            if position >= len(norms):
                break
            word = norms[position]
            if word in self._modifiers or (word[:1] == "و" and word[1:] in self._modifiers):
                position += 1
            else:
                break
        return position

    def _match_pattern(self, norms: list[str], head: int) -> tuple[int, tuple[_Entry, ...]] | None:
        """Head noun, up to two modifiers, then a head target: (length, entries)."""
        position = self._skip_modifiers(norms, head + 1)
        if position >= len(norms):
            return None
        best = None
        for length, entries in self._targets.walk(norms[position], norms, position + 1):
            best = (position - head + length, entries)
        return best

    def _infer_year(self, normalized: str, matches: Sequence[_Match]) -> int:
        if any(cue and cue in normalized for cue in self._post_cues):
            return POST_ERA_YEAR
        for match in matches:
            if match.via in _LICENSED_VIAS:
                continue
            ids = {e.actor_id for e in match.entries}
            if len(ids) == 1 and ids <= self._post_actors:
                return POST_ERA_YEAR
        return PRE_ERA_YEAR

    def _choose_by_era(self, entries: Sequence[_Entry], year: int) -> str | None:
        """The actor of a full name in a year; a name listed only with other years names none."""
        if len(entries) == 1:  # the usual case, decided without the general rule's bookkeeping
            entry = entries[0]
            return entry.actor_id if entry.years is None or year_in_range(year, entry.years) else None
        ids = list(dict.fromkeys(e.actor_id for e in entries))
        if len(ids) <= 1:
            if not ids or all(e.years is not None and not year_in_range(year, e.years) for e in entries):
                return None
            return ids[0]
        return min(entries, key=lambda e: (_range_distance(year, self._entry_years(e)), e.order)).actor_id

    def _entry_years(self, entry: _Entry) -> tuple[int, int | None]:
        return entry.years if entry.years is not None else self._records[entry.actor_id].active

    def _resolve_matches(self, matches: list[_Match], year: int) -> list[tuple[_Match, str]]:
        """Second pass: pick one actor per match; license context aliases."""
        full: list[tuple[_Match, str]] = []
        for match in matches:
            if match.via not in _LICENSED_VIAS:
                actor_id = self._choose_by_era(match.entries, year)
                if actor_id is not None:
                    full.append((match, actor_id))
        licensing: dict[str, list[int]] = {}
        for m, actor_id in full:  # in text order, so each list is sorted
            licensing.setdefault(actor_id, []).append(m.first)
        resolved = list(full)
        for match in matches:
            if match.via in _LICENSED_VIAS:
                actor_id = self._license(match, year, licensing)
                if actor_id is not None:
                    resolved.append((match, actor_id))
        resolved.sort(key=lambda pair: pair[0].first)
        return resolved

    def _license(self, match: _Match, year: int, licensing: Mapping[str, list[int]]) -> str | None:
        """The candidate whose licensing full mention is nearest before the short form (else nearest after).

        Args:
            match: a context alias or anaphor match.
            year: the report year; a candidate listed only for other years is out.
            licensing: actor id -> sorted token positions of its full mentions.
        """
        candidates = [e for e in match.entries if e.years is None or year_in_range(year, e.years)]
        best: tuple[tuple[int, int, int], str] | None = None
        for entry in candidates:
            licence = entry.licence if entry.licence is not None else self._licences[entry.actor_id]
            for actor_id in licence:
                positions = licensing.get(actor_id)
                if not positions:
                    continue
                index = bisect.bisect_left(positions, match.first)
                nearest = []
                if index > 0:
                    nearest.append((0, match.first - positions[index - 1]))
                if index < len(positions):
                    nearest.append((1, positions[index] - match.first))
                key = (*min(nearest), entry.order)
                if best is None or key < best[0]:
                    best = (key, entry.actor_id)
        return best[1] if best else None

    def _drop_titles_before_names(self, resolved: list[tuple[_Match, str]]) -> list[tuple[_Match, str]]:
        kept = []
        for index, (match, actor_id) in enumerate(resolved):
            if match.via == VIA_TITLE and index + 1 < len(resolved):
                following, next_id = resolved[index + 1]
                if following.first == match.last and self._records[next_id].entity_type == "PER":
                    continue
            kept.append((match, actor_id))
        return kept

    def _to_mention(self, text: str, tokens: list[Token], match: _Match, actor_id: str) -> ActorMention:
        first = tokens[match.first]
        start = first.start
        if match.prefix_len:
            start += align_normalize(first.text).offsets[match.prefix_len]
        end = tokens[match.last - 1].end
        record = self._records[actor_id]
        entity_type = "LOC" if match.via == VIA_COUNTRY else record.entity_type
        via = match.via
        if via == VIA_NAME and self._is_indefinite_group(tokens[match.first : match.last], match.prefix_len):
            via = VIA_INDEFINITE
        return ActorMention(actor_id, text[start:end], start, end, entity_type, via, record.report_as or actor_id)

    def _is_indefinite_group(self, tokens: Sequence[Token], prefix_len: int) -> bool:
        """An indefinite group ("مسلحين دروز", "فصائل مسلحة معارضة"): evidence of an actor, not its name."""
        first = tokens[0].norm[prefix_len:]
        if not self._group_nouns.exact((first,)):
            return False
        return not (first.startswith("ال") or any(t.norm.startswith("ال") for t in tokens[1:]))

    # ------------------------------------------------------------------ compilation

    def _validate_records(self) -> None:
        for record in self._records.values():
            where = f"actors.json: actor {record.id!r}"
            if not _SLUG_RE.match(record.id):
                raise DataError(f"{where}: id is not a lower-case slug")
            if record.kind not in ACTOR_KINDS:
                raise DataError(f"{where}: kind {record.kind!r} not in {ACTOR_KINDS}")
            if record.entity_type not in ACTOR_ENTITY_TYPES:
                raise DataError(f"{where}: entity_type {record.entity_type!r} not in {ACTOR_ENTITY_TYPES}")
            if (record.kind == "person") != (record.entity_type == "PER"):
                raise DataError(f"{where}: kind person and entity_type PER go together")
            if record.parent is not None and record.parent not in self._records:
                raise DataError(f"{where}: unknown parent {record.parent!r}")
            if record.report_as is not None:
                target = self._records.get(record.report_as)
                if target is None or target.report_as is not None or target.id == record.id:
                    raise DataError(f"{where}: report_as {record.report_as!r} must name an actor reported as itself")
            for licence in record.context_licensed_by:
                if licence not in self._records:
                    raise DataError(f"{where}: unknown id {licence!r} in context_licensed_by")
            if not record.aliases_ar:
                raise DataError(f"{where}: no Arabic alias")
        for record in self._records.values():
            seen = {record.id}
            parent = record.parent
            while parent is not None:
                if parent in seen:
                    raise DataError(f"actors.json: parent cycle through {record.id!r}")
                seen.add(parent)
                parent = self._records[parent].parent

    def _compile_licences(self) -> dict[str, frozenset[str]]:
        return {record.id: frozenset(record.context_licensed_by) for record in self._records.values()}

    def _compile_variants(self, groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
        variants: dict[str, tuple[str, ...]] = {}
        for group in groups:
            forms = tuple(dict.fromkeys(normalize_ar(form) for form in group))
            for form in forms:
                variants[form] = forms
        return variants

    def _compile_phrases(self, raw_actors: list[Mapping[str, Any]], rules: Mapping[str, Any]) -> None:
        fields = (
            ("aliases_ar", VIA_NAME),
            ("title_aliases_ar", VIA_TITLE),
            ("country_aliases_ar", VIA_COUNTRY),
            ("context_aliases_ar", VIA_CONTEXT),
            ("anaphors_ar", VIA_ANAPHOR),
        )
        # normalised key -> {actor_id: (via, years)}: to reject ambiguous full aliases
        owners: dict[tuple[str, ...], dict[str, tuple[str, tuple[int, int | None] | None]]] = {}
        for raw in raw_actors:
            actor_id = raw["id"]
            order = self._order[actor_id]
            for field, via in fields:
                for item in raw.get(field, ()):
                    alias, years = _parse_alias(item, actor_id)
                    licence = _alias_licence(item)
                    for licensing_id in licence or ():
                        if licensing_id not in self._records:
                            raise DataError(f"actors.json: actor {actor_id!r}, alias {alias!r}: "
                                            f"unknown id {licensing_id!r} in licensed_by")
                    tokens = normalize_alias_tokens(alias, self._skip)
                    if not tokens:
                        raise DataError(f"actors.json: actor {actor_id!r} has an empty alias in {field}")
                    for variant in expand_variants(tokens, self._variants):
                        previous = owners.setdefault(variant, {}).get(actor_id)
                        if previous is not None:
                            continue  # the same name listed twice for one actor (or a variant of it)
                        owners[variant][actor_id] = (via, years)
                        self._phrases.add(variant, _Entry(actor_id, via, years, order, licence))
            for item in raw.get("head_targets_ar", ()):
                alias, years = _parse_alias(item, actor_id)
                for variant in expand_variants(normalize_alias_tokens(alias, self._skip), self._variants):
                    self._targets.add(variant, _Entry(actor_id, VIA_PATTERN, years, order))
            for alias in raw.get("aliases_en", ()):
                key = normalize_english(alias)
                if key:
                    self._english[key] = (*self._english.get(key, ()), _Entry(actor_id, VIA_NAME, None, order))
        for phrase in rules.get("non_actor_phrases_ar", ()):
            tokens = normalize_alias_tokens(phrase, self._skip)
            if tokens in owners:
                raise DataError(f"actors.json: non-actor phrase {phrase!r} is also an actor alias")
            self._phrases.add(tokens, _Entry("", _VIA_BLOCK, None, -1))
        self._check_ambiguity(owners)

    def _check_ambiguity(
        self, owners: Mapping[tuple[str, ...], Mapping[str, tuple[str, tuple[int, int | None] | None]]]
    ) -> None:
        """A full alias may name two actors only with disjoint years; short and full forms never mix."""
        for tokens, by_actor in owners.items():
            if len(by_actor) < 2:
                continue
            vias = {via for via, _ in by_actor.values()}
            kinds = {via in _LICENSED_VIAS for via in vias}
            if len(kinds) > 1 or vias == _LICENSED_VIAS:
                raise DataError(f"actors.json: {' '.join(tokens)!r} is a short form of one actor and a full alias "
                                f"(or a context alias and an anaphor) of another: {sorted(by_actor)}")
            if kinds == {True}:
                continue
            spans = [(actor_id, years or self._records[actor_id].active) for actor_id, (_, years) in by_actor.items()]
            for (a, a_years), (b, b_years) in itertools.combinations(spans, 2):
                if _ranges_overlap(a_years, b_years):
                    raise DataError(
                        f"actors.json: alias {' '.join(tokens)!r} names both {a!r} and {b!r} in overlapping years")

    # ------------------------------------------------------------------ introspection for tests and tools

    def alias_owners(self) -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Every compiled normalised alias with its ``(actor_id, via)`` owners (context aliases included)."""
        out: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
        stack: list[tuple[tuple[str, ...], dict]] = [((), self._phrases.root)]
        while stack:
            prefix, node = stack.pop()
            for key, value in node.items():
                if key is None:
                    owners = tuple((e.actor_id, e.via) for e in value if e.via != _VIA_BLOCK)
                    if owners:
                        out[prefix] = owners
                else:
                    stack.append(((*prefix, key), value))
        return out


@lru_cache(maxsize=4)
def _cached_dictionary(name: str) -> ActorDictionary:
    dictionary = ActorDictionary(load_json(name))
    log.debug("actor dictionary loaded name=%s actors=%d", name, len(dictionary))
    return dictionary
