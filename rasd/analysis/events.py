"""Event types a report says happened, each with its trigger evidence.

Triggers (``data/lexicons/events.json``) are short token patterns written in a
small spec language (nouns, verbs, exact words, gaps; see the file's ``_doc``).
They are compiled once into the inflected written forms they cover
(``data/lexicons/morphology.json``: article, number, gender, possessive and
verb affixes), so matching a report is one dictionary look-up per candidate
form of each token (the token itself, its proclitic splits, and those without
the article).

Only what the report says happened, or is happening, counts: a trigger is
dropped when a negation or modality cue (``data/lexicons/modality.json``:
لم، لا، نفى، دون، قد + imperfect, من المتوقع، تهدد، في حال، إما ...) comes
shortly before it in the same clause, when it is a future verb (ستقصف), or
when a noun trigger is followed by a prospective word (المعركة المرتقبة) or
a relative clause in the future (العملية العسكرية التي ستجري).

The matcher (:class:`PatternSet`) and the cues (:class:`CueSet`) are shared with
:mod:`rasd.analysis.indicators`; :func:`analyse_text` with
:mod:`rasd.analysis.casualties`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import attrgetter, contains, itemgetter, not_
from typing import Any

from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import EVENT_TYPES, Event
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import Token, clitic_splits, tokenize, tokens_after_line_breaks

EVENTS_LEXICON = "lexicons/events.json"
MORPHOLOGY_LEXICON = "lexicons/morphology.json"
MODALITY_LEXICON = "lexicons/modality.json"

# Token texts that end a clause (cue scopes and pattern gaps never cross them)
# and the subset that ends a sentence. A line break ends both.
CLAUSE_END = frozenset(".،,؛;:!?؟…")
SENTENCE_END = frozenset(".!?؟…")
# Punctuation that never counts in distances (quotes, brackets, dashes).
TRANSPARENT = frozenset("\"'“”„«»‹›()[]{}-–—_/*")

# Kinds of a matched form, strongest first: a form that is both a past verb
# and an imperfect one (اشتبك) is read as past.
KIND_ORDER = ("past", "imperfect", "future", "noun", "word")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}

_NORM = attrgetter("norm")
_TOKEN_FORM = itemgetter(0)  # the first candidate form of a token: the token itself


# --------------------------------------------------------------------------
# Token analysis shared by events, casualties and indicators
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalysedText:
    """A report split into tokens with clause ids and candidate matching forms.

    Attributes:
        text: the original text.
        tokens: the tokens (offsets into ``text``).
        clauses: clause id of each token; punctuation that ends a clause keeps
            the id of the clause it ends.
        sentences: sentence id of each token, same convention.
        forms: candidate matching forms of each token, the normalised token
            first, then its proclitic remainders, then those without the article.
        words: word ordinal of each token; quotes and brackets share the
            ordinal of the token before them, so they never count in distances.
    """

    text: str
    tokens: tuple[Token, ...]
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]
    forms: tuple[tuple[str, ...], ...]
    words: tuple[int, ...]


@functools.lru_cache(maxsize=8)
def analyse_text(text: str) -> AnalysedText:
    """Tokenise a report once for every matcher (cached per text).

    Args:
        text: the report as written.

    Returns:
        The :class:`AnalysedText`.

    Example:
        >>> analyse_text("وقصفت المدفعية، ثم").forms[0]
        ('وقصفت', 'قصفت')
    """
    tokens = tuple(tokenize(text))
    norms = list(map(_NORM, tokens))
    count = len(tokens)
    # a clause (and a sentence) changes at a token after a line break, and after
    # a token that ends one; both may add up (a full stop at the end of a line)
    clause_steps = [0] * count
    sentence_steps = [0] * count
    for i in list(compress(range(count - 1), map(CLAUSE_END.__contains__, norms))):
        clause_steps[i + 1] += 1
        sentence_steps[i + 1] += norms[i] in SENTENCE_END
    for i in tokens_after_line_breaks(text, tokens):
        clause_steps[i] += 1
        sentence_steps[i] += 1
    # quotes and brackets take the ordinal of the token before them (the first counts)
    counted = list(map(not_, map(TRANSPARENT.__contains__, norms)))
    if counted:
        counted[0] = True
    words = tuple(accumulate(counted, initial=-1))[1:]
    try:
        forms = tuple(map(_TOKEN_FORMS.__getitem__, norms))
    except KeyError:  # a word not seen before
        forms = tuple(map(_token_forms, norms))
    return AnalysedText(text, tokens, tuple(accumulate(clause_steps)), tuple(accumulate(sentence_steps)), forms, words)


# token -> candidate_forms under the lexicon's shortest stem (a plain dict: read once per token of every report)
_TOKEN_FORMS: dict[str, tuple[str, ...]] = {}
_TOKEN_FORMS_SIZE = 65_536  # cleared when full


def _token_forms(norm: str) -> tuple[str, ...]:
    forms = _TOKEN_FORMS.get(norm)
    if forms is None:
        if len(_TOKEN_FORMS) >= _TOKEN_FORMS_SIZE:
            _TOKEN_FORMS.clear()
        forms = _TOKEN_FORMS[norm] = candidate_forms(norm, _min_article_stem())
    return forms


@functools.lru_cache(maxsize=1)
def _min_article_stem() -> int:
    return int(load_json(MORPHOLOGY_LEXICON).get("min_article_stem", 2))


@functools.lru_cache(maxsize=65_536)
def candidate_forms(norm: str, min_stem: int = 2) -> tuple[str, ...]:
    """The forms a normalised token may be looked up under.

    Args:
        norm: the normalised token.
        min_stem: shortest remainder kept after stripping the article.

    Returns:
        The token, its proclitic remainders, and each remainder without a
        leading article, without duplicates, the token itself first.

    Example:
        >>> candidate_forms("وبالمدفعية".replace("ة", "ه"))
        ('وبالمدفعيه', 'بالمدفعيه', 'المدفعيه', 'مدفعيه')
    """
    out: list[str] = []
    for _, rest in clitic_splits(norm):
        if rest not in out:
            out.append(rest)
    for rest in list(out):
        if rest.startswith("ال") and len(rest) - 2 >= min_stem and rest[2:] not in out:
            out.append(rest[2:])
    return tuple(out)


# --------------------------------------------------------------------------
# Morphology: expanding lexicon entries into written forms
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Morphology:
    """The affix lists of ``morphology.json`` (all in the matching form)."""

    noun_suffixes: tuple[str, ...]
    feminine_suffixes: tuple[str, ...]
    past_suffixes: tuple[str, ...]
    imperfect_prefixes: tuple[str, ...]
    imperfect_suffixes: tuple[str, ...]
    object_suffixes: tuple[str, ...]
    future_prefixes: tuple[str, ...]

    @classmethod
    def from_data(cls) -> "Morphology":
        """Load the bundled affix lists."""
        return _load_morphology()

    def inflect_noun(self, stem: str) -> set[str]:
        """Written forms of a noun or adjective (article handled at look-up).

        Args:
            stem: the normalised singular, e.g. ``"غاره"``.

        Returns:
            The stem with number, gender and possessive suffixes.

        Example:
            >>> forms = Morphology.from_data().inflect_noun("غاره")
            >>> "غارات" in forms, "غارتين" in forms, "الغارات" in forms
            (True, True, False)
        """
        forms = {stem + suffix for suffix in self.noun_suffixes}
        if stem.endswith("ه") and len(stem) > 2:
            base = stem[:-1]
            forms.update(base + suffix for suffix in self.feminine_suffixes)
        return forms

    def inflect_verb(
        self, past: str, imperfect: str | None = None, past_only: bool = False, transitive: bool = True
    ) -> dict[str, str]:
        """Written forms of a verb, each with its kind (past, imperfect, future).

        Args:
            past: the normalised past, 3rd person masculine singular (``"اشتبك"``).
            imperfect: the imperfect stem without prefix; by default ``past``
                without its initial alef (اشتبك -> يشتبك, قصف -> يقصف).
            past_only: give only past forms.
            transitive: add object pronouns (an intransitive verb like سيطر
                gets none: سيطرتها is the noun سيطرة with a possessive).

        Returns:
            ``{form: kind}``.

        Example:
            >>> forms = Morphology.from_data().inflect_verb("اشتبك")
            >>> forms["اشتبكت"], forms["يشتبكون"], forms["ستشتبك"]
            ('past', 'imperfect', 'future')
        """
        forms: dict[str, str] = {}
        objects = self.object_suffixes if transitive else ("",)
        for suffix in self.past_suffixes:
            for obj in objects:
                head = suffix[:-1] if suffix == "وا" and obj else suffix
                forms.setdefault(past + head + obj, "past")
        if past_only:
            return forms
        stem = imperfect if imperfect is not None else (past[1:] if past.startswith("ا") else past)
        for prefix in self.imperfect_prefixes:
            for suffix in self.imperfect_suffixes:
                for obj in objects:
                    head = suffix[:-1] if suffix == "وا" and obj else suffix
                    form = prefix + stem + head + obj
                    forms.setdefault(form, "imperfect")
                    for future in self.future_prefixes:
                        forms.setdefault(future + form, "future")
        return forms


@functools.lru_cache(maxsize=1)
def _load_morphology() -> Morphology:
    data = load_json(MORPHOLOGY_LEXICON)
    try:
        return Morphology(
            noun_suffixes=tuple(data["noun_suffixes"]),
            feminine_suffixes=tuple(data["feminine_suffixes"]),
            past_suffixes=tuple(data["verb_past_suffixes"]),
            imperfect_prefixes=tuple(data["verb_imperfect_prefixes"]),
            imperfect_suffixes=tuple(data["verb_imperfect_suffixes"]),
            object_suffixes=tuple(data["verb_object_suffixes"]),
            future_prefixes=tuple(data.get("future_prefixes", ())),
        )
    except KeyError as exc:
        raise DataError(f"{MORPHOLOGY_LEXICON}: missing key {exc}") from exc


# --------------------------------------------------------------------------
# Token specs and the form index
# --------------------------------------------------------------------------

_SPEC_KINDS = ("n", "v", "vp", "vi", "vpi", "w", "x", "p")


def parse_token_spec(spec: str) -> tuple[tuple[str, str], ...]:
    """Split one token spec into ``(kind, word)`` alternatives.

    Args:
        spec: e.g. ``"n:غارة|v:قصف|شن"`` (a word without a prefix keeps the
            previous alternative's kind).

    Returns:
        The alternatives, words as written.

    Example:
        >>> parse_token_spec("n:غارة|v:قصف|شن")
        (('n', 'غارة'), ('v', 'قصف'), ('v', 'شن'))
    """
    out: list[tuple[str, str]] = []
    kind = None
    for part in spec.split("|"):
        head, sep, word = part.partition(":")
        if sep and head in _SPEC_KINDS:
            kind = head
        else:
            word = part
        if kind is None or not word.strip():
            raise DataError(f"malformed token spec {spec!r}: each alternative needs a kind such as n: v: w:")
        out.append((kind, word.strip()))
    return tuple(out)


class FormIndex:
    """Compiled token specs: which specs each written form satisfies, and how.

    Spec ids are small integers; the same spec text always gets the same id.
    """

    # Distinct tokens whose look-ups are remembered (cleared when full).
    _MAX_MEMO = 65_536

    def __init__(self, morphology: Morphology):
        self.morphology = morphology
        self._ids: dict[str, int] = {}
        self._forms: dict[str, dict[int, str]] = {}
        self._exact: dict[str, dict[int, str]] = {}
        self._prefixes: list[tuple[str, int]] = []
        # a token (its first candidate form, which decides the others) -> its specs
        self._memo: dict[str, dict[int, str]] = {}

    def add(self, spec: str) -> int:
        """Compile a token spec (once) and return its id.

        Args:
            spec: e.g. ``"v:اشتبك"``.

        Returns:
            The spec id.
        """
        spec = spec.strip()
        if spec in self._ids:
            return self._ids[spec]
        self._memo.clear()  # a new spec changes what forms satisfy
        spec_id = len(self._ids)
        self._ids[spec] = spec_id
        for kind, word in parse_token_spec(spec):
            if kind == "p":
                self._prefixes.append((normalize_ar(word), spec_id))
            elif kind == "x":
                self._put(self._exact, normalize_ar(word), spec_id, "word")
            elif kind == "w":
                self._put(self._forms, normalize_ar(word), spec_id, "word")
            elif kind == "n":
                for form in self.morphology.inflect_noun(normalize_ar(word)):
                    self._put(self._forms, form, spec_id, "noun")
            else:
                past, _, imperfect = word.partition("/")
                forms = self.morphology.inflect_verb(
                    normalize_ar(past),
                    normalize_ar(imperfect) if imperfect else None,
                    past_only=kind in ("vp", "vpi"),
                    transitive=kind in ("v", "vp"),
                )
                for form, verb_kind in forms.items():
                    self._put(self._forms, form, spec_id, verb_kind)
        return spec_id

    @staticmethod
    def _put(table: dict[str, dict[int, str]], form: str, spec_id: int, kind: str) -> None:
        slot = table.setdefault(form, {})
        old = slot.get(spec_id)
        if old is None or _KIND_RANK[kind] < _KIND_RANK[old]:
            slot[spec_id] = kind

    def lookup(self, forms: Sequence[str]) -> dict[int, str]:
        """The specs one token satisfies.

        Args:
            forms: the token's candidate forms (:func:`candidate_forms`).

        Returns:
            ``{spec_id: kind}`` (kind of the strongest reading).
        """
        found: dict[int, str] = {}
        table = self._forms
        for form in forms:
            slot = table.get(form)
            if slot:
                for spec_id, kind in slot.items():
                    old = found.get(spec_id)
                    if old is None or _KIND_RANK[kind] < _KIND_RANK[old]:
                        found[spec_id] = kind
        if forms:
            exact = self._exact.get(forms[0])
            if exact:
                for spec_id, kind in exact.items():
                    found.setdefault(spec_id, kind)
            if self._prefixes:
                raw = forms[0]
                bare = raw[1:] if raw[:1] in ("و", "ف") else raw
                for prefix, spec_id in self._prefixes:
                    if len(bare) >= 4 and bare.startswith(prefix):
                        found.setdefault(spec_id, "word")
        return found

    def lookup_all(self, analysed: AnalysedText) -> list[dict[int, str]]:
        """:meth:`lookup` for every token of a text, remembered per distinct token.

        The dicts returned are shared between texts: read them, never change them.
        """
        memo = self._memo
        if len(memo) > self._MAX_MEMO:
            memo.clear()
        try:
            return list(map(memo.__getitem__, map(_TOKEN_FORM, analysed.forms)))
        except KeyError:  # a word not seen before
            pass
        out = []
        for forms in analysed.forms:
            found = memo.get(forms[0])
            if found is None:
                found = memo[forms[0]] = self.lookup(forms)
            out.append(found)
        return out


# --------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled trigger pattern.

    Attributes:
        label: what a match means (an event type, a signal name, a cue id).
        steps: ``(spec_id, max_gap_before)`` per token; the first gap is 0.
        not_prev: spec that voids the match when found just before it.
        not_prev_within: how many tokens before to look.
        not_next: spec that voids the match when found just after it.
        not_next_within: how many tokens after to look.
        defer_to: labels that explain this one away: the match is dropped when
            the text also has a match of one of them (an anaphoric الهجوم in a
            report about a drone attack).
        definite_only: ``defer_to`` applies only when the first token carries
            the article.
        source: the pattern as written in the data file.
    """

    label: str
    steps: tuple[tuple[int, int], ...]
    not_prev: int | None = None
    not_prev_within: int = 2
    not_next: int | None = None
    not_next_within: int = 1
    defer_to: frozenset[str] = frozenset()
    definite_only: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """A pattern found in a text: tokens ``first..last`` (inclusive)."""

    label: str
    first: int
    last: int
    kind: str
    steps: int
    pattern: Pattern = field(compare=False, repr=False)


def compile_pattern(index: FormIndex, label: str, entry: str | Mapping[str, Any]) -> Pattern:
    """Compile one lexicon entry (pattern string or object) into a :class:`Pattern`.

    Args:
        index: the form index the token specs go into.
        label: the label of the entry.
        entry: ``"v:شن ~3 n:غارة"`` or ``{"p": ..., "not_prev": ..., ...}``.

    Returns:
        The pattern.

    Example:
        >>> p = compile_pattern(FormIndex(Morphology.from_data()), "airstrike", "v:شن ~3 n:غارة")
        >>> [gap for _, gap in p.steps]
        [0, 3]
    """
    options: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {"p": entry}
    text = options.get("p")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"pattern for {label!r} has no 'p': {entry!r}")
    steps: list[tuple[int, int]] = []
    gap = 0
    for piece in text.split():
        if piece.startswith("~"):
            if not steps or not piece[1:].isdigit():
                raise DataError(f"misplaced gap {piece!r} in pattern {text!r}")
            gap = int(piece[1:])
            continue
        steps.append((index.add(piece), gap))
        gap = 0
    if not steps:
        raise DataError(f"empty pattern {text!r} for {label!r}")
    return Pattern(
        label=label,
        steps=tuple(steps),
        not_prev=index.add(options["not_prev"]) if options.get("not_prev") else None,
        not_prev_within=int(options.get("not_prev_within", 2)),
        not_next=index.add(options["not_next"]) if options.get("not_next") else None,
        not_next_within=int(options.get("not_next_within", 1)),
        defer_to=frozenset(options.get("defer_to", ())),
        definite_only=bool(options.get("definite_only", False)),
        source=text,
    )


class PatternSet:
    """A set of labelled patterns over one form index."""

    def __init__(self, index: FormIndex, patterns: Sequence[Pattern]):
        self.index = index
        self.patterns = tuple(patterns)
        by_first: dict[int, list[Pattern]] = {}
        for pattern in self.patterns:
            by_first.setdefault(pattern.steps[0][0], []).append(pattern)
        self._by_first = by_first
        # the patterns each distinct token opens (its forms -> _starting), remembered
        self._starters: dict[str, tuple[tuple[Pattern, str, int, bool], ...]] = {}  # keyed like FormIndex's memo

    @classmethod
    def compile(cls, entries: Mapping[str, Sequence[str | Mapping[str, Any]]], morphology: Morphology) -> "PatternSet":
        """Compile ``{label: [entry, ...]}`` into a pattern set.

        Args:
            entries: lexicon entries per label.
            morphology: the affix lists.

        Returns:
            The compiled set.
        """
        index = FormIndex(morphology)
        patterns = [compile_pattern(index, label, entry) for label, items in entries.items() for entry in items]
        return cls(index, patterns)

    def find(self, analysed: AnalysedText, hits: list[dict[int, str]] | None = None) -> list[Match]:
        """All matches in a text, before pruning.

        Args:
            analysed: the analysed text.
            hits: precomputed ``index.lookup_all(analysed)``.

        Returns:
            The matches in token order.
        """
        if hits is None:
            hits = self.index.lookup_all(analysed)
        found: list[Match] = []
        starters = self._starters
        if len(starters) > FormIndex._MAX_MEMO:
            starters.clear()
        forms = analysed.forms
        for i in list(compress(range(len(hits)), hits)):
            starting = starters.get(forms[i][0])
            if starting is None:
                starting = starters[forms[i][0]] = self._starting(hits[i])
            for pattern, kind, steps, guarded in starting:
                last = _extend(pattern, i, hits, analysed) if steps > 1 else i
                if last is None or guarded and _voided(pattern, i, last, hits, analysed):
                    continue
                found.append(Match(pattern.label, i, last, kind, steps, pattern))
        return found

    def _starting(self, specs: Mapping[int, str]) -> tuple[tuple[Pattern, str, int, bool], ...]:
        # the patterns a token's specs can open: how the token reads, how many
        # steps the pattern has, whether a neighbour may void it
        by_first = self._by_first
        return tuple((pattern, kind, len(pattern.steps), pattern.not_prev is not None or pattern.not_next is not None)
                     for spec_id, kind in specs.items() for pattern in by_first.get(spec_id, ()))


def _extend(pattern: Pattern, first: int, hits: list[dict[int, str]], analysed: AnalysedText) -> int | None:
    clauses, words = analysed.clauses, analysed.words
    size = len(hits)
    pos = first
    clause = clauses[first]
    for spec_id, gap in pattern.steps[1:]:
        found = None
        j = pos + 1
        while j < size and words[j] - words[pos] <= gap + 1:
            if clauses[j] != clause:
                return None
            if spec_id in hits[j]:
                found = j
                break
            j += 1
        if found is None:
            return None
        pos = found
    return pos


def _voided(pattern: Pattern, first: int, last: int, hits: list[dict[int, str]], analysed: AnalysedText) -> bool:
    clauses, words = analysed.clauses, analysed.words
    if pattern.not_prev is not None:
        j = first - 1
        while j >= 0 and words[first] - words[j] <= pattern.not_prev_within and clauses[j] == clauses[first]:
            if pattern.not_prev in hits[j]:
                return True
            j -= 1
    if pattern.not_next is not None:
        j = last + 1
        while j < len(hits) and words[j] - words[last] <= pattern.not_next_within and clauses[j] == clauses[last]:
            if pattern.not_next in hits[j]:
                return True
            j += 1
    return False


def prune_matches(matches: Iterable[Match], analysed: AnalysedText | None = None) -> list[Match]:
    """Drop matches another match already explains.

    A match inside a longer match of the same label is dropped; a one-token
    match inside a longer match of another label is dropped too (قصف جوي is
    an airstrike, so its قصف is not also shelling).

    A match whose pattern defers to other labels is dropped when the text has
    a match of one of them (see :attr:`Pattern.defer_to`).

    Args:
        matches: matches from :meth:`PatternSet.find`.
        analysed: the text, needed for ``definite_only`` deferrals.

    Returns:
        The kept matches, in text order, one per (label, span).
    """
    matches = list(matches)
    labels = {match.label for match in matches}
    unique: dict[tuple[str, int, int], Match] = {}
    for match in matches:
        defer_to = match.pattern.defer_to
        if defer_to and (defer_to & labels) - {match.label} and (
                not match.pattern.definite_only or _is_definite(match.first, analysed)):
            continue
        unique.setdefault((match.label, match.first, match.last), match)
    items = sorted(unique.values(), key=lambda m: (m.first, m.first - m.last))
    by_first: dict[int, list[Match]] = {}
    for match in items:
        by_first.setdefault(match.first, []).append(match)
    widest = max((m.last - m.first for m in items), default=0)
    kept: list[Match] = []
    for match in items:
        width = match.last - match.first
        explained = False
        # a container starts at most `widest` tokens before this match
        for start in range(max(0, match.first - widest), match.first + 1):
            for other in by_first.get(start, ()):
                if other is match or other.last < match.last or other.last - other.first <= width:
                    continue
                if other.label == match.label or match.steps == 1:
                    explained = True
                    break
            if explained:
                break
        if not explained:
            kept.append(match)
    return kept


def _is_definite(position: int, analysed: AnalysedText | None) -> bool:
    if analysed is None:
        return False
    return any(form.startswith("ال") for form in analysed.forms[position])


# --------------------------------------------------------------------------
# Negation and modality cues
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cue:
    """One cue class entry of ``modality.json``."""

    name: str
    scope: int
    exempt: frozenset[str]
    next_imperfect: bool = False
    past_look_alikes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CueConfig:
    """The parts of ``modality.json`` besides the cue list, compiled."""

    post: int | None  # spec: prospective words after a trigger (المرتقبة)
    post_scope: int
    relative: int | None  # spec: relative pronouns (التي)
    denial_after: int | None  # spec: a denial later in the sentence (وهو ما نفته)
    negated_action: int | None  # spec: a negated action verb right after a trigger (لا ينفذ)
    future_exclusions: tuple[str, ...]
    future_prefixes: tuple[str, ...]
    imperfect_prefixes: tuple[str, ...]
    future_verb_scope: int


class CueSet:
    """Negation and modality cues, compiled once; decides whether a match is factual."""

    def __init__(self, patterns: PatternSet, cues: Mapping[str, Cue], config: CueConfig):
        self.patterns = patterns
        self.cues = dict(cues)
        self.config = config
        self.future_cue = Cue("future", config.future_verb_scope, frozenset())
        self.max_scope = max([cue.scope for cue in self.cues.values()] + [config.future_verb_scope])
        self._future_memo: dict[str, bool] = {}  # is_future_verb per distinct word

    @classmethod
    def from_data(cls) -> "CueSet":
        """The bundled cues (``lexicons/modality.json``), compiled once."""
        return _load_cues()

    def scan(self, analysed: AnalysedText) -> "CueScan":
        """Find every cue of a text once.

        Args:
            analysed: the analysed text.

        Returns:
            A :class:`CueScan` that answers :meth:`CueScan.is_factual`.
        """
        hits = self.patterns.index.lookup_all(analysed)
        ends: dict[int, list[Cue]] = {}
        starts: dict[int, list[Cue]] = {}
        for match in self.patterns.find(analysed, hits):
            cue = self.cues[match.label]
            if cue.next_imperfect and not self._reads_imperfect(analysed, match.last + 1, cue):
                continue
            ends.setdefault(match.last, []).append(cue)
            starts.setdefault(match.first, []).append(cue)
        future = self._future_memo
        if len(future) > FormIndex._MAX_MEMO:
            future.clear()
        norms = list(map(_NORM, analysed.tokens))
        try:
            is_future = list(map(future.__getitem__, norms))
        except KeyError:  # a word not seen before
            is_future = [future[norm] if norm in future else future.setdefault(norm, self.is_future_verb(norm))
                         for norm in norms]
        for position in [position for position, flag in enumerate(is_future) if flag]:
            ends.setdefault(position, []).append(self.future_cue)
        denials: dict[int, int] = {}
        if self.config.denial_after is not None:
            spec, sentences = self.config.denial_after, analysed.sentences
            denials = {sentences[j]: j for j in compress(range(len(hits)), map(contains, hits, repeat(spec)))}
        return CueScan(self, analysed, hits, ends, starts, denials)

    def _reads_imperfect(self, analysed: AnalysedText, position: int, cue: Cue) -> bool:
        # قد + imperfect = may; قد + past = has indeed (قد تندلع vs قد اندلعت، قد تم)
        if position >= len(analysed.tokens):
            return False
        word = analysed.tokens[position].norm
        return (
            len(word) >= 3
            and word[0] in self.config.imperfect_prefixes
            and word not in cue.past_look_alikes
        )

    def is_future_verb(self, norm: str) -> bool:
        """Whether a normalised word reads as a future verb (ستجري، سيتم).

        Args:
            norm: the normalised word.

        Returns:
            True for future prefix + imperfect prefix + at least two letters,
            unless the word starts with an excluded non-verb (سيطرة، سيارة).

        Example:
            >>> CueSet.from_data().is_future_verb("ستجري"), CueSet.from_data().is_future_verb("سيطرت")
            (True, False)
        """
        if len(norm) < 4:
            return False
        config = self.config
        word = norm[1:] if norm[0] in "وف" and len(norm) > 4 else norm
        if word[0] not in config.future_prefixes or word[1] not in config.imperfect_prefixes:
            return False
        return not word.startswith(config.future_exclusions)


@dataclass(frozen=True, slots=True)
class CueScan:
    """The cues found in one text."""

    cues: CueSet
    analysed: AnalysedText
    hits: list[dict[int, str]]
    ends: dict[int, list[Cue]]
    starts: dict[int, list[Cue]]
    denials: dict[int, int] = field(default_factory=dict)  # sentence -> its last denial cue (وهو ما نفته)

    def is_factual(self, match: Match, label: str | None = None) -> bool:
        """Whether a match is stated as happened or happening.

        Args:
            match: a trigger match.
            label: the event type or signal name (for cue exemptions);
                defaults to ``match.label``.

        Returns:
            False when the trigger is a future verb, follows a cue within the
            cue's scope in the same clause, is followed by a prospective word,
            a future relative clause or a negated action verb, or is denied
            later in its sentence.
        """
        return self.is_factual_span(match.first, match.last, match.kind, label or match.label)

    def is_factual_span(self, first: int, last: int, kind: str, label: str) -> bool:
        """:meth:`is_factual` for a token span ``first..last`` read as ``kind``.

        Args:
            first: first token of the span.
            last: last token of the span.
            kind: how its first token reads (``past``, ``imperfect``, ``future``, ``noun``, ``word``).
            label: the event type or signal name (for cue exemptions).

        Returns:
            Whether the span is stated as happened or happening.
        """
        if kind == "future":
            return False
        clauses, words = self.analysed.clauses, self.analysed.words
        clause = clauses[first]
        end = first - 1
        while end >= 0 and clauses[end] == clause:
            distance = words[first] - words[end]
            if distance > self.cues.max_scope:
                break
            for cue in self.ends.get(end, ()):
                if distance > cue.scope or label in cue.exempt:
                    continue
                return False
            end -= 1
        return not (self._followed_by_prospect(last, clause) or self._denied_after(last))

    def _followed_by_prospect(self, last: int, clause: int) -> bool:
        config = self.cues.config
        tokens = self.analysed.tokens
        clauses, words = self.analysed.clauses, self.analysed.words
        size = len(tokens)
        j = last + 1
        if j < size and clauses[j] == clause and config.negated_action is not None:
            if any(cue.name == "negation" for cue in self.starts.get(j, ())):
                after = j + 1
                if after < size and clauses[after] == clause and config.negated_action in self.hits[after]:
                    return True
        while j < size and clauses[j] == clause and words[j] - words[last] <= config.post_scope:
            if config.post is not None and config.post in self.hits[j]:
                return True
            if (
                config.relative is not None
                and config.relative in self.hits[j]
                and j + 1 < size
                and clauses[j + 1] == clause
                and self.cues.is_future_verb(tokens[j + 1].norm)
            ):
                return True
            j += 1
        return False

    def _denied_after(self, last: int) -> bool:
        return self.denials.get(self.analysed.sentences[last], -1) > last


@functools.lru_cache(maxsize=1)
def _load_cues() -> CueSet:
    data = load_json(MODALITY_LEXICON)
    morphology = Morphology.from_data()
    index = FormIndex(morphology)
    cues: dict[str, Cue] = {}
    patterns: list[Pattern] = []

    def optional(key: str) -> int | None:
        return index.add(data[key]) if data.get(key) else None

    try:
        for number, entry in enumerate(data["cues"]):
            name = f"{entry['class']}#{number}"
            cues[name] = Cue(
                name=entry["class"],
                scope=int(entry["scope"]),
                exempt=frozenset(entry.get("exempt", ())),
                next_imperfect=bool(entry.get("next_imperfect", False)),
                past_look_alikes=frozenset(normalize_ar(w) for w in entry.get("past_look_alikes", ())),
            )
            patterns.append(compile_pattern(index, name, entry))
        config = CueConfig(
            post=optional("post"),
            post_scope=int(data.get("post_scope", 3)),
            relative=optional("relative_pronouns"),
            denial_after=optional("denial_after"),
            negated_action=optional("negated_action"),
            future_exclusions=tuple(normalize_ar(word) for word in data.get("future_verb_exclusions", ())),
            future_prefixes=morphology.future_prefixes,
            imperfect_prefixes=morphology.imperfect_prefixes,
            future_verb_scope=int(data.get("future_verb_scope", 3)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{MODALITY_LEXICON}: malformed cue entry ({exc})") from exc
    return CueSet(PatternSet(index, patterns), cues, config)


@functools.lru_cache(maxsize=8)
def scan_cues(text: str) -> CueScan:
    """The negation and modality cues of a text (cached per text).

    Args:
        text: the report as written.

    Returns:
        The :class:`CueScan`.

    Example:
        >>> scan = scan_cues("لم تسجل اشتباكات")
        >>> sorted({cue.name for cues in scan.ends.values() for cue in cues})
        ['negation']
    """
    return CueSet.from_data().scan(analyse_text(text))


# --------------------------------------------------------------------------
# Event detection
# --------------------------------------------------------------------------


class EventDetector:
    """Finds the event types a report says happened."""

    def __init__(self, patterns: PatternSet):
        unknown = {p.label for p in patterns.patterns} - set(EVENT_TYPES)
        if unknown:
            raise DataError(f"{EVENTS_LEXICON}: unknown event types {sorted(unknown)}")
        self.patterns = patterns

    @classmethod
    def from_data(cls) -> "EventDetector":
        """The detector built from the bundled lexicons (compiled once per process)."""
        return _load_detector()

    def find(self, text: str) -> list[Match]:
        """Factual trigger matches of a text, pruned, in text order.

        Args:
            text: the report as written.

        Returns:
            The matches kept as events.
        """
        analysed = analyse_text(text)
        scan = scan_cues(text)
        matches = prune_matches(self.patterns.find(analysed), analysed)
        return [m for m in matches if scan.is_factual(m)]

    def detect(self, text: str) -> list[Event]:
        """Events of a text, one per trigger occurrence (see :func:`detect_events`)."""
        tokens = analyse_text(text).tokens
        order = {name: rank for rank, name in enumerate(EVENT_TYPES)}
        events = []
        for match in self.find(text):
            start, end = tokens[match.first].start, tokens[match.last].end
            events.append(Event(match.label, text[start:end], start, end))
        events.sort(key=lambda e: (e.start, order[e.type], e.end))
        return events


@functools.lru_cache(maxsize=1)
def _load_detector() -> EventDetector:
    data = load_json(EVENTS_LEXICON)
    types = data.get("types") if isinstance(data, Mapping) else None
    if not isinstance(types, Mapping):
        raise DataError(f"{EVENTS_LEXICON}: expected an object with 'types'")
    return EventDetector(PatternSet.compile(types, Morphology.from_data()))


def detect_events(text: str) -> list[Event]:
    """Event types a report says happened, each trigger with its offsets.

    Args:
        text: the report as written.

    Returns:
        One :class:`~rasd.schema.Event` per factual trigger (several per type
        possible), in text order; ``start``/``end`` index ``text`` and
        ``trigger_text == text[start:end]``.

    Example:
        >>> [(e.type, e.trigger_text) for e in detect_events("اشتبكت قوات النظام مع الفصائل، ولم تسجل غارات")]
        [('armed_clash', 'اشتبكت')]
    """
    return EventDetector.from_data().detect(text)


def event_types(events: Iterable[Event]) -> tuple[str, ...]:
    """The distinct event types of a list of events, in ``EVENT_TYPES`` order.

    Args:
        events: events from :func:`detect_events`.

    Returns:
        The sorted distinct types.

    Example:
        >>> event_types(detect_events("غارات جوية واشتباكات عنيفة"))
        ('armed_clash', 'airstrike')
    """
    present = {event.type for event in events}
    return tuple(name for name in EVENT_TYPES if name in present)
