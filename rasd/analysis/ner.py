"""Statistical named-entity recognition: a CRF over normalised Arabic words.

The model (``rasd/data/models/ner.crfsuite``) is a linear-chain CRF trained by
``scripts/train_ner.py`` on ANERcorp with python-crfsuite. Its features are
built here, once, for both training and tagging: the normalised word, its
proclitic-stripped stem, affixes, shape, a +-2 word window, and membership in
the ANERGazet gazetteers (``rasd/data/ner/gazetteer.json``).

``EntityTagger.tag`` returns PER/ORG/LOC spans with offsets into the original
text; a leading proclitic (و ف ب ل ك) is left outside the span. Tagging does
not pass those feature strings to crfsuite: :class:`StateScorer` turns them,
once per distinct word, into the scores the model gives each label, and hands
crfsuite one valued attribute per label and token (same tags, less work).
"""

from __future__ import annotations

import logging
import operator
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path

import regex

from rasd.errors import DataError
from rasd.resources import data_path, load_json
from rasd.text.aligned import align_normalize
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import Token, clitic_splits, tokenize_aligned, tokens_after_line_breaks

logger = logging.getLogger(__name__)

MODEL_NAME = "models/ner.crfsuite"
GAZETTEER_NAME = "ner/gazetteer.json"
HEADS_NAME = "ner/entity_heads.json"
MEMORY_NAME = "ner/memory.json"

# Corpus tag types -> the entity types rasd emits (MISC is not emitted).
EMITTED_TYPES = {"PERS": "PER", "PER": "PER", "ORG": "ORG", "LOC": "LOC"}

_UNSEEN = "unk"
_MAX_GAZETTEER_WORDS = 5
_SENTENCE_END = frozenset(".!?؟")
_NORM = operator.attrgetter("norm")
_LATIN_RE = regex.compile(r"[a-z]")
_DIGIT_RE = regex.compile(r"\d")
_WORD_RE = regex.compile(r"[\p{L}\p{N}]")
_ARTICLE = "ال"
_LONG_VOWELS = "اوي"
_MIN_CARRIER_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """One entity mention.

    Attributes:
        type: ``"PER"``, ``"ORG"`` or ``"LOC"``.
        text: the mention as written, without a leading proclitic.
        start: start offset in the original text.
        end: end offset (exclusive) in the original text.
    """

    type: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NerLexicon:
    """The data the features and spans use besides the model itself.

    Attributes:
        gazetteer: normalised entries (tuples of words) -> type (LOC/ORG/PERS).
        heads: normalised words seen starting an entity in training -> count.
        memory: normalised word -> the label it most often had in training
            (``O``, ``PERS``, ``LOC``, ``ORG``, ``MISC``).
        stem_memory: the same per proclitic-stripped stem.
    """

    gazetteer: dict[tuple[str, ...], str]
    heads: dict[str, int]
    memory: dict[str, str] = field(default_factory=dict)
    stem_memory: dict[str, str] = field(default_factory=dict)
    first_words: dict[str, int] = field(init=False, repr=False, compare=False)
    entry_lengths: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The first word of each gazetteer entry -> its longest entry, so a
        # lookup is tried only where an entry can start; and the lengths of
        # the entries it starts, longest first, so only those are looked up.
        lengths: dict[str, set[int]] = {}
        for entry in self.gazetteer:
            lengths.setdefault(entry[0], set()).add(len(entry))
        object.__setattr__(self, "first_words", {word: max(sizes) for word, sizes in lengths.items()})
        object.__setattr__(self, "entry_lengths",
                           {word: tuple(sorted(sizes, reverse=True)) for word, sizes in lengths.items()})

    @classmethod
    def from_data(cls) -> "NerLexicon":
        """Load the bundled lexicon (``ner/gazetteer.json``, ``ner/entity_heads.json``, ``ner/memory.json``)."""
        return _bundled_lexicon()

    @classmethod
    def from_mappings(
        cls,
        gazetteer: dict[str, list[str]],
        heads: dict[str, int],
        memory: dict[str, list[str]] | None = None,
        stem_memory: dict[str, list[str]] | None = None,
    ) -> "NerLexicon":
        """Build a lexicon from plain mappings (the JSON data files' shape).

        Args:
            gazetteer: ``{type: [entry, ...]}``; entries are normalised here.
            heads: entity-initial words with counts (normalised).
            memory: ``{label: [word, ...]}``, words normalised.
            stem_memory: ``{label: [stem, ...]}``.

        Returns:
            The lexicon.

        Example:
            >>> lex = NerLexicon.from_mappings({"LOC": ["دمشق"]}, {"خالد": 3}, {"PERS": ["خالد"]})
            >>> lex.gazetteer[("دمشق",)], lex.memory["خالد"]
            ('LOC', 'PERS')
        """
        entries: dict[tuple[str, ...], str] = {}
        for entity_type in sorted(gazetteer):
            for entry in gazetteer[entity_type]:
                words = tuple(normalize_ar(entry).split())
                if words and len(words) <= _MAX_GAZETTEER_WORDS:
                    entries.setdefault(words, entity_type)
        return cls(entries, dict(heads), _invert(memory or {}), _invert(stem_memory or {}))


def _invert(by_label: dict[str, list[str]]) -> dict[str, str]:
    return {word: label for label in sorted(by_label) for word in by_label[label]}


@lru_cache(maxsize=1)
def _bundled_lexicon() -> NerLexicon:
    gazetteer = load_json(GAZETTEER_NAME)
    heads = load_json(HEADS_NAME)
    memory = load_json(MEMORY_NAME)
    try:
        return NerLexicon.from_mappings(
            gazetteer["entries"], heads["heads"], memory["words"], memory["stems"]
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"malformed NER lexicon data ({GAZETTEER_NAME}, {HEADS_NAME}, {MEMORY_NAME}): {exc}") from exc


def build_memory(sentences: Iterable[Sequence[tuple[str, str]]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The label each normalised word (and stem) most often has in tagged sentences.

    Args:
        sentences: sentences of ``(normalised word, BIO tag)`` pairs.

    Returns:
        ``(words, stems)``, each ``{label: sorted list}``; ties go to the
        label that sorts last, so the result does not depend on order.

    Example:
        >>> build_memory([[("زار", "O"), ("وخالد", "B-PERS")]])
        ({'O': ['زار'], 'PERS': ['وخالد']}, {'O': ['زار'], 'PERS': ['خالد']})
    """
    word_counts: dict[str, Counter[str]] = defaultdict(Counter)
    stem_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        for word, tag in sentence:
            label = tag.partition("-")[2] or "O"
            word_counts[word][label] += 1
            stem_counts[strip_proclitics(word)[1]][label] += 1
    return _majority(word_counts), _majority(stem_counts)


def _majority(counts: dict[str, Counter[str]]) -> dict[str, list[str]]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for word, labels in counts.items():
        label = max(labels.items(), key=lambda item: (item[1], item[0]))[0]
        by_label[label].append(word)
    return {label: sorted(words) for label, words in sorted(by_label.items())}


# ---------------------------------------------------------------- features


def strip_proclitics(norm_word: str) -> tuple[str, str]:
    """Split a normalised word into its proclitics and stem (article removed).

    Args:
        norm_word: one normalised word.

    Returns:
        ``(proclitics, stem)``; the article ال counts as a proclitic.

    Example:
        >>> strip_proclitics("وبالقوات")
        ('وبال', 'قوات')
    """
    prefix_len, rest = clitic_splits(norm_word)[-1]
    prefix = norm_word[:prefix_len]
    if rest.startswith(_ARTICLE) and len(rest) >= 4:
        return prefix + _ARTICLE, rest[2:]
    return prefix, rest


def word_templates(norm_word: str, lexicon: NerLexicon) -> tuple[list[str], list[str], list[str]]:
    """The context-free features of one normalised word.

    Args:
        norm_word: one normalised token.
        lexicon: supplies the training-label memory.

    Returns:
        ``(own, as_previous, as_next)``: its own feature strings, and those
        it lends to the word after it and to the word before it.

    Example:
        >>> own, as_previous, as_next = word_templates("ودمشق", NerLexicon({}, {}))
        >>> "s=دمشق" in own, "w-1=ودمشق" in as_previous, "m+1=unk" in as_next
        (True, True, True)
    """
    w = norm_word
    proclitics, stem = strip_proclitics(w)
    memory = lexicon.memory.get(w, _UNSEEN)
    own = [
        "b",
        "w=" + w,
        "s=" + stem,
        "pc=" + proclitics,
        "len=" + str(min(len(w), 9)),
        "m=" + memory,
        "ms=" + lexicon.stem_memory.get(stem, _UNSEEN),
    ]
    for n in (1, 2, 3, 4):
        if len(w) > n:
            own.append(f"p{n}=" + w[:n])
            own.append(f"x{n}=" + w[-n:])
        if len(stem) > n:
            own.append(f"sp{n}=" + stem[:n])
            own.append(f"sx{n}=" + stem[-n:])
    if stem:
        # Transliterated foreign names are rich in long vowels (فلاديمير، باراك).
        vowels = sum(stem.count(c) for c in _LONG_VOWELS)
        own.append("vow=" + str(min(4, round(4 * vowels / len(stem)))))
        own.append("vowc=" + str(min(vowels, 4)))
    if _DIGIT_RE.search(w):
        own.append("dig" if w.isdigit() else "hasdig")
    if _LATIN_RE.search(w):
        own.append("lat")
    if not _WORD_RE.search(w):
        own.append("pun")
    lent = []
    for mark in ("-1", "+1"):
        lent.append(
            ["w" + mark + "=" + w, "s" + mark + "=" + stem, "x2" + mark + "=" + w[-2:],
             "pc" + mark + "=" + proclitics, "m" + mark + "=" + memory]
        )
    return own, lent[0], lent[1]


def gazetteer_tags(norm_words: Sequence[str], lexicon: NerLexicon) -> list[str | None]:
    """Mark the words covered by a gazetteer entry (longest match, B/I-TYPE).

    The first word of a match may carry proclitics (و ب ل ك ف).

    Args:
        norm_words: the normalised words of one sentence.
        lexicon: the gazetteer.

    Returns:
        One ``"B-LOC"``/``"I-LOC"``... or None per word.

    Example:
        >>> lex = NerLexicon.from_mappings({"LOC": ["راس العين"]}, {})
        >>> gazetteer_tags(["في", "وراس", "العين"], lex)
        [None, 'B-LOC', 'I-LOC']
    """
    return match_gazetteer(norm_words, [gazetteer_starts(w, lexicon) for w in norm_words], lexicon)


def gazetteer_starts(norm_word: str, lexicon: NerLexicon) -> tuple[tuple[str, int], ...]:
    """The forms of a word (itself, then without proclitics) a gazetteer entry starts with.

    Args:
        norm_word: one normalised word.
        lexicon: the gazetteer.

    Returns:
        ``(form, longest entry length)`` pairs, unsplit form first.

    Example:
        >>> gazetteer_starts("وراس", NerLexicon.from_mappings({"LOC": ["راس العين"]}, {}))
        (('راس', 2),)
    """
    first_words = lexicon.first_words
    return tuple((rest, first_words[rest]) for _, rest in clitic_splits(norm_word) if rest in first_words)


def match_gazetteer(
    norm_words: Sequence[str], starts: Sequence[tuple[tuple[str, int], ...]], lexicon: NerLexicon
) -> list[str | None]:
    """Longest-match gazetteer tagging given each word's ``gazetteer_starts``."""
    entries, lengths = lexicon.gazetteer, lexicon.entry_lengths
    count = len(norm_words)
    tags: list[str | None] = [None] * count
    covered = 0  # a match covers the words up to here; none starts inside it
    for i in list(compress(range(count), starts)):
        if i < covered:
            continue
        matched = 0
        for first, _ in starts[i]:
            for n in lengths[first]:  # only the lengths of the entries ``first`` starts, longest first
                if n <= matched:
                    break
                if n > count - i:
                    continue
                entity_type = entries.get((first, *norm_words[i + 1 : i + n]) if n > 1 else (first,))
                if entity_type is not None:
                    matched = n
                    tags[i] = "B-" + entity_type
                    for j in range(i + 1, i + n):
                        tags[j] = "I-" + entity_type
                    break
        covered = i + matched
    return tags


class FeatureExtractor:
    """Builds CRF feature strings, caching each word's context-free part.

    Training uses them as they are; tagging goes through :class:`StateScorer`,
    which sums their weights, unless a model offers it no carrier attributes.

    Args:
        lexicon: gazetteer and training-label memory.
        known: when given (the attributes of a trained model), features the
            model has no weight for are dropped and the rest are passed as
            UTF-8 bytes; the tags do not change, only the time spent.
    """

    _MAX_CACHE = 100_000

    def __init__(self, lexicon: NerLexicon, known: frozenset[str] | None = None):
        self.lexicon = lexicon
        self._known = known
        self._cache: dict[str, _WordParts] = {}

    def word(self, norm_word: str) -> "_WordParts":
        """The cached context-free parts of one word: features and gazetteer starts."""
        cached = self._cache.get(norm_word)
        if cached is None:
            own, as_previous, as_next = word_templates(norm_word, self.lexicon)
            if self._known is not None:
                own, as_previous, as_next = (self._keep(part) for part in (own, as_previous, as_next))
            cached = (own, as_previous, as_next, gazetteer_starts(norm_word, self.lexicon))
            if len(self._cache) >= self._MAX_CACHE:
                self._cache.clear()
            self._cache[norm_word] = cached
        return cached

    def _keep(self, features: Iterable[str]) -> list:
        known = self._known
        return [f.encode("utf-8") for f in features if f in known]

    def sentence(self, norm_words: Sequence[str]) -> list[list]:
        """CRF features for every word of one sentence.

        Args:
            norm_words: the normalised words of one sentence.

        Returns:
            One list of features per word (``str``, or ``bytes`` when the
            extractor filters to a model's known attributes).

        Example:
            >>> fx = FeatureExtractor(NerLexicon.from_mappings({"LOC": ["ادلب"]}, {}))
            >>> "g=B-LOC" in fx.sentence(["في", "ادلب"])[1]
            True
        """
        parts = [self.word(w) for w in norm_words]
        gazetteer = match_gazetteer(norm_words, [p[3] for p in parts], self.lexicon)
        known = self._known
        last = len(parts) - 1
        bos, eos = self._constant("BOS"), self._constant("EOS")
        sequence = []
        for i, part in enumerate(parts):
            features = part[0] + (parts[i - 1][1] if i else bos) + (parts[i + 1][2] if i < last else eos)
            extra = []
            if i:
                extra.append("b-1=" + norm_words[i - 1] + "|" + norm_words[i])
                if gazetteer[i - 1] is not None:
                    extra.append("g-1=" + gazetteer[i - 1])
            if i < last:
                extra.append("b+1=" + norm_words[i] + "|" + norm_words[i + 1])
                if gazetteer[i + 1] is not None:
                    extra.append("g+1=" + gazetteer[i + 1])
            if gazetteer[i] is not None:
                extra.append("g=" + gazetteer[i])
            if known is None:
                features += extra
            else:
                features += [f.encode("utf-8") for f in extra if f in known]
            sequence.append(features)
        return sequence

    def _constant(self, feature: str) -> list:
        if self._known is None:
            return [feature]
        return [feature.encode("utf-8")] if feature in self._known else []


_WordParts = tuple[list, list, list, tuple[tuple[str, int], ...]]


def sentence_features(norm_words: Sequence[str], lexicon: NerLexicon) -> list[list[str]]:
    """CRF feature strings for every word of one sentence (unfiltered, uncached).

    Args:
        norm_words: the normalised words of one sentence.
        lexicon: gazetteer and memory.

    Returns:
        One list of feature strings per word.

    Example:
        >>> lex = NerLexicon.from_mappings({"LOC": ["ادلب"]}, {})
        >>> "g=B-LOC" in sentence_features(["في", "ادلب"], lex)[1]
        True
    """
    return FeatureExtractor(lexicon).sentence(norm_words)


class StateScorer:
    """A CRF's state scores kept per word, so a sentence is scored by adding vectors.

    A linear-chain CRF scores label *y* at a token by summing the weights of
    the token's attributes for *y*. Those attributes are the word's own
    features, what the words either side lend it, and a few pair and
    gazetteer features, so the score is the sum of three per-word vectors
    (computed once per distinct word) plus rare extras. crfsuite still does
    the decoding: each token goes in as one *carrier* attribute per label, an
    attribute the model ties to that label alone, valued so that it adds the
    token's score for that label minus its score for the reference label
    (O). Taking the same amount from every label at a position leaves the
    best path unchanged, so the tags are the model's, for 8 attributes per
    token instead of about 25 feature strings.

    Build it with :meth:`from_state_features`.
    """

    _MAX_CACHE = 50_000

    def __init__(self, lexicon: NerLexicon, weights: Iterable[tuple[str, Sequence[float]]], carriers: tuple[bytes, ...]):
        """Keep per-attribute score vectors (in one flat array: tens of thousands of them).

        Args:
            lexicon: gazetteer and training-label memory (as for the features).
            weights: ``(attribute, vector)`` pairs, one value per carrier.
            carriers: the carrier attribute of each non-reference label.
        """
        self.lexicon = lexicon
        self._carriers = carriers
        self._rows: dict[str, int] = {}
        self._table = array("d")
        for attribute, vector in weights:
            self._rows[attribute] = len(self._rows)
            self._table.extend(vector)
        self._bos = self._score(("BOS",))
        self._eos = self._score(("EOS",))
        # "b+1=w1|w2" scores w1 and "b-1=w1|w2" scores w2: (w1, w2) -> (w1's, w2's),
        # under every split of a pair whose words hold a "|" themselves
        pairs: dict[tuple[str, str], list[tuple[float, ...] | None]] = {}
        for attribute in self._rows:
            if attribute.startswith(("b+1=", "b-1=")):
                pair = attribute[4:]
                for cut in (i for i, char in enumerate(pair) if char == "|"):
                    sides = pairs.setdefault((pair[:cut], pair[cut + 1 :]), [None, None])
                    sides[attribute[1] == "-"] = self._vector(attribute)
        self._pairs = {pair: tuple(sides) for pair, sides in pairs.items()}
        self._gazetteer: dict[str, tuple] = {}
        self._cache: dict[str, tuple] = {}

    @classmethod
    def from_state_features(
        cls, lexicon: NerLexicon, labels: Iterable[str], state_features: Mapping[tuple[str, str], float],
        reference: str = "O",
    ) -> "StateScorer | None":
        """The scorer of a trained model, or None when the model offers no carriers.

        Args:
            lexicon: the lexicon the model was trained with.
            labels: the model's labels.
            state_features: ``{(attribute, label): weight}`` (``Tagger.info()``).
            reference: the label whose score is taken from every other.

        Returns:
            The scorer; None when the reference label is unknown or some
            label has no attribute tied to it alone.
        """
        labels = list(labels)
        by_attribute: dict[str, dict[str, float]] = defaultdict(dict)
        for (attribute, label), weight in state_features.items():
            by_attribute[attribute][label] = weight
        others = [label for label in labels if label != reference]
        if len(others) == len(labels):
            return None
        # The carrier of a label: an attribute weighted for it alone, the shortest
        # (crfsuite copies and hashes it per token), among the weightier ones.
        candidates: dict[str, list[tuple[bool, int, float, str]]] = defaultdict(list)
        for attribute, weights in by_attribute.items():
            if len(weights) == 1:
                ((label, weight),) = weights.items()
                if weight and label != reference:
                    key = (abs(weight) < _MIN_CARRIER_WEIGHT, len(attribute.encode("utf-8")), -abs(weight), attribute)
                    candidates[label].append(key)
        if any(label not in candidates for label in others):
            return None
        carrier = {label: min(candidates[label])[3] for label in others}
        scale = [by_attribute[carrier[label]][label] for label in others]
        vectors = (
            (attribute, [(weights.get(label, 0.0) - weights.get(reference, 0.0)) / unit
                         for label, unit in zip(others, scale)])
            for attribute, weights in by_attribute.items()
        )
        return cls(lexicon, vectors, tuple(carrier[label].encode("utf-8") for label in others))

    def _vector(self, attribute: str) -> tuple[float, ...] | None:
        row = self._rows.get(attribute)
        if row is None:
            return None
        width = len(self._carriers)
        return tuple(self._table[row * width : (row + 1) * width])

    def _score(self, features: Iterable[str]) -> tuple[float, ...]:
        width, table = len(self._carriers), self._table
        vectors = [table[row * width : (row + 1) * width] for row in map(self._rows.get, features) if row is not None]
        if not vectors:
            return (0.0,) * width
        return tuple(map(sum, zip(*vectors)))

    def word(self, norm_word: str) -> tuple:
        """The cached vectors of one word (own, lent to the next word, lent to the previous) and gazetteer starts."""
        cached = self._cache.get(norm_word)
        if cached is None:
            own, as_previous, as_next = word_templates(norm_word, self.lexicon)
            cached = (self._score(own), self._score(as_previous), self._score(as_next),
                      gazetteer_starts(norm_word, self.lexicon))
            if len(self._cache) >= self._MAX_CACHE:
                self._cache.clear()
            self._cache[norm_word] = cached
        return cached

    def sentence(self, norm_words: Sequence[str]) -> list[dict[bytes, float]]:
        """One crfsuite item (carrier -> value) per word of one sentence.

        Args:
            norm_words: the normalised words of one sentence.

        Returns:
            The items, scoring each word as :class:`FeatureExtractor` features would.
        """
        if not norm_words:
            return []
        try:
            parts = list(map(self._cache.__getitem__, norm_words))
        except KeyError:  # a word not seen before
            parts = list(map(self.word, norm_words))
        owns, lent_to_next, lent_to_previous, starts = map(list, zip(*parts))
        self._add_extras(norm_words, starts, owns)
        befores = [self._bos, *lent_to_next[:-1]]
        afters = [*lent_to_previous[1:], self._eos]
        if len(self._carriers) == 8:
            return _items_of_eight(self._carriers, owns, befores, afters)
        carriers = self._carriers
        return [
            {c: a + b + d for c, a, b, d in zip(carriers, own, before, after)}
            for own, before, after in zip(owns, befores, afters)
        ]

    def _add_extras(self, norm_words: Sequence[str], starts: list[tuple], owns: list[tuple[float, ...]]) -> None:
        # add the pair (b-1, b+1), then the gazetteer (g, g-1, g+1) terms to the words' own vectors
        add = _add_eight if len(self._carriers) == 8 else _add_vectors
        pairs = list(map(self._pairs.get, zip(norm_words, norm_words[1:])))
        if pairs.count(None) != len(pairs):
            for i in [i for i, sides in enumerate(pairs) if sides is not None]:
                left, right = pairs[i]
                if left is not None:
                    owns[i] = add(owns[i], left)
                if right is not None:
                    owns[i + 1] = add(owns[i + 1], right)
        if not any(starts):
            return
        last = len(owns) - 1
        tags = match_gazetteer(norm_words, starts, self.lexicon)
        vectors_of = self._gazetteer
        for i in list(compress(range(len(tags)), tags)):
            vectors = vectors_of.get(tags[i])
            own, to_next, to_previous = vectors if vectors is not None else self._gazetteer_vectors(tags[i])
            if own is not None:
                owns[i] = add(owns[i], own)
            if to_next is not None and i < last:
                owns[i + 1] = add(owns[i + 1], to_next)
            if to_previous is not None and i > 0:
                owns[i - 1] = add(owns[i - 1], to_previous)

    def _gazetteer_vectors(self, tag: str) -> tuple:
        # what a gazetteer tag adds to its own word, the next and the previous (g=, g-1=, g+1=)
        vectors = self._gazetteer.get(tag)
        if vectors is None:
            vectors = self._gazetteer[tag] = tuple(self._vector(f + tag) for f in ("g=", "g-1=", "g+1="))
        return vectors


def _add_vectors(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    """The element-wise sum of two score vectors."""
    return tuple(map(operator.add, a, b))


def _add_eight(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    """:func:`_add_vectors` for vectors of eight (a model of B/I of four types), unrolled: twice as fast."""
    a0, a1, a2, a3, a4, a5, a6, a7 = a
    b0, b1, b2, b3, b4, b5, b6, b7 = b
    return (a0 + b0, a1 + b1, a2 + b2, a3 + b3, a4 + b4, a5 + b5, a6 + b6, a7 + b7)


def _items_of_eight(carriers: tuple[bytes, ...], owns: Sequence[Sequence[float]], befores: Sequence[Sequence[float]],
                    afters: Sequence[Sequence[float]]) -> list[dict[bytes, float]]:
    """:meth:`StateScorer.sentence`'s items for a model of eight non-reference labels (B/I of four types).

    The same sums as the general comprehension, unrolled: a dict display is
    built in half the time of a comprehension over ``zip``, and this runs for
    every token tagged.
    """
    c0, c1, c2, c3, c4, c5, c6, c7 = carriers
    return [
        {c0: a0 + b0 + d0, c1: a1 + b1 + d1, c2: a2 + b2 + d2, c3: a3 + b3 + d3,
         c4: a4 + b4 + d4, c5: a5 + b5 + d5, c6: a6 + b6 + d6, c7: a7 + b7 + d7}
        for (a0, a1, a2, a3, a4, a5, a6, a7), (b0, b1, b2, b3, b4, b5, b6, b7), (d0, d1, d2, d3, d4, d5, d6, d7)
        in zip(owns, befores, afters)
    ]


# ---------------------------------------------------------------- tagging


class EntityTagger:
    """A CRF entity tagger over normalised words.

    Build it with :meth:`pretrained` (the bundled model) or from a model path.
    """

    def __init__(self, model_path: Path, lexicon: NerLexicon, drop_unknown_features: bool = True):
        """Open a trained model.

        Args:
            model_path: a CRFsuite model written by ``scripts/train_ner.py``.
            lexicon: the lexicon the model was trained with.
            drop_unknown_features: skip features the model has no weight for
                (same tags, less work per token; reading the model's
                attribute list costs a fraction of a second once).
        """
        import pycrfsuite  # a compiled extension, loaded only when a tagger is built

        self._tagger = pycrfsuite.Tagger()
        try:
            self._tagger.open(str(model_path))
            info = self._tagger.info() if drop_unknown_features else None
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot open NER model {model_path}: {exc}") from exc
        self.lexicon = lexicon
        self._scorer = (
            StateScorer.from_state_features(lexicon, info.labels, info.state_features) if info is not None else None
        )
        known = frozenset(a for a, _ in info.state_features) if info is not None and self._scorer is None else None
        self._features = FeatureExtractor(lexicon, known)

    @classmethod
    def pretrained(cls) -> "EntityTagger":
        """The bundled tagger (``models/ner.crfsuite``), built once per process."""
        return _pretrained_tagger()

    def tag_tokens(self, words: Sequence[str]) -> list[str]:
        """BIO tags for one sentence of words as written.

        Args:
            words: the tokens of one sentence (not normalised).

        Returns:
            One corpus tag per word (``B-PERS``, ``I-LOC``, ``O``...).

        Example:
            >>> EntityTagger.pretrained().tag_tokens(["زار", "الأسد", "دمشق"])  # doctest: +SKIP
            ['O', 'B-PERS', 'B-LOC']
        """
        return self.tag_normalized([normalize_ar(w) or w for w in words])

    def tag_normalized(self, norm_words: Sequence[str]) -> list[str]:
        """BIO tags for one sentence of already normalised words.

        The model learnt from sentences that end with a full stop; a sentence
        without final punctuation (a headline, a line) is tagged with one
        added, so its last word is not taken for the stop's position.
        """
        if not norm_words:
            return []
        features = self._scorer or self._features
        if norm_words[-1] in _SENTENCE_END:
            return self._tagger.tag(features.sentence(norm_words))
        return self._tagger.tag(features.sentence([*norm_words, "."]))[:-1]

    def tag(self, text: str, tokens: Sequence[Token] | None = None) -> list[EntitySpan]:
        """Find the PER, ORG and LOC mentions of a text.

        Args:
            text: a report, Arabic as written (any length).
            tokens: ``tokenize(text)`` when the caller already has it.

        Returns:
            The entity spans in text order, offsets into ``text``, a leading
            proclitic excluded.

        Example:
            >>> [(e.type, e.text) for e in EntityTagger.pretrained().tag("وهيئة تحرير الشام في إدلب")]  # doctest: +SKIP
            [('ORG', 'هيئة تحرير الشام'), ('LOC', 'إدلب')]
        """
        if tokens is None:
            tokens = tokenize_aligned(align_normalize(text))
        norms = list(map(_NORM, tokens))
        spans: list[EntitySpan] = []
        for start, end in _sentence_bounds(text, tokens, norms):
            for entity_type, first, last in group_bio(self.tag_normalized(norms[start:end])):
                span = self._make_span(text, tokens[start + first : start + last + 1], entity_type)
                if span is not None:
                    spans.append(span)
        return spans

    def _make_span(self, text: str, tokens: Sequence[Token], corpus_type: str) -> EntitySpan | None:
        entity_type = EMITTED_TYPES.get(corpus_type)
        if entity_type is None:
            return None
        start = tokens[0].start + proclitic_length(tokens[0], self.lexicon)
        end = tokens[-1].end
        if start >= end:
            return None
        return EntitySpan(entity_type, text[start:end], start, end)


@lru_cache(maxsize=1)
def _pretrained_tagger() -> EntityTagger:
    return EntityTagger(data_path(MODEL_NAME), NerLexicon.from_data())


def split_sentences(text: str, tokens: Sequence[Token]) -> list[list[Token]]:
    """Group tokens into sentences at . ! ? ؟ and line breaks.

    Args:
        text: the original text the tokens index.
        tokens: its tokens.

    Returns:
        Non-empty token lists, in order.

    Example:
        >>> from rasd.text.tokens import tokenize
        >>> t = "قصف حلب. وقتل\\nثلاثة"
        >>> [[x.text for x in s] for s in split_sentences(t, tokenize(t))]
        [['قصف', 'حلب', '.'], ['وقتل'], ['ثلاثة']]
    """
    return [list(tokens[start:end]) for start, end in sentence_bounds(text, tokens)]


def sentence_bounds(text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Token ranges of the sentences of a text (see :func:`split_sentences`).

    Args:
        text: the original text the tokens index.
        tokens: its tokens.

    Returns:
        ``(start, end)`` token indices per sentence, ``end`` exclusive.

    Example:
        >>> from rasd.text.tokens import tokenize
        >>> t = "قصف حلب. وقتل\\nثلاثة"
        >>> sentence_bounds(t, tokenize(t))
        [(0, 3), (3, 4), (4, 5)]
    """
    return _sentence_bounds(text, tokens, list(map(_NORM, tokens)))


def _sentence_bounds(text: str, tokens: Sequence[Token], norms: Sequence[str]) -> list[tuple[int, int]]:
    ends = set(compress(range(1, len(norms) + 1), map(_SENTENCE_END.__contains__, norms)))  # after a stop
    ends.update(tokens_after_line_breaks(text, tokens))
    ends.add(len(tokens))
    bounds: list[tuple[int, int]] = []
    first = 0
    for end in sorted(ends):
        if end > first:
            bounds.append((first, end))
            first = end
    return bounds


def group_bio(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity runs of a BIO tag sequence (an I- without its B- opens a run).

    Args:
        tags: BIO tags, e.g. ``["B-ORG", "I-ORG", "O"]``.

    Returns:
        ``(type, first_index, last_index)`` per entity.

    Example:
        >>> group_bio(["B-ORG", "I-ORG", "O", "I-LOC", "B-PERS", "B-PERS"])
        [('ORG', 0, 1), ('LOC', 3, 3), ('PERS', 4, 4), ('PERS', 5, 5)]
    """
    runs: list[tuple[str, int, int]] = []
    if tags.count("O") == len(tags):
        return runs
    open_type: str | None = None
    open_start = 0
    for i, tag in enumerate(tags):
        if tag == "O" and open_type is None:
            continue
        prefix, _, entity_type = tag.partition("-")
        if open_type is not None and (prefix != "I" or entity_type != open_type):
            runs.append((open_type, open_start, i - 1))
            open_type = None
        if prefix in ("B", "I") and open_type is None:
            open_type, open_start = entity_type, i
    if open_type is not None:
        runs.append((open_type, open_start, len(tags) - 1))
    return runs


def proclitic_length(token: Token, lexicon: NerLexicon) -> int:
    """How many original characters of an entity's first token are a proclitic.

    The lexicon decides: a proclitic is split off when what remains is better
    known as an entity than the whole token (a gazetteer entry, a frequent
    entity-initial word, a word the training data tags as an entity), or
    starts with the article (وال، بال، لل). When neither form is known at all,
    a lone conjunction و is split off; ف ب ل ك stay (فولكر، بصرى، لندن، كركوك).

    Args:
        token: the first token of an entity.
        lexicon: gazetteer, entity-initial words and label memory.

    Returns:
        The length of the proclitic in ``token.text`` (0 when none).

    Example:
        >>> lex = NerLexicon.from_mappings({"LOC": ["وادي بردي"]}, {"هيئه": 4})
        >>> proclitic_length(Token("وهيئة", "وهيئه", 0, 5), lex)
        1
        >>> proclitic_length(Token("وادي", "وادي", 0, 4), lex)
        0
    """
    splits = clitic_splits(token.norm)
    if len(splits) == 1:
        return 0
    whole = _entity_evidence(token.norm, lexicon)
    for prefix_len, rest in reversed(splits[1:]):
        with_article = rest.startswith(_ARTICLE) and len(rest) >= 4
        if (with_article and not whole) or _entity_evidence(rest, lexicon) > whole:
            return original_prefix_length(token.text, prefix_len)
    prefix_len, rest = splits[1]
    if (
        prefix_len == 1
        and not whole
        and token.norm[0] == "و"
        and len(rest) >= 3
        and token.norm not in lexicon.memory
        and rest not in lexicon.memory
    ):
        return original_prefix_length(token.text, 1)
    return 0


def _entity_evidence(norm_word: str, lexicon: NerLexicon) -> int:
    # A gazetteer entry outweighs any count; then training entity-initial
    # counts; then being tagged an entity more often than not.
    evidence = lexicon.heads.get(norm_word, 0)
    if norm_word in lexicon.first_words:
        evidence += 1000
    if lexicon.memory.get(norm_word, "O") not in ("O", _UNSEEN):
        evidence += 1
    return evidence


def original_prefix_length(written: str, norm_prefix_len: int) -> int:
    """Length in ``written`` of its first ``norm_prefix_len`` normalised characters.

    Args:
        written: a token as written.
        norm_prefix_len: characters of its normalised form.

    Returns:
        The matching length in the original (marks of the prefix included).

    Example:
        >>> original_prefix_length("وَبِدمشق", 2)
        4
    """
    aligned = align_normalize(written)
    return aligned.to_original(0, norm_prefix_len)[1]


def iter_entity_words(sentences: Iterable[Sequence[tuple[str, str]]]) -> Iterable[str]:
    """Normalised first words of the entities of tagged sentences (for ``heads``).

    Args:
        sentences: sentences of ``(word, tag)`` pairs.

    Returns:
        Each B- word, normalised.

    Example:
        >>> list(iter_entity_words([[("زار", "O"), ("خالد", "B-PERS")]]))
        ['خالد']
    """
    for sentence in sentences:
        for word, tag in sentence:
            if tag.startswith("B-"):
                yield normalize_ar(word)
