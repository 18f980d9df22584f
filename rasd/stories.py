"""Where near-duplicate reports become one story with several sources.

The same story rewritten by another outlet (a new headline, a sentence added,
clitics and diacritics differing) shares most of its word 3-shingles once
the text is normalised and light-stemmed; a different event in the same town
shares only boilerplate ("ريف ادلب", "المرصد السوري"). Each report gets a
MinHash signature computed by one-permutation hashing (one keyed blake2b hash
per shingle, the minimum kept per bin, empty bins densified), and LSH banding
over the signature finds candidates in constant time; candidates published
within ``window_hours`` of the report and with an estimated Jaccard similarity
of at least ``threshold`` join its story.

State lives in a dict-like store of JSON values under string keys, so the
same index runs in memory, in a Faust table, or from a JSON snapshot. Only
what cannot be derived is stored — two writes per report, so a Faust table's
changelog stays small:

- ``meta`` — the signature parameters (written once);
- ``r:<report id>`` — time, story, best match, similarity, source and signature;
- ``s:<story id>`` — the story's sources and how many held reports it has.

The LSH band buckets, the reports per event-time hour (for pruning), the
signatures packed for fast comparison and the watermark are derived from the
``r:`` entries and kept in memory: rebuilt on first use after a restart.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from rasd.errors import DataError
from rasd.escalation.windows import Timestamp, now_epoch, to_epoch
from rasd.search import stem_word
from rasd.text.normalize import normalize_ar

_WORD_RE = regex.compile(r"[\p{L}\p{N}]+")
_PERSON = b"rasd-story"
_HOUR = 3600
_VALUE_MASK = 0xFFFFFFFF
_DERIVED_PREFIXES = ("b:", "h:")  # bands and hours were stored before they were derived in memory


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """Which story a report belongs to.

    Attributes:
        story_id: the id of the story's first report (the report's own id for a new story).
        duplicate_of: the most similar earlier report, or None for a new story.
        sources: the outlets that carried the story so far, in order of arrival.
        similarity: estimated Jaccard similarity to ``duplicate_of`` (0.0 for a new story).
    """

    story_id: str
    duplicate_of: str | None
    sources: tuple[str, ...]
    similarity: float


def stem_words(text: str, normalized: str | None = None) -> list[str]:
    """The light-stemmed content words of a text in matching form.

    Stems of one or two letters ("في", "من", "قد", "لا") are dropped: outlets
    differ most in these particles ("في ريف" / "بريف"). Numbers are kept.

    Args:
        text: Arabic as written, e.g. ``"وقصفت قواتُ النظام في بلدةَ التمانعة ٣ مرات"``.
        normalized: ``normalize_ar(text)`` when already computed (the analysis made it).

    Returns:
        e.g. ``["قصفت", "قوات", "نظام", "لده", "تمانعه", "3", "مرات"]``.
    """
    stems = (stem_word(word) for word in _WORD_RE.findall(normalize_ar(text) if normalized is None else normalized))
    return [stem for stem in stems if len(stem) > 2 or stem.isdigit()]


def shingle_words(words: list[str], size: int) -> set[str]:
    """The word ``size``-shingles of a word list (the whole list when it is shorter).

    Args:
        words: e.g. ``["قصف", "بلده", "تمانعه", "ريف"]``; size: e.g. 3.

    Returns:
        e.g. ``{"قصف بلده تمانعه", "بلده تمانعه ريف"}``; empty for no words.
    """
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def hash_shingle(shingle: str) -> int:
    """A deterministic 64-bit hash of one shingle (keyed blake2b, the same in every process)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8, person=_PERSON).digest(), "little")


@lru_cache(maxsize=8)
def densify_order(num_perm: int) -> tuple[tuple[int, ...], ...]:
    """For each bin, a fixed pseudo-random order of all bins to borrow from when it is empty."""
    return tuple(
        tuple(sorted(range(num_perm), key=lambda j, i=i: hash_shingle(f"densify {i} {j}")))
        for i in range(num_perm)
    )


def minhash_signature(shingles: set[str], num_perm: int) -> tuple[int, ...] | None:
    """One-permutation MinHash of a shingle set, densified; None for an empty set.

    Args:
        shingles: e.g. ``shingle_words(stem_words("قصفت قوات النظام بلدة التمانعة"), 3)``.
        num_perm: signature length (bins).

    Returns:
        ``num_perm`` 32-bit values; two signatures agree on a bin with probability ≈ Jaccard.
    """
    if not shingles:
        return None
    bins: list[int | None] = [None] * num_perm
    for shingle in shingles:
        hashed = hash_shingle(shingle)
        slot, value = hashed % num_perm, (hashed // num_perm) & _VALUE_MASK
        current = bins[slot]
        if current is None or value < current:
            bins[slot] = value
    if None in bins:
        order = densify_order(num_perm)
        filled = list(bins)
        for slot, value in enumerate(bins):
            if value is None:
                filled[slot] = next(bins[j] for j in order[slot] if bins[j] is not None)
        bins = filled
    return tuple(bins)  # type: ignore[arg-type]


def estimate_similarity(left: tuple[int, ...], right: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity: the share of bins two signatures agree on."""
    return sum(a == b for a, b in zip(left, right)) / len(left)


def band_keys(signature: tuple[int, ...], bands: int) -> list[str]:
    """The LSH bucket keys of a signature, one per band of ``len(signature) // bands`` rows."""
    rows = len(signature) // bands
    keys = []
    for band in range(bands):
        packed = struct.pack(f">{rows}I", *signature[band * rows:(band + 1) * rows])
        keys.append(f"b:{band}:{hashlib.blake2b(packed, digest_size=8, person=_PERSON).hexdigest()}")
    return keys


def encode_signature(signature: tuple[int, ...]) -> str:
    return base64.b64encode(struct.pack(f">{len(signature)}I", *signature)).decode("ascii")


def decode_signature(text: str) -> tuple[int, ...]:
    raw = base64.b64decode(text)
    return struct.unpack(f">{len(raw) // 4}I", raw)


def pack_signature(signature: tuple[int, ...]) -> int:
    """A signature as one integer of 32-bit lanes, for :func:`count_equal_lanes`."""
    return int.from_bytes(struct.pack(f">{len(signature)}I", *signature), "big")


@lru_cache(maxsize=8)
def lane_masks(lanes: int) -> tuple[int, ...]:
    """Per-lane masks keeping the low 16, 8, 4, 2 and 1 bits of each 32-bit lane."""
    return tuple(int.from_bytes(((1 << bits) - 1).to_bytes(4, "big") * lanes, "big") for bits in (16, 8, 4, 2, 1))


def count_equal_lanes(left: int, right: int, lanes: int) -> int:
    """How many 32-bit lanes two packed signatures agree on (a few big-integer operations, no loop per bin).

    Each lane of ``left ^ right`` is folded onto its lowest bit (non-zero → 1), and the bits are counted.
    """
    folded = left ^ right
    for shift, mask in zip((16, 8, 4, 2, 1), lane_masks(lanes)):
        folded = (folded | (folded >> shift)) & mask
    return lanes - folded.bit_count()


class StoryIndex:
    """Near-duplicate detection over a sliding event-time window.

    Example:
        >>> index = StoryIndex()
        >>> index.assign("a", "قصفت قوات النظام بلدة التمانعة ...", "2018-08-10T06:00:00Z", "SOHR")
        StoryAssignment(story_id='a', duplicate_of=None, sources=('SOHR',), similarity=0.0)
        >>> index.assign("b", "وقصفت قوات النظام بلدة التمانعة ...", "2018-08-10T07:10:00Z", "Enab Baladi")
        StoryAssignment(story_id='a', duplicate_of='a', sources=('SOHR', 'Enab Baladi'), similarity=0.7344)
    """

    def __init__(self, window_hours: float = 48, threshold: float = 0.5, *, num_perm: int = 128,
                 bands: int = 32, shingle_size: int = 3, bucket_limit: int = 64,
                 store: MutableMapping[str, Any] | None = None):
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self.window_seconds = window_hours * 3600
        self.threshold = threshold
        self.num_perm, self.bands, self.shingle_size = num_perm, bands, shingle_size
        # A band bucket keeps its most recent ``bucket_limit`` reports: a story copied by hundreds of
        # outlets would otherwise make every new copy compare with all of them (quadratic). A newcomer
        # still meets the story through its recent members.
        self.bucket_limit = bucket_limit
        self.store: MutableMapping[str, Any] = store if store is not None else {}
        params = {"num_perm": num_perm, "bands": bands, "shingle_size": shingle_size}
        meta = self.store.get("meta")
        if meta is None:
            self.store["meta"] = {"params": params}
        elif meta.get("params") != params:
            raise DataError(f"story state was built with {meta.get('params')}, not {params}")
        # Derived from the r: entries, built on first use (a Faust table is filled only once recovered).
        self._built = False
        self._buckets: dict[str, dict[str, None]] = {}  # ordered sets: oldest first
        self._hours: dict[int, set[str]] = {}
        self._held: dict[str, tuple[float, int | None]] = {}
        self._watermark: float | None = None
        self._pruned_at: float | None = None

    def signature(self, text: str, normalized: str | None = None) -> tuple[int, ...] | None:
        """The MinHash signature of a report text (None when it has no words); see :func:`stem_words`."""
        return minhash_signature(shingle_words(stem_words(text, normalized), self.shingle_size), self.num_perm)

    def assign(self, report_id: str, text: str, published_at: Timestamp = None, source: str | None = None,
               *, processing_time: Timestamp = None, normalized: str | None = None,
               encoded_signature: str | None = None) -> StoryAssignment:
        """Put a report into a story: an existing one it nearly duplicates, or a new one.

        Args:
            report_id: the report's id; assigning it again returns the first answer (replays are idempotent).
            text: the report body, e.g. ``"قصفت قوات النظام بلدة التمانعة بريف إدلب الجنوبي ..."``.
            published_at: event time; when absent, ``processing_time`` (default: now) is used.
            source: the outlet, e.g. ``"SOHR"``.
            normalized: ``normalize_ar(text)`` when the caller has it (saves normalising again).
            encoded_signature: the text's signature made elsewhere with this index's parameters, as
                ``encode_signature(index.signature(text))`` (``""``: the text has no words); the
                streaming analysis stage makes it in its own processes.

        Returns:
            The :class:`StoryAssignment`.
        """
        self._build()
        known = self.store.get(f"r:{report_id}")
        if known is not None:
            return self._assignment(known)
        moment = to_epoch(published_at)
        if moment is None:
            moment = to_epoch(processing_time) or now_epoch()
        if encoded_signature is None:
            signature = self.signature(text, normalized)
        else:
            signature = decode_signature(encoded_signature) if encoded_signature else None
            if signature is not None and len(signature) != self.num_perm:
                raise ValueError(f"signature of {len(signature)} bins given to an index of {self.num_perm}")
        best_id, best_entry, best_sim = self._best_match(signature, moment) if signature else (None, None, 0.0)
        if best_entry is not None and best_sim >= self.threshold:
            story_id, duplicate_of = best_entry["story"], best_id
        else:
            story_id, duplicate_of, best_sim = report_id, None, 0.0
        entry = {"t": moment, "story": story_id, "dup": duplicate_of, "sim": round(best_sim, 4), "src": source,
                 "sig": encode_signature(signature) if signature else None}
        self._remember(report_id, entry, signature)
        self._advance(moment)
        return self._assignment(entry)

    def _build(self) -> None:
        """Derive the buckets, hours, packed signatures and watermark from the stored entries (once)."""
        if self._built:
            return
        self._built = True
        stale = [key for key in self.store if key.startswith(_DERIVED_PREFIXES)]
        for key in stale:
            self.store.pop(key, None)
        entries = sorted(((key, entry) for key, entry in self.store.items() if key.startswith("r:") and entry),
                         key=lambda item: (item[1]["t"], item[0]))
        for key, entry in entries:
            signature = decode_signature(entry["sig"]) if entry["sig"] else None
            self._index(key[2:], entry["t"], signature)
            if self._watermark is None or entry["t"] > self._watermark:
                self._watermark = entry["t"]

    def _index(self, report_id: str, moment: float, signature: tuple[int, ...] | None) -> None:
        self._held[report_id] = (moment, pack_signature(signature) if signature else None)
        self._hours.setdefault(int(moment // _HOUR) * _HOUR, set()).add(report_id)
        if signature:
            for key in band_keys(signature, self.bands):
                bucket = self._buckets.setdefault(key, {})
                bucket[report_id] = None
                if len(bucket) > self.bucket_limit:
                    del bucket[next(iter(bucket))]

    def _best_match(self, signature: tuple[int, ...], moment: float) -> tuple[str | None, dict | None, float]:
        candidates: set[str] = set()
        for key in band_keys(signature, self.bands):
            candidates.update(self._buckets.get(key, ()))
        packed = pack_signature(signature)
        best: tuple[int, float, str] | None = None
        for candidate in candidates:
            held_at, other = self._held[candidate]
            if other is None or abs(held_at - moment) > self.window_seconds:
                continue
            rank = (count_equal_lanes(packed, other, self.num_perm), -held_at, candidate)
            if best is None or rank > best:
                best = rank
        if best is None:
            return None, None, 0.0
        return best[2], self.store.get(f"r:{best[2]}"), best[0] / self.num_perm

    def _remember(self, report_id: str, entry: dict[str, Any], signature: tuple[int, ...] | None) -> None:
        self.store[f"r:{report_id}"] = entry
        self._index(report_id, entry["t"], signature)
        story_key = f"s:{entry['story']}"
        story = self.store.get(story_key) or {"sources": [], "n": 0}
        sources = story["sources"] + ([entry["src"]] if entry["src"] and entry["src"] not in story["sources"] else [])
        self.store[story_key] = {"sources": sources, "n": story["n"] + 1}

    def _assignment(self, entry: dict[str, Any]) -> StoryAssignment:
        story = self.store.get(f"s:{entry['story']}") or {"sources": [entry["src"]] if entry["src"] else []}
        return StoryAssignment(entry["story"], entry["dup"], tuple(story["sources"]), float(entry["sim"]))

    def _advance(self, moment: float) -> None:
        """Move the watermark; prune what is two windows behind it, at most once an event-time hour."""
        if self._watermark is not None and moment <= self._watermark and self._pruned_at is not None:
            return
        self._watermark = moment if self._watermark is None else max(self._watermark, moment)
        if self._pruned_at is None or self._watermark - self._pruned_at >= _HOUR:
            self.prune(self._watermark - 2 * self.window_seconds)

    def prune(self, before: Timestamp) -> int:
        """Forget the reports published in hours that ended before ``before``.

        Args:
            before: event time, e.g. ``"2018-08-08T00:00:00Z"``.

        Returns:
            How many reports were forgotten.
        """
        self._build()
        cutoff = to_epoch(before)
        self._pruned_at = self._watermark
        if cutoff is None:
            return 0
        forgotten = 0
        for hour in sorted(hour for hour in self._hours if hour + _HOUR <= cutoff):
            for report_id in sorted(self._hours.pop(hour)):
                forgotten += self._forget(report_id)
        return forgotten

    def _forget(self, report_id: str) -> int:
        held = self._held.pop(report_id, None)
        entry = self.store.pop(f"r:{report_id}", None)
        if entry is None:
            return 0
        if entry["sig"]:
            for key in band_keys(decode_signature(entry["sig"]), self.bands):
                bucket = self._buckets.get(key)
                if bucket is not None:
                    bucket.pop(report_id, None)
                    if not bucket:
                        del self._buckets[key]
        if held is not None:
            hour = self._hours.get(int(held[0] // _HOUR) * _HOUR)
            if hour is not None:
                hour.discard(report_id)
        story_key = f"s:{entry['story']}"
        story = self.store.get(story_key)
        if story is not None:
            if story["n"] <= 1:
                self.store.pop(story_key, None)
            else:
                self.store[story_key] = {**story, "n": story["n"] - 1}
        return 1

    def __len__(self) -> int:
        """How many reports the index holds."""
        self._build()
        return len(self._held)

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready snapshot of the whole index (what is stored; the rest is derived again on load)."""
        return {key: value for key, value in self.store.items()}

    @classmethod
    def from_state(cls, state: dict[str, Any], window_hours: float = 48, threshold: float = 0.5,
                   **params: Any) -> "StoryIndex":
        """An index resuming from :meth:`to_state` (the signature parameters must match)."""
        return cls(window_hours, threshold, store=dict(state), **params)
