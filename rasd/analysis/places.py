"""Places named in an Arabic report, resolved to the Syria gazetteer.

The gazetteer (``rasd/data/places/gazetteer.json``, built by
``scripts/build_gazetteer.py``) holds the 14 governorates, 62 districts and
272 sub-districts with their OCHA P-codes, the towns of GeoNames, and curated
towns, terrain, regions and foreign places. ``rasd/data/places/lexicon.json``
holds the words the geocoder reads around names: countryside and direction
words, cue words (محافظة، مدينة، بلدة ...), the stoplists of names that are also
common words, and actor names that contain a place name.

:meth:`Gazetteer.find_places` matches normalised token sequences (a proclitic
و ف ب ل ك may lead the first token and is left out of the span), takes the
longest match first with no overlaps, and recognises composite phrases:

* countryside: "ريف إدلب الجنوبي الشرقي", "بريف حماة"، "ريفي حماة وإدلب",
  "الريف الشمالي لحماة", "الريف الحموي", "ريف جسر الشغور", "بادية حمص"
  → precision ``region``; "ريف دمشق" stays the governorate Rif Dimashq, and the
  countryside of Damascus is Rif Dimashq;
* direction: "شمال حماة", "جنوب شرق إدلب" → precision ``region``;
* governorate cue: "محافظة إدلب", "محافظتي حماة وإدلب" → the governorate, the
  mention text keeping "محافظة" as readers annotate it;
* facility or terrain head: "مطار حماة", "معبر نصيب", "سجن صيدنايا" → a
  feature in the place's governorate (lexicon ``feature_cues``), unless the
  gazetteer lists the facility itself ("مطار النيرب");
* a feature or region followed by direction adjectives keeps them in its text
  ("جبال اللاذقية الشمالية").

:meth:`Gazetteer.find_place_mentions` also gives each place the span of its
toponym proper, the entity span readers annotate (as ANERcorp does): the base
name of a countryside, direction or governorate phrase ("ريف حلب الغربي" →
"حلب", "محافظة درعا" → "درعا", "شمال غربي سوريا" → "سوريا"), a name without a
settlement or descriptive head the gazetteer lists it with ("حي جوبر" → "جوبر",
"جبال اللاذقية الشمالية" → "اللاذقية"); named features keep their head
("سهل الغاب", "مطار النيرب"), and "ريف دمشق" is the governorate's own name.

Ambiguity: a name shared by several places goes to the governorate the rest of
the report supports (unambiguous places, governorates, countryside phrases),
then to the place nearest the report's other places, then to the more
important one (admin unit, larger population); within one governorate a
governorate name beats the city (unless "مدينة" precedes), a town beats its
sub-district and district. Names that are also common words are kept only
with a cue word before them, or after a preposition or in a list of places
when the report supports their governorate.
"""

from __future__ import annotations

import bisect
import math
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Any, NamedTuple

from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import GOVERNORATES, PLACE_PRECISIONS, Place
from rasd.text.aligned import AlignedText, align_normalize
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import Token, clitic_splits, tokenize, tokenize_aligned

GAZETTEER_FILE = "places/gazetteer.json"
LEXICON_FILE = "places/lexicon.json"

# Which of several places of one governorate a bare name means.
_KIND_RANK = {"governorate": 6, "town": 5, "subdistrict": 4, "district": 3, "region": 2, "feature": 2, "country": 1}
# Places a countryside phrase can be built on.
_COUNTRYSIDE_BASES = frozenset({"governorate", "district", "subdistrict", "town"})
# Places a facility or terrain head can be built on ("مطار حماة", "معبر نصيب").
_FEATURE_BASES = frozenset({"governorate", "district", "subdistrict", "town", "region"})

STRONG, COMMON, CUE_ONLY = 0, 1, 2

_NAME, _BLOCKED, _COUNTRYSIDE, _DIRECTION, _GOV_CUE = "name", "blocked", "countryside", "direction", "governorate_cue"
_FEATURE = "feature"  # a facility or terrain head before a place's name: "مطار حماة", "معبر نصيب"
_TANWEEN_FATHA = "\u064b"
_MAX_DIRECTIONS = 3
_SENTENCE_MARKS = (".", "\n", "؟", "?", "!")
_SENTENCE_WINDOW = 600  # characters searched for a sentence's ends (a sentence is rarely longer)
UNLISTED_ID = "rasd-unlisted"  # gazetteer_id of a place the gazetteer lacks
_WORD_MEMO_SIZE = 65_536  # words whose readings are remembered (the table is cleared when full)


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One place of the gazetteer.

    Attributes:
        id: OpenSyria id (``sy-idlib``), ``gn-<geonameid>`` or ``rasd-<slug>``.
        name_ar: Arabic name as written.
        name_en: English name.
        aliases_ar: other Arabic names and spellings.
        governorate: a ``rasd.schema.GOVERNORATES`` label, or None outside Syria
            or for Syria-wide regions.
        governorates: every governorate a feature or region spans (empty for
            most places); the report's context picks one.
        pcode: OCHA P-code (own for admin units; sub-district, district or
            governorate for towns), ``"SY"`` for Syria, None abroad.
        lat: latitude (centroid for areas).
        lon: longitude.
        precision: one of ``rasd.schema.PLACE_PRECISIONS``.
        population: when known.
    """

    id: str
    name_ar: str
    name_en: str
    aliases_ar: tuple[str, ...]
    governorate: str | None
    governorates: tuple[str, ...]
    pcode: str | None
    lat: float | None
    lon: float | None
    precision: str
    population: int | None = None


_NORM = operator.attrgetter("norm")


class _WordForms(NamedTuple):
    """What the geocoder reads in one normalised word that starts something, worked out once per word.

    Most words start nothing: they are read as an empty tuple instead (see
    :meth:`Gazetteer._read_words`), so a text's matchers visit only the others.

    Attributes:
        name_starts: the proclitic splits whose remainder starts a listed or blocked name.
        heads: the splits whose remainder is a countryside, direction, facility or governorate word.
        unlisted_cue: whether a remainder is a settlement cue of unlisted names ("بلدة", "وقرى").
        feature_cue: the first split whose remainder heads an unlisted facility ("ساحة"), or None.
    """

    name_starts: tuple[tuple[int, str], ...]
    heads: tuple[tuple[int, str], ...]
    unlisted_cue: bool
    feature_cue: tuple[int, str] | None


class _TextReading(NamedTuple):
    """One report read for geocoding (see :meth:`Gazetteer._read_text`)."""

    aligned: AlignedText
    tokens: list[Token]
    norms: list[str]
    words: list[_WordForms | tuple[()]]  # per token: what it starts, () for most
    starts: list[int]  # indices of the tokens that start something


@dataclass(slots=True)
class _Mention:
    """A raw match in token indices, before resolution."""

    first: int
    last: int  # exclusive
    prefix_len: int  # proclitic characters of the first token's normalised form
    candidates: tuple[int, ...]  # entry indices
    kind: str
    weakness: int = STRONG
    directions: tuple[str, ...] = ()
    order: int = 1  # tie-break between equally long matches: lower wins
    desert: bool = False  # a countryside phrase on بادية rather than ريف
    name: tuple[int, int, int] | None = None  # (first, last, prefix_len) of the toponym proper, when not the whole

    @property
    def length(self) -> int:
        return self.last - self.first


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place with the span of its toponym proper.

    Attributes:
        place: the resolved place; its text is the whole phrase ("ريف حلب الغربي").
        name_start: start of the toponym in the original text ("حلب").
        name_end: end (exclusive) of the toponym.
        name_entry: the gazetteer entry the toponym names (Aleppo for "ريف حلب الغربي").
    """

    place: Place
    name_start: int
    name_end: int
    name_entry: GazetteerEntry | None = None

    @property
    def name_text(self) -> str:
        """The toponym as written ("حلب" in "ريف حلب الغربي")."""
        start = self.name_start - self.place.start
        return self.place.text[start : start + self.name_end - self.name_start]


class Gazetteer:
    """The Syria gazetteer compiled for matching.

    Build it with :meth:`from_data` (cached); :meth:`find_places` geocodes a
    report, :meth:`lookup` and :meth:`resolve_name` look one name up.
    """

    def __init__(self, entries: Sequence[GazetteerEntry], lexicon: Mapping[str, Any]):
        """Compile entries and lexicon into lookup tables.

        Args:
            entries: the places.
            lexicon: the parsed ``lexicon.json``.

        Raises:
            DataError: on an unknown governorate label or precision.
        """
        self.entries: tuple[GazetteerEntry, ...] = tuple(entries)
        self._by_id = {e.id: i for i, e in enumerate(self.entries)}
        for entry in self.entries:
            check_entry(entry)
        self._governorate_entry = {
            e.governorate: i for i, e in enumerate(self.entries) if e.precision == "governorate"
        }
        if set(self._governorate_entry) != set(GOVERNORATES):
            raise DataError("gazetteer lacks governorates: " + ", ".join(set(GOVERNORATES) - set(self._governorate_entry)))

        def words(key: str) -> frozenset[str]:
            return frozenset(normalize_ar(w) for w in lexicon.get(key, ()))

        self._governorate_cues = words("governorate_cues")
        self._town_cues = words("town_cues")
        self._town_precision_cues = words("town_precision_cues")
        self._licensing_cues = words("licensing_cues") | self._town_cues | self._governorate_cues
        self._subdistrict_cues = frozenset({normalize_ar("ناحية"), normalize_ar("ناحيتي")})
        self._countryside = words("countryside_words")
        self._definite_countryside = frozenset(w for w in self._countryside if w.startswith("ال"))
        self._desert_words = words("desert_words")
        self._locative = words("locative_predecessors")
        self._locative_clitics = words("locative_clitics")
        self._blocking_heads = words("blocking_heads")
        self._entity_heads = words("entity_heads")
        self._trailing_descriptors = words("trailing_descriptors")
        self._feature_heads = words("feature_heads")
        self._unlisted_cues = words("unlisted_name_cues")
        self._unlisted_feature_cues = words("unlisted_feature_cues")
        self._feature_cues = {normalize_ar(k): v for k, v in lexicon.get("feature_cues", {}).items()}
        self._compound_starts = words("compound_name_starts")
        self._unlisted_stopwords = words("unlisted_name_stopwords")
        self._list_gaps = words("list_separators")
        self._direction_nouns = {normalize_ar(k): v for k, v in lexicon.get("direction_nouns", {}).items()}
        self._descriptive_heads = words("descriptive_heads") | frozenset(self._direction_nouns)
        self._direction_adjectives = {normalize_ar(k): v for k, v in lexicon.get("direction_adjectives", {}).items()}
        self._direction_names_ar = dict(lexicon.get("direction_names_ar", {}))
        self._direction_names_ar_feminine = dict(lexicon.get("direction_names_ar_feminine", {}))
        self._direction_nouns_ar = dict(lexicon.get("direction_nouns_ar", {}))
        self._nisba = {normalize_ar(k): v for k, v in lexicon.get("nisba_adjectives", {}).items()}
        self._countryside_overrides = dict(lexicon.get("countryside_overrides", {}))
        for label in [*self._nisba.values(), *self._countryside_overrides.values(), *self._countryside_overrides]:
            if label not in GOVERNORATES:
                raise DataError(f"lexicon names an unknown governorate {label!r}")
        self._weakness: dict[tuple[str, ...], int] = {}
        for name in lexicon.get("common_words", ()):
            self._weakness[name_tokens(name)] = COMMON
        for name in lexicon.get("cue_only_words", ()):
            self._weakness[name_tokens(name)] = CUE_ONLY

        self._names: dict[tuple[str, ...], tuple[int, ...]] = {}
        self._blocked: set[tuple[str, ...]] = set()
        self._prefixes: set[tuple[str, ...]] = set()
        names: dict[tuple[str, ...], list[int]] = {}
        own_names: list[frozenset[tuple[str, ...]]] = []  # per entry, the keys of its own names
        for index, entry in enumerate(self.entries):
            keys = [name_tokens(name) for name in (entry.name_ar, *entry.aliases_ar)]
            own_names.append(frozenset(keys))
            for key in keys:
                if not key or len("".join(key)) < 3:
                    continue
                bucket = names.setdefault(key, [])
                if index not in bucket:
                    bucket.append(index)
        for phrase in lexicon.get("blocked_phrases", ()):
            key = name_tokens(phrase)
            if key:
                self._blocked.add(key)
        for key, indices in names.items():
            self._names[key] = tuple(indices)
        self._own_names = tuple(own_names)
        # names whose every candidate is a feature or region: direction adjectives after them belong to them
        self._area_names = frozenset(key for key, indices in self._names.items()
                                     if all(self.entries[i].precision in ("feature", "region") for i in indices))
        for key in [*self._names, *self._blocked]:
            for size in range(1, len(key)):
                self._prefixes.add(key[:size])
        self._name_firsts = frozenset(key[0] for key in [*self._names, *self._blocked])
        self._composite_heads = (frozenset(self._countryside) | frozenset(self._direction_nouns)
                                 | frozenset(self._feature_cues) | self._governorate_cues)
        self._word_forms: dict[str, _WordForms | tuple[()]] = {}
        self._default_choices: dict[tuple[int, ...], int] = {}  # candidates -> the one meant without context
        self._governorates: dict[tuple[int, ...], frozenset[str | None]] = {}  # candidates -> their governorates
        self._precision_cues: dict[str, str | None] = {}  # word -> the precision it asks of the next name
        self._last_reading: _TextReading | None = None

    # ------------------------------------------------------------------ factories

    @classmethod
    @lru_cache(maxsize=1)
    def from_data(cls) -> "Gazetteer":
        """The gazetteer over the bundled ``places/gazetteer.json`` and ``places/lexicon.json``.

        Raises:
            DataError: when a file is missing or malformed.
        """
        return cls(load_entries(load_json(GAZETTEER_FILE)), load_json(LEXICON_FILE))

    # ------------------------------------------------------------------ lookups

    def get(self, place_id: str) -> GazetteerEntry:
        """The entry with this id.

        Raises:
            KeyError: for an unknown id.
        """
        return self.entries[self._by_id[place_id]]

    def governorate(self, label: str) -> GazetteerEntry:
        """The governorate entry for a ``rasd.schema.GOVERNORATES`` label, e.g. ``"Idlib"``."""
        return self.entries[self._governorate_entry[label]]

    def lookup(self, name: str) -> tuple[GazetteerEntry, ...]:
        """Every place a name (as written, without proclitics) may denote.

        Example:
            >>> [e.precision for e in Gazetteer.from_data().lookup("إدلب")][:1]
            ['governorate']
        """
        return tuple(self.entries[i] for i in self._names.get(name_tokens(name), ()))

    def resolve_name(self, name: str) -> GazetteerEntry | None:
        """The place a name most likely denotes without context, or None.

        Tries the name as written, then without one leading proclitic, so an
        NER span such as "بمعرة النعمان" resolves too.

        Example:
            >>> Gazetteer.from_data().resolve_name("بسراقب").name_en
            'Saraqib'
        """
        key = name_tokens(name)
        if not key:
            return None
        for _, rest in split_proclitics(key[0]):
            indices = self._names.get((rest, *key[1:]))
            if indices:
                return self.entries[self._default_choice(indices)]
        return None

    def trim_toponym(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The toponym inside a place phrase found by other means (an NER span).

        Leading settlement and descriptive heads and trailing direction,
        nisba and descriptive adjectives are left out (lexicon ``entity_heads``,
        ``direction_adjectives``, ``nisba_adjectives``, ``trailing_descriptors``).

        Args:
            text: the report as written.
            start: start of the phrase.
            end: end of the phrase.

        Returns:
            ``(start, end)`` of the toponym; the phrase itself when nothing is left out.

        Example:
            >>> g, t = Gazetteer.from_data(), "في حي جوبر الدمشقي"
            >>> s, e = g.trim_toponym(t, 3, len(t)); t[s:e]
            'جوبر'
        """
        words = [t for t in tokenize(text[start:end]) if any(ch.isalnum() for ch in t.norm)]
        if not words:
            return start, end
        first, last = 0, len(words)
        while last - first > 1 and words[first].norm in self._entity_heads:
            first += 1
        while last - first > 1 and self._is_trailing_adjective(words[last - 1].norm):
            last -= 1
        return start + words[first].start, start + words[last - 1].end

    def _is_trailing_adjective(self, word: str) -> bool:
        return word in self._direction_adjectives or word in self._nisba or word in self._trailing_descriptors

    def is_common_word_name(self, name: str) -> bool:
        """Whether a name is listed as a place but also an everyday word the geocoder only takes with a cue.

        Example:
            >>> Gazetteer.from_data().is_common_word_name("سورية"), Gazetteer.from_data().is_common_word_name("إدلب")
            (True, False)
        """
        key = name_tokens(name)
        return bool(key) and any(
            self._weakness.get((rest, *key[1:]), STRONG) != STRONG for _, rest in split_proclitics(key[0]))

    def is_generic_place_phrase(self, name: str) -> bool:
        """Whether a phrase is only settlement, cue or building words ("المدينة", "وبلدة", "مشفى").

        Example:
            >>> Gazetteer.from_data().is_generic_place_phrase("المدينة")
            True
        """
        words = [t.norm for t in tokenize(name) if any(ch.isalnum() for ch in t.norm)]
        generic = self._unlisted_cues | self._entity_heads | self._unlisted_stopwords | self._countryside
        return all(any(rest in generic for _, rest in split_proclitics(word)) for word in words)

    def find_cued_names(self, text: str, is_common_word: Callable[[str], bool] | None = None) -> list[tuple[int, int]]:
        """Names of places the gazetteer lacks, read after a settlement cue.

        "سيطرت على بلدات مسحرة ومجدوليا وتل مسحرة" names three villages the
        gazetteer may not list: a word after a cue (lexicon
        ``unlisted_name_cues``: بلدة، قرية، قريتي، أحياء، منطقة، محيط ...) is a
        name, with the word after it when it starts a compound (تل، كفر، عين ...,
        ``compound_name_starts``) or is a definite word that is not an
        adjective of place ("أورم الكبرى" but not "اليعقوبية الواقعة"); a list
        joined by و continues it. Stopwords, cue and direction words, words
        with a pronoun suffix and words ``is_common_word`` calls common are not
        names.

        Args:
            text: the report as written.
            is_common_word: optional test on a normalised word (e.g. the NER
                lexicon's memory of everyday words).

        Returns:
            ``(start, end)`` offsets of each name, in text order; names the
            gazetteer lists are included too (the caller drops overlaps).

        Example:
            >>> t = "سيطرت على بلدات مسحرة ومجدوليا"
            >>> [t[s:e] for s, e in Gazetteer.from_data().find_cued_names(t)]
            ['مسحرة', 'مجدوليا']
        """
        if not text:
            return []
        aligned, tokens, norms, words, starts = self._read_text(text)
        common = is_common_word or (lambda word: False)
        found: list[tuple[int, int]] = []
        position = 0
        for candidate in starts:  # a word that starts nothing is no cue
            if candidate < position:
                continue
            position = candidate
            forms = words[position]
            feature = forms.feature_cue
            if feature is not None:
                end = self._read_facility_name(norms, position + 1, common)
                if end is not None:  # "ساحة الكرامة", "مخيم الوافدين": the head is part of the name
                    start = _original_offset(tokens[position], feature[0], aligned)
                    found.append((start, tokens[end - 1].end))
                    position = end
                    continue
            if not forms.unlisted_cue:
                continue
            position += 1
            while position < len(norms) and self._is_cue_word(norms[position]):
                position += 1  # "أطراف حي ...", "قرى وبلدات ..."
            conjunction = 0
            while position < len(norms):
                end = self._read_unlisted_name(norms, position, conjunction, common)
                if end is None:
                    break
                start = _original_offset(tokens[position], conjunction, aligned)
                found.append((start, tokens[end - 1].end))
                position, conjunction = end, 1
                if position >= len(norms) or norms[position][:1] != "و":
                    break
        return found

    def _read_facility_name(self, norms: list[str], position: int, common: Callable[[str], bool]) -> int | None:
        """End token of a facility's name after its head ("الكرامة" after "ساحة"), or None.

        The name is a word that is not an everyday one ("ساحة الكرامة",
        "جبل زين العابدين"; not "ساحة المعركة"), or a compound start and its word.
        """
        if position >= len(norms):
            return None
        word = norms[position]
        if word in self._compound_starts:
            following = norms[position + 1] if position + 1 < len(norms) else ""
            return position + 2 if self._could_be_name(following) else None
        if not self._could_be_name(word) or self._is_trailing_adjective(word) or common(word):
            return None
        end = position + 1
        if end < len(norms) and norms[end].startswith("ال") and self._could_be_name(norms[end]) \
                and not self._is_trailing_adjective(norms[end]):
            end += 1
        return end

    def _read_unlisted_name(self, norms: list[str], position: int, conjunction: int,
                            common: Callable[[str], bool]) -> int | None:
        """End token of an unlisted name at ``position`` (after ``conjunction`` letters of و), or None."""
        word = norms[position][conjunction:]
        if conjunction and norms[position][:1] != "و":
            return None
        listed = self._listed_name_end(word, norms, position)
        if listed is not None:
            return listed  # a listed name keeps the list going ("قرى الزيارة والمنصورة وتل واسط")
        compound = word in self._compound_starts
        if not compound and (not self._could_be_name(word) or common(word)):
            return None
        if conjunction and not compound and _looks_like_a_verb(word):
            return None  # "الشيفونية وسيطرت على ...": the list has ended
        end = position + 1
        if end < len(norms):
            following = norms[end]
            if compound and self._could_be_name(following) or (
                following.startswith("ال") and self._could_be_name(following)
                and not self._is_trailing_adjective(following)
            ):
                end += 1
        return end

    def _listed_name_end(self, word: str, norms: list[str], position: int) -> int | None:
        """End token of the longest gazetteer name starting with ``word`` at ``position``, or None."""
        key: tuple[str, ...] = (word,)
        end, found = position + 1, None
        while True:
            if key in self._names:
                found = end
            if end >= len(norms) or key not in self._prefixes:
                return found
            key, end = (*key, norms[end]), end + 1

    def _is_cue_word(self, word: str) -> bool:
        forms = self._forms_of(word)
        return bool(forms) and forms.unlisted_cue

    def _read_text(self, text: str) -> _TextReading:
        """A report's tokens and what each word starts (:meth:`_read_words`).

        The last report's reading is kept: the analyzer asks for a report's
        places and then for its cued names.
        """
        aligned = align_normalize(text)
        last = self._last_reading
        if last is not None and last.aligned is aligned:  # the same text (the reading holds its alignment)
            return last
        tokens = tokenize_aligned(aligned)
        norms = list(map(_NORM, tokens))
        words = self._read_words(norms)
        reading = _TextReading(aligned, tokens, norms, words, list(compress(range(len(words)), words)))
        self._last_reading = reading
        return reading

    def _read_words(self, norms: list[str]) -> list[_WordForms | tuple[()]]:
        """What the geocoder reads in each word of a text (:meth:`_forms_of`), from the memory where it can."""
        words = list(map(self._word_forms.get, norms))
        if None in words:
            words = [forms if forms is not None else self._forms_of(word) for forms, word in zip(words, norms)]
        return words

    def _forms_of(self, word: str) -> _WordForms | tuple[()]:
        """What the geocoder reads in a normalised word, or an empty tuple when it starts nothing (remembered).

        Example:
            ``_forms_of("بريف").heads`` -> ``((1, "ريف"),)``; ``_forms_of("قال")`` -> ``()``
        """
        forms = self._word_forms.get(word)
        if forms is None:
            splits = proclitic_splits(word)
            forms = _WordForms(
                name_starts=tuple(split for split in splits if split[1] in self._name_firsts),
                heads=tuple(split for split in splits if split[1] in self._composite_heads),
                unlisted_cue=any(rest in self._unlisted_cues for _, rest in splits),
                feature_cue=next((split for split in splits if split[1] in self._unlisted_feature_cues), None),
            )
            if not any(forms):
                forms = ()
            if len(self._word_forms) >= _WORD_MEMO_SIZE:
                self._word_forms.clear()
            self._word_forms[word] = forms
        return forms

    def _could_be_name(self, word: str) -> bool:
        if len(word) < 3 or not word.isalpha() or word in self._unlisted_stopwords or word.startswith("لل"):
            return False
        if word in self._unlisted_cues or word in self._entity_heads or word in self._countryside \
                or word in self._unlisted_feature_cues:
            return False
        if word in self._direction_nouns or word in self._direction_adjectives or word in self._locative:
            return False
        stem = word[:-2] if word.endswith(("ها", "هم")) else ""  # "ريفها", "قراها"
        return not (stem and (stem in self._unlisted_cues or stem in self._countryside or stem + "ه" in self._unlisted_cues))

    def place_for_span(self, text: str, start: int, end: int, places: Sequence[Place], cued: bool = False) -> Place:
        """A place for a toponym found by other means (an NER span), resolved in its report.

        A listed name takes the candidate of the governorate the report's
        places support most; an unlisted name (a village the gazetteer lacks)
        takes the governorate of the nearest place after it in the same
        sentence ("قريتي صيدا والمعلق في ناحية عين عيسى"), else before it, else
        the report's only governorate, else none.

        Args:
            text: the report as written.
            start: start of the toponym (see :meth:`trim_toponym`).
            end: end of the toponym.
            places: the report's gazetteer places, in text order.
            cued: the name follows a settlement cue (a place in the report's
                area): without a place in its sentence it takes the nearest
                place named before it in the report.

        Returns:
            The place; an unlisted one has ``gazetteer_id`` ``"rasd-unlisted"``,
            the governorate's P-code and no coordinates.
        """
        name = text[start:end]
        support = Counter(p.governorate for p in places if p.governorate)
        key = name_tokens(name)
        for _, rest in split_proclitics(key[0]) if key else ():
            indices = self._names.get((rest, *key[1:]))
            if indices:
                entry = self.entries[self._choose(indices, support, [], None)]
                return Place(text=name, start=start, end=end, gazetteer_id=entry.id, name_ar=entry.name_ar,
                             name_en=entry.name_en, governorate=entry.governorate, pcode=entry.pcode, lat=entry.lat,
                             lon=entry.lon, precision=entry.precision)
        governorate = self._governorate_in_context(text, start, end, places, support, cued)
        pcode = self.governorate(governorate).pcode if governorate else None
        head = key[0] if key else ""
        precision = "feature" if head in self._feature_heads else "town"
        return Place(text=name, start=start, end=end, gazetteer_id=UNLISTED_ID, name_ar=name, name_en="",
                     governorate=governorate, pcode=pcode, lat=None, lon=None, precision=precision)

    def _governorate_in_context(self, text: str, start: int, end: int, places: Sequence[Place],
                                support: Counter, cued: bool) -> str | None:
        window = max(0, start - _SENTENCE_WINDOW)
        sentence_start = max(window - 1, *(text.rfind(mark, window, start) for mark in _SENTENCE_MARKS)) + 1
        ends = [i for i in (text.find(mark, end, end + _SENTENCE_WINDOW) for mark in _SENTENCE_MARKS) if i >= 0]
        sentence_end = min(ends) if ends else min(len(text), end + _SENTENCE_WINDOW)
        after = [p for p in places if end <= p.start < sentence_end and p.governorate]
        if after:
            return after[0].governorate
        before = [p for p in places if p.end <= start and p.governorate and (cued or sentence_start <= p.start)]
        if before:
            return before[-1].governorate
        return next(iter(support)) if len(support) == 1 else None

    # ------------------------------------------------------------------ geocoding

    def find_places(self, text: str) -> list[Place]:
        """Every place mention in a report, resolved to the gazetteer.

        Args:
            text: the report as written.

        Returns:
            Places in text order; offsets index ``text``, a leading proclitic
            excluded, no two overlapping.

        Example:
            >>> [(p.text, p.governorate, p.precision) for p in
            ...  Gazetteer.from_data().find_places("قصف على بلدة كفرنبودة بريف حماة الشمالي")]
            [('كفرنبودة', 'Hama', 'town'), ('ريف حماة الشمالي', 'Hama', 'region')]
        """
        return [m.place for m in self.find_place_mentions(text)]

    def find_place_mentions(self, text: str) -> list[PlaceMention]:
        """Every place mention in a report with the span of its toponym proper.

        Args:
            text: the report as written.

        Returns:
            Place mentions in text order (see :meth:`find_places`); ``name_start``
            and ``name_end`` delimit the toponym inside ``place.text``.

        Example:
            >>> text = "اشتباكات في ريف حلب الغربي"
            >>> [(m.place.text, text[m.name_start:m.name_end]) for m in Gazetteer.from_data().find_place_mentions(text)]
            [('ريف حلب الغربي', 'حلب')]
        """
        if not text:
            return []
        aligned, tokens, norms, words, starts = self._read_text(text)
        if not tokens:
            return []
        splits = _Splits(norms)
        mentions = self._select(self._match_names(norms, words, starts)
                                + self._match_composites(norms, splits, words, starts))
        return self._resolve(mentions, tokens, norms, splits, aligned)

    # ------------------------------------------------------------------ matching

    def _match_names(self, norms: list[str], words: list[_WordForms], starts: list[int]) -> list[_Mention]:
        found: list[_Mention] = []
        names, prefixes, blocked = self._names, self._prefixes, self._blocked
        count = len(norms)
        for first in starts:
            for prefix_len, rest in words[first].name_starts:
                key: tuple[str, ...] = (rest,)
                last = first + 1
                while True:
                    if key in blocked:
                        found.append(_Mention(first, last, prefix_len, (), _BLOCKED, order=0))
                    indices = names.get(key)
                    if indices:
                        found.append(self._name_mention(first, last, prefix_len, key, indices, norms))
                    if last >= count or key not in prefixes:
                        break
                    key = (*key, norms[last])
                    last += 1
        return found

    def _name_mention(self, first, last, prefix_len, key, indices, norms) -> _Mention:
        mention = _Mention(first, last, prefix_len, indices, _NAME, weakness=self._weakness.get(key, STRONG))
        if key in self._area_names:
            directions, end = self._read_direction_adjectives(norms, last, allow_conjunction=False)
            mention.last, mention.directions = end, directions
            if end != last:
                mention.name = (first, last, prefix_len)
        return mention

    def _read_direction_adjectives(self, norms, position, allow_conjunction=True) -> tuple[tuple[str, ...], int]:
        """Direction adjectives from ``position`` on ("الجنوبي الشرقي", "الشمالي والغربي")."""
        directions: list[str] = []
        while position < len(norms) and len(directions) < _MAX_DIRECTIONS:
            word = norms[position]
            direction = self._direction_adjectives.get(word)
            if direction is None and allow_conjunction and directions and word[:1] == "و":
                direction = self._direction_adjectives.get(word[1:])
            if direction is None:
                break
            directions.append(direction)
            position += 1
        return tuple(directions), position

    def _bases_at(self, norms, splits, position, prefix_len=0) -> list[_Mention]:
        """Name matches starting at ``position`` with exactly ``prefix_len`` proclitic characters."""
        if position >= len(norms):
            return []
        found = []
        for split_len, rest in splits[position]:
            if split_len != prefix_len:
                continue
            key: tuple[str, ...] = (rest,)
            last = position + 1
            while True:
                indices = self._names.get(key)
                if indices:
                    found.append(_Mention(position, last, prefix_len, indices, _NAME))
                if last >= len(norms) or key not in self._prefixes:
                    break
                key = (*key, norms[last])
                last += 1
        found.sort(key=lambda m: -m.length)
        return found

    def _filter(self, indices: Iterable[int], precisions: frozenset[str]) -> tuple[int, ...]:
        return tuple(i for i in indices if self.entries[i].precision in precisions and self.entries[i].governorate)

    def _base_after(self, norms, splits, position, precisions, prefix_len=0) -> _Mention | None:
        """The longest name at ``position`` (after an optional cue word) with a candidate of ``precisions``."""
        for start in (position, position + 1):
            if start == position + 1:
                if position >= len(norms) or prefix_len:
                    break
                word = norms[position]
                if word not in self._governorate_cues and word not in self._town_precision_cues:
                    break
            for base in self._bases_at(norms, splits, start, prefix_len):
                kept = self._filter(base.candidates, precisions)
                if kept:
                    base.candidates = kept
                    return base
        return None

    def _match_composites(self, norms: list[str], splits: "_Splits", words: list[_WordForms],
                          starts: list[int]) -> list[_Mention]:
        found: list[_Mention] = []
        governorate_only = frozenset({"governorate"})
        for first in starts:
            for prefix_len, rest in words[first].heads:
                if rest in self._countryside:
                    found.extend(self._match_countryside(norms, splits, first, prefix_len, rest))
                elif rest in self._direction_nouns:
                    directions = [self._direction_nouns[rest]]
                    position = first + 1
                    if position < len(norms) and norms[position] in self._direction_nouns:
                        second = self._direction_nouns[norms[position]]
                        if directions[0] in ("north", "south") and second in ("east", "west"):
                            directions.append(second)
                            position += 1
                    base = self._base_after(norms, splits, position, governorate_only)
                    if base is not None:
                        found.append(_Mention(first, base.last, prefix_len, base.candidates, _DIRECTION,
                                              directions=tuple(directions), order=2, name=_name_of(base)))
                elif rest in self._feature_cues:
                    base = self._base_after(norms, splits, first + 1, _FEATURE_BASES)
                    if base is not None and base.first == first + 1:
                        found.append(_Mention(first, base.last, prefix_len, base.candidates, _FEATURE, order=2,
                                              name=(first, base.last, prefix_len)))
                elif rest in self._governorate_cues:
                    base = self._base_after(norms, splits, first + 1, governorate_only)
                    if base is not None and base.first == first + 1:
                        found.append(_Mention(first, base.last, prefix_len, base.candidates, _GOV_CUE, order=2,
                                              name=_name_of(base)))
                        found.extend(self._match_conjoined(norms, splits, base.last, _GOV_CUE))
        return found

    def _match_countryside(self, norms, splits, first, prefix_len, word) -> list[_Mention]:
        found = self._match_countryside_forms(norms, splits, first, prefix_len, word)
        if word in self._desert_words:
            for mention in found:
                mention.desert = True
        return found

    def _match_countryside_forms(self, norms, splits, first, prefix_len, word) -> list[_Mention]:
        found: list[_Mention] = []
        base = self._base_after(norms, splits, first + 1, _COUNTRYSIDE_BASES)
        if base is not None:
            directions, end = self._read_direction_adjectives(norms, base.last)
            found.append(_Mention(first, end, prefix_len, base.candidates, _COUNTRYSIDE, directions=directions, order=2,
                                  name=_name_of(base)))
            found.extend(self._match_conjoined(norms, splits, end, _COUNTRYSIDE))
            return found
        if word not in self._definite_countryside or first + 1 >= len(norms):
            return found
        # "الريف الحموي الشمالي", "البادية الحمصية"
        label = self._nisba.get(norms[first + 1])
        if label is not None:
            directions, end = self._read_direction_adjectives(norms, first + 2)
            found.append(_Mention(first, end, prefix_len, (self._governorate_entry[label],), _COUNTRYSIDE,
                                  directions=directions, order=2))
            return found
        # "الريف الشمالي لحماة", "الريف الغربي لمحافظة إدلب"
        directions, position = self._read_direction_adjectives(norms, first + 1)
        if not directions or position >= len(norms):
            return found
        base = None
        for split_len, rest in splits[position]:
            if split_len and norms[position][split_len - 1] == "ل":
                if rest in self._governorate_cues or rest in self._town_precision_cues:
                    base = self._base_after(norms, splits, position + 1, _COUNTRYSIDE_BASES)
                else:
                    base = self._base_after(norms, splits, position, _COUNTRYSIDE_BASES, prefix_len=split_len)
                if base is not None:
                    break
        if base is not None:
            found.append(_Mention(first, base.last, prefix_len, base.candidates, _COUNTRYSIDE,
                                  directions=directions, order=2, name=_name_of(base)))
        return found

    def _match_conjoined(self, norms, splits, position, kind) -> list[_Mention]:
        """A governorate joined by و after a countryside or governorate phrase ("ريفي حماة وإدلب")."""
        if position >= len(norms) or norms[position][:1] != "و":
            return []
        base = self._base_after(norms, splits, position, frozenset({"governorate"}), prefix_len=1)
        if base is None or base.first != position:
            return []
        directions, end = ((), base.last)
        if kind == _COUNTRYSIDE:
            directions, end = self._read_direction_adjectives(norms, base.last)
        # order 0: "وإدلب" here is the countryside or governorate, not the bare name.
        return [_Mention(position, end, 1, base.candidates, kind, directions=directions, order=0,
                         name=_name_of(base))]

    @staticmethod
    def _select(mentions: list[_Mention]) -> list[_Mention]:
        """Longest first, then leftmost, fewer proclitic letters, a listed name over one read with
        direction adjectives ("الغوطة الشرقية"), blocks before names before phrases."""
        mentions.sort(key=lambda m: (-m.length, m.first, m.prefix_len, len(m.directions), m.order))
        taken: set[int] = set()
        chosen = []
        for mention in mentions:
            span = range(mention.first, mention.last)
            if not taken.isdisjoint(span):
                continue
            taken.update(span)
            chosen.append(mention)
        chosen.sort(key=lambda m: m.first)
        return chosen

    # ------------------------------------------------------------------ resolution

    def _resolve(self, mentions, tokens, norms, splits, aligned) -> list[Place]:
        live = [m for m in mentions if m.kind != _BLOCKED and not self._blocked_by_head(m, norms)
                and not (m.kind == _NAME and _is_adverbial(tokens[m.last - 1].text))]
        for mention in live:
            mention.candidates = self._prefer_by_cue(mention, norms, splits)

        # Context: governorates and points of the places the report names unambiguously.
        support: Counter = Counter()
        points: list[tuple[float, float]] = []
        for mention in live:
            if mention.weakness != STRONG and not self._cued(mention, splits):
                continue
            govs = self._governorates_of(mention.candidates)
            if len(govs) == 1 and None not in govs:
                support[next(iter(govs))] += 1
                chosen = self.entries[self._default_choice(mention.candidates)]
                if chosen.lat is not None and chosen.precision not in ("country", "region"):
                    points.append((chosen.lat, chosen.lon))

        places: list[Place] = []
        previous: _Mention | None = None
        for position, mention in enumerate(live):
            if not self._licensed(mention, previous, support, norms, splits):
                if not self._licensed_by_region_after(mention, live, position, norms):
                    continue
            index = self._choose(mention.candidates, support, points, mention)
            place = self._place(mention, index, support, tokens, aligned)
            name_start, name_end, name_index = self._name_span(mention, index, tokens, norms, splits, aligned)
            places.append(PlaceMention(place, name_start, name_end, self.entries[name_index]))
            previous = mention
        return places

    def _name_span(self, mention: _Mention, index: int, tokens, norms, splits, aligned) -> tuple[int, int, int]:
        """Offsets of the toponym proper of a resolved mention and the entry it names (see the module docstring)."""
        first, last, prefix_len = mention.name or (mention.first, mention.last, mention.prefix_len)
        if mention.kind == _COUNTRYSIDE and mention.first + 1 == first:
            whole = next(rest for length, rest in splits[mention.first] if length == mention.prefix_len)
            if (whole, *norms[first:last]) in self._names:  # "ريف دمشق الجنوبي": the governorate's own name
                first, prefix_len = mention.first, mention.prefix_len
                index = self._default_choice(self._names[(whole, *norms[mention.first + 1 : last])])
        first, prefix_len, index = self._strip_entity_heads(index, first, last, prefix_len, norms, splits)
        last = self._strip_trailing_descriptors(index, first, last, prefix_len, norms, splits)
        start = _original_offset(tokens[first], prefix_len, aligned)
        return start, tokens[last - 1].end, index

    def _strip_trailing_descriptors(self, index: int, first: int, last: int, prefix_len: int, norms, splits) -> int:
        """Drop descriptive adjectives a listed name carries: "معبر نصيب الحدودي" → "معبر نصيب"."""
        if last - first <= 1:
            return last  # one word: nothing to drop
        own = self._own_names[index]
        head = next(rest for length, rest in splits[first] if length == prefix_len)
        end = last
        while end - first > 1 and norms[end - 1] in self._trailing_descriptors:
            end -= 1
            if (head, *norms[first + 1 : end]) in own:
                return end
        return last

    def _strip_entity_heads(self, index: int, first: int, last: int, prefix_len: int, norms, splits
                            ) -> tuple[int, int, int]:
        """Drop heads of a listed name that are not part of the toponym: "حي جوبر", "شمال غربي سوريا".

        A head of the lexicon's ``entity_heads`` goes when the rest is a name
        of the same place ("حي جوبر", "محافظة اللاذقية"); a descriptive head
        (countryside, mountain range, direction: ``descriptive_heads``) also
        goes when the rest is another place's name ("جبال اللاذقية",
        "شمال غربي سوريا"), except in the own name of an administrative unit
        ("ريف دمشق"). "بادية الشام" stays whole: "الشام" names no place.
        """
        best = (first, prefix_len, index)
        if last - first <= 1:
            return best  # one word: no head to drop
        entry = self.entries[index]
        own = self._own_names[index]
        administrative = entry.precision in ("governorate", "district", "subdistrict")
        position, descriptive = first, not administrative
        head = next(rest for length, rest in splits[first] if length == prefix_len)
        while position + 1 < last and head in self._entity_heads:
            descriptive = descriptive and head in self._descriptive_heads
            position += 1
            rest = tuple(norms[position:last])
            if rest in own:
                return position, 0, index
            if descriptive and rest in self._names:  # the last one: "شمال شرقي سوريا" → "سوريا"
                best = (position, 0, self._default_choice(self._names[rest]))
            head = norms[position]
        return best

    def _blocked_by_head(self, mention: _Mention, norms: list[str]) -> bool:
        """An organisation name such as "جيش إدلب" or "مجلس منبج": not a place mention."""
        return (mention.kind == _NAME and mention.prefix_len == 0 and mention.first > 0
                and norms[mention.first - 1] in self._blocking_heads)

    def _previous_words(self, mention: _Mention, splits) -> list[str]:
        if mention.first == 0:
            return []
        return [rest for _, rest in splits[mention.first - 1]]

    def _cued(self, mention: _Mention, splits) -> bool:
        if mention.kind != _NAME:
            return True
        return any(w in self._licensing_cues for w in self._previous_words(mention, splits))

    def _prefer_by_cue(self, mention: _Mention, norms, splits) -> tuple[int, ...]:
        """"مدينة حماة" means the city, "ناحية صوران" the sub-district."""
        if mention.kind != _NAME:
            return mention.candidates
        wanted = self._precision_cued(norms[mention.first - 1]) if mention.first else None
        if wanted is None:
            return mention.candidates
        preferred = tuple(i for i in mention.candidates if self.entries[i].precision == wanted)
        if not preferred and wanted == "town":
            preferred = tuple(i for i in mention.candidates if self.entries[i].precision != "governorate")
        return preferred or mention.candidates

    def _precision_cued(self, word: str) -> str | None:
        """The precision a cue word asks of the name after it: "town" after "مدينة", "subdistrict" after
        "ناحية", else None (remembered per word)."""
        try:
            return self._precision_cues[word]
        except KeyError:
            rests = [rest for _, rest in proclitic_splits(word)]
            wanted = None
            if any(w in self._town_precision_cues for w in rests):
                wanted = "town"
            elif any(w in self._subdistrict_cues for w in rests):
                wanted = "subdistrict"
            if len(self._precision_cues) >= _WORD_MEMO_SIZE:
                self._precision_cues.clear()
            self._precision_cues[word] = wanted
            return wanted

    def _licensed(self, mention: _Mention, previous: _Mention | None, support: Counter, norms, splits) -> bool:
        """Whether a name that is also a common word is used as a place here."""
        if mention.weakness == STRONG or self._cued(mention, splits):
            return True
        if mention.weakness == CUE_ONLY:
            return False
        if previous is not None and (
            previous.last == mention.first and mention.prefix_len
            or previous.last == mention.first - 1 and norms[mention.first - 1] in ("،", ",", "و")
        ):
            return True  # in a list of places: "منبج والباب"
        clitic = norms[mention.first][: mention.prefix_len]
        after_preposition = (
            mention.first == 0
            or clitic in self._locative_clitics
            or norms[mention.first - 1] in self._locative
            or not any(ch.isalnum() for ch in norms[mention.first - 1])
        )
        if not after_preposition:
            return False
        governorates = self._governorates_of(mention.candidates)
        return None in governorates or any(support[g] for g in governorates if g)

    def _licensed_by_region_after(self, mention: _Mention, live: list[_Mention], position: int, norms) -> bool:
        """A common-word name closed by a countryside phrase of its governorate: "الحاضر والعيس بريف حلب".

        Narrows the mention's candidates to that governorate. A cue-only name
        needs the phrase attached ("بريف") or another name in the list.
        """
        last, names_between = mention.last, 0
        for following in live[position + 1 : position + 8]:
            gap = following.first - last
            if gap > 1 or gap == 1 and norms[last] not in self._list_gaps or gap == 0 and not following.prefix_len:
                return False
            regional = following.kind in (_COUNTRYSIDE, _DIRECTION, _GOV_CUE) or all(
                self.entries[i].precision == "governorate" for i in following.candidates
            )
            if regional:
                governorates = {self.entries[i].governorate for i in following.candidates} - {None}
                kept = tuple(i for i in mention.candidates if self.entries[i].governorate in governorates)
                attached = gap == 0 and norms[following.first][: following.prefix_len] in self._locative_clitics
                if not kept or mention.weakness == CUE_ONLY and not (attached or names_between):
                    return False
                mention.candidates = kept
                return True
            last, names_between = following.last, names_between + 1
        return False

    def _default_choice(self, indices: tuple[int, ...]) -> int:
        """The candidate a name means without context (:meth:`_choose` with no support), remembered."""
        index = self._default_choices.get(indices)
        if index is None:
            index = self._choose(indices, Counter(), [], None)
            if len(self._default_choices) >= _WORD_MEMO_SIZE:
                self._default_choices.clear()
            self._default_choices[indices] = index
        return index

    def _governorates_of(self, indices: tuple[int, ...]) -> frozenset[str | None]:
        """The governorates of some candidates (None for a place outside them), remembered."""
        governorates = self._governorates.get(indices)
        if governorates is None:
            governorates = frozenset(self.entries[i].governorate for i in indices)
            if len(self._governorates) >= _WORD_MEMO_SIZE:
                self._governorates.clear()
            self._governorates[indices] = governorates
        return governorates

    def _choose(self, indices: Sequence[int], support: Counter, points, mention: _Mention | None) -> int:
        """The candidate a mention most likely means (see the module docstring)."""
        if len(indices) == 1:
            return indices[0]
        groups: dict[str | None, list[int]] = {}
        for i in indices:
            groups.setdefault(self.entries[i].governorate, []).append(i)

        def distance(group: list[int]) -> float:
            best = math.inf
            for i in group:
                entry = self.entries[i]
                if entry.lat is None:
                    continue
                for lat, lon in points:
                    best = min(best, _distance_km(entry.lat, entry.lon, lat, lon))
            return best if best < math.inf else 0.0

        def group_key(item: tuple[str | None, list[int]]) -> tuple:
            governorate, group = item
            weight = max(_KIND_RANK[self.entries[i].precision] >= 3 for i in group)
            population = max(self.entries[i].population or 0 for i in group)
            return (support[governorate] if governorate else 0, -distance(group), population, weight)

        _, group = max(groups.items(), key=group_key) if len(groups) > 1 else next(iter(groups.items()))
        return max(group, key=lambda i: (_KIND_RANK[self.entries[i].precision], self.entries[i].population or 0))

    def _place(self, mention: _Mention, index: int, support: Counter, tokens, aligned: AlignedText) -> Place:
        entry = self.entries[index]
        start = _original_offset(tokens[mention.first], mention.prefix_len, aligned)
        end = tokens[mention.last - 1].end
        text = aligned.original[start:end]
        governorate = entry.governorate
        if entry.governorates and governorate is not None and not support[governorate]:
            # A feature spanning governorates (البادية، جبل الشيخ): the one the report names most.
            backed = [g for g in entry.governorates if support[g]]
            if backed:
                governorate = max(backed, key=lambda g: (support[g], g == entry.governorate))
        if mention.kind == _COUNTRYSIDE:
            return self._countryside_place(entry, mention.directions, text, start, end, mention.desert)
        if mention.kind == _DIRECTION:
            return self._direction_place(entry, mention.directions, text, start, end)
        if mention.kind == _FEATURE:
            return self._feature_place(entry, _head_word(tokens[mention.first], mention.prefix_len), text, start, end)
        return Place(text=text, start=start, end=end, gazetteer_id=entry.id, name_ar=entry.name_ar,
                     name_en=entry.name_en, governorate=governorate, pcode=entry.pcode, lat=entry.lat,
                     lon=entry.lon, precision=entry.precision)

    def _countryside_place(self, base: GazetteerEntry, directions, text, start, end, desert=False) -> Place:
        override = self._countryside_overrides.get(base.governorate or "")
        if override is not None:
            base = self.governorate(override)
        names = self._direction_names_ar_feminine if desert else self._direction_names_ar
        words = " ".join(names.get(d, "") for d in directions)
        head, head_en, slug = ("بادية", "desert", "badia") if desert else ("ريف", "countryside", "rif")
        name_ar = f"{head} {base.name_ar}" + (f" {words}" if words else "")
        suffix = "-" + "-".join(directions) if directions else ""
        name_en = (f"{'-'.join(directions)} " if directions else "") + f"{base.name_en} {head_en}"
        return Place(text=text, start=start, end=end, gazetteer_id=f"rasd-{slug}-{base.id}{suffix}", name_ar=name_ar,
                     name_en=name_en, governorate=base.governorate, pcode=base.pcode, lat=base.lat, lon=base.lon,
                     precision="region")

    def _feature_place(self, base: GazetteerEntry, head: str, text, start, end) -> Place:
        head_en = self._feature_cues.get(head, "feature")
        return Place(text=text, start=start, end=end, gazetteer_id=f"rasd-{head_en}-{base.id}",
                     name_ar=text, name_en=f"{base.name_en} {head_en}", governorate=base.governorate, pcode=base.pcode,
                     lat=base.lat, lon=base.lon, precision="feature")

    def _direction_place(self, base: GazetteerEntry, directions, text, start, end) -> Place:
        name_ar = " ".join(self._direction_nouns_ar.get(d, "") for d in directions) + f" {base.name_ar}"
        return Place(text=text, start=start, end=end, gazetteer_id=f"rasd-{'-'.join(directions)}-of-{base.id}",
                     name_ar=name_ar, name_en=f"{'-'.join(directions)} of {base.name_en}",
                     governorate=base.governorate, pcode=base.pcode, lat=base.lat, lon=base.lon, precision="region")


# ---------------------------------------------------------------------- helpers


def _looks_like_a_verb(word: str) -> bool:
    """A perfect verb after و ("وسيطرت", "وقصفوا") ends a list of places.

    Example:
        >>> _looks_like_a_verb("سيطرت"), _looks_like_a_verb("مجدوليا")
        (True, False)
    """
    return not word.startswith("ال") and (word.endswith("وا") or word.endswith("ت") and len(word) <= 6)


def _is_adverbial(word: str) -> bool:
    """A name written with tanween fatha is an adjective ("عسكرياً سورياً"), not a place."""
    return word.rstrip("\u0640").endswith(_TANWEEN_FATHA)


def _head_word(token: Token, prefix_len: int) -> str:
    """The normalised first word of a mention without its proclitic ("ومطار" → "مطار")."""
    return token.norm[prefix_len:]


def _name_of(base: _Mention) -> tuple[int, int, int]:
    """The (first, last, prefix_len) of a base name inside a composite phrase."""
    return base.name or (base.first, base.last, base.prefix_len)


def name_tokens(name: str) -> tuple[str, ...]:
    """The normalised token sequence a name is matched as.

    Args:
        name: a place name as written.

    Returns:
        Its word tokens in the matching form.

    Example:
        >>> name_tokens("معرّة النعمان")
        ('معره', 'النعمان')
    """
    return tuple(t.norm for t in tokenize(name))


class _Splits:
    """The proclitic splits of a text's words, by token index, worked out when asked for (most never are)."""

    __slots__ = ("_norms",)

    def __init__(self, norms: Sequence[str]) -> None:
        self._norms = norms

    def __getitem__(self, position: int) -> tuple[tuple[int, str], ...]:
        return proclitic_splits(self._norms[position])


def split_proclitics(norm_word: str) -> list[tuple[int, str]]:
    """``clitic_splits`` plus ل before an article on a ل-initial stem.

    "للاذقية" is ل + اللاذقية with one lam dropped; ``clitic_splits`` restores
    "الاذقيه", so the form with the article's lam kept is added.

    Args:
        norm_word: one word in the matching form.

    Returns:
        ``(prefix_len, remainder)`` pairs, unsplit first.

    Example:
        >>> split_proclitics("وللاذقيه")[-1]
        (2, 'اللاذقيه')
    """
    return list(proclitic_splits(norm_word))


@lru_cache(maxsize=65_536)
def proclitic_splits(norm_word: str) -> tuple[tuple[int, str], ...]:
    """:func:`split_proclitics` as a tuple, remembered per word.

    Example:
        >>> proclitic_splits("بريف")
        ((0, 'بريف'), (1, 'ريف'))
    """
    splits = clitic_splits(norm_word)
    for conjunction in (0, 1):
        if conjunction and norm_word[:1] not in "وف":
            continue
        rest = norm_word[conjunction:]
        if rest.startswith("لل") and len(rest) >= 5:
            extra = (conjunction + 1, "ا" + rest)
            if extra not in splits:
                splits.append(extra)
    return tuple(splits)


def load_entries(data: Mapping[str, Any]) -> list[GazetteerEntry]:
    """Gazetteer entries from the parsed ``gazetteer.json``.

    Raises:
        DataError: when a record lacks a required field.
    """
    try:
        return [
            GazetteerEntry(
                id=record["id"],
                name_ar=record["name_ar"],
                name_en=record["name_en"],
                aliases_ar=tuple(record.get("aliases_ar") or ()),
                governorate=record.get("governorate"),
                governorates=tuple(record.get("governorates") or ()),
                pcode=record.get("pcode"),
                lat=record.get("lat"),
                lon=record.get("lon"),
                precision=record["precision"],
                population=record.get("population"),
            )
            for record in data["entries"]
        ]
    except (KeyError, TypeError) as exc:
        raise DataError(f"malformed gazetteer record: {exc!r}") from exc


def check_entry(entry: GazetteerEntry) -> None:
    """Raise DataError when an entry's governorate or precision is not in the schema."""
    if entry.precision not in PLACE_PRECISIONS:
        raise DataError(f"gazetteer entry {entry.id}: unknown precision {entry.precision!r}")
    for label in (entry.governorate, *entry.governorates):
        if label is not None and label not in GOVERNORATES:
            raise DataError(f"gazetteer entry {entry.id}: unknown governorate {label!r}")


def _original_offset(token: Token, prefix_len: int, aligned: AlignedText) -> int:
    """Start offset in the original text of a token after ``prefix_len`` normalised characters."""
    if not prefix_len:
        return token.start
    offsets = aligned.offsets
    position = bisect.bisect_left(offsets, token.start)
    return offsets[min(position + prefix_len, len(offsets) - 1)]


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(a))
