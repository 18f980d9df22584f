"""The embedded store: SQLite with FTS5 over the same search form Elasticsearch indexes.

Used by ``rasd run`` (no Kafka, no Elasticsearch) and by the API in embedded mode.
Documents are the very dicts :func:`rasd.search.report_document` builds for
Elasticsearch; writes are upserts by id, so a replay is idempotent here too.
Refused reports are kept as dead letters, and the state of the stateful stages
(story index, escalation detector, alert throttling) lives in :class:`StateTable`
rows, as Faust keeps it in changelog-backed tables, so a later run continues it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from rasd.search import search_form

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    published_at TEXT,
    escalation_score REAL,
    doc TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS reports_fts USING fts5(id UNINDEXED, text_search, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS report_terms (
    report_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (report_id, field, value)
);
CREATE INDEX IF NOT EXISTS report_terms_by_value ON report_terms (field, value);
CREATE TABLE IF NOT EXISTS signals (id TEXT PRIMARY KEY, key TEXT, window_end TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, subscription_id TEXT, created_at TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (id TEXT PRIMARY KEY, stage TEXT, code TEXT, failed_at TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key));
"""

_TABLE_ORDER = {"reports": "published_at", "signals": "window_end", "alerts": "created_at", "dead_letters": "failed_at"}

# Keyword fields filterable in the embedded store, as in the Elasticsearch mapping.
FILTER_FIELDS = ("actor_ids", "governorates", "place_ids", "event_types", "sources")
# Fields of a report whose values a Latin query may equal exactly (case-insensitively), as in Elasticsearch.
NAME_FIELDS = ("actor_names_en", "place_names_en")
# Calendar buckets of the date histogram: (strftime format, modifiers) over a UTC instant, keys as Elasticsearch
# writes them; a week starts on Monday.
DATE_BUCKETS = {
    "hour": ("%Y-%m-%dT%H:00:00.000Z", ()),
    "day": ("%Y-%m-%dT00:00:00.000Z", ()),
    "week": ("%Y-%m-%dT00:00:00.000Z", ("-6 days", "weekday 1")),
    "month": ("%Y-%m-01T00:00:00.000Z", ()),
    "year": ("%Y-01-01T00:00:00.000Z", ()),
}
PHRASE_WEIGHT = 2.0  # a report holding the query's words in order ranks as if it matched twice
NAME_WEIGHT = 3.0  # an exact English actor or place name outranks words found in the text
_DOC_FIELD_RE = re.compile(r"^[a-z_]{1,64}$")


def fts_query(text: str) -> str | None:
    """An FTS5 query in which every term of ``text`` (in search form) must occur; syntax is neutralised.

    Args:
        text: a user query, e.g. ``'تحرير الشام OR "x*'``.

    Returns:
        e.g. ``'"تحرير" "شام" "or" "x"'`` (each term quoted), or None for an empty query.
    """
    terms = [t.replace('"', "") for t in search_form(text).split()]
    terms = [t for t in terms if t]
    return " ".join(f'"{t}"' for t in terms) if terms else None


def fts_phrase(text: str) -> str | None:
    """An FTS5 query for the terms of ``text`` (in search form) in this order, side by side.

    Args:
        text: a user query, e.g. ``"هيئة تحرير الشام"``.

    Returns:
        e.g. ``'"هييه تحرير شام"'``, or None for an empty query.
    """
    terms = [t.replace('"', "") for t in search_form(text).split()]
    terms = [t for t in terms if t]
    return '"' + " ".join(terms) + '"' if terms else None


def utc_instant(value: Any) -> str | None:
    """A date or date-time as a sortable UTC text (a time without offset is read as UTC, as Elasticsearch does).

    Args:
        value: e.g. ``"2018-08-20T15:00:00+03:00"``, ``"2018-08-20T12:00:00Z"`` or ``"2018-08-20"``.

    Returns:
        e.g. ``"2018-08-20T12:00:00.000000"`` (``"2018-08-20T00:00:00.000000"`` for a bare date); None when
        absent, not ISO 8601, or outside the years 1–9999 once in UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment.isoformat(timespec="microseconds")


def casefold_text(value: Any) -> str | None:
    """``str.casefold`` for SQL (SQLite's ``lower`` folds ASCII only); None for anything but text."""
    return value.casefold() if isinstance(value, str) else None


@dataclass(frozen=True)
class ReportFilter:
    """Which reports a search matches; every given part applies.

    Attributes:
        q: free text; every term of its search form must occur (``"تحرير الشام"`` finds
            ``"وهيئة تحرير الشام"``). Blank: no text condition. Holding no word (``"*"``): nothing matches.
        names: with ``q``, a report also matches when one of its English actor or place names equals
            this text, case aside (``"idlib"`` finds a report placed in Idlib).
        filters: keyword field → values, any of which may occur (fields of :data:`FILTER_FIELDS`).
        since, until: ISO dates or date-times bounding ``published_at``, both included, compared as
            UTC instants.
        min_escalation: lowest escalation score.
    """

    q: str | None = None
    names: str | None = None
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    since: str | None = None
    until: str | None = None
    min_escalation: float | None = None


@dataclass(frozen=True)
class _CompiledFilter:
    from_where: str
    params: dict[str, Any]
    score: str


class StateTable(MutableMapping[str, Any]):
    """One stage's state (JSON values under string keys) kept in the store's ``state`` table.

    The stage reads and writes a dict in memory, as it would a Faust table; :meth:`flush`
    writes what changed since the last flush (and deletes what was removed) in one transaction.

    Example:
        >>> table = SqliteStore().state("stories")
        >>> table["s:sohr-1"] = {"sources": ["SOHR"], "n": 1}
        >>> table.flush()
        1
    """

    def __init__(self, conn: sqlite3.Connection, name: str):
        self.conn, self.name = conn, name
        rows = conn.execute("SELECT key, value FROM state WHERE name = ?", (name,)).fetchall()
        self._data: dict[str, Any] = {key: json.loads(value) for key, value in rows}
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self._dirty.add(key)
        self._deleted.discard(key)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._dirty.discard(key)
        self._deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def flush(self) -> int:
        """Write the changed keys and delete the removed ones; returns how many rows changed."""
        changed = len(self._dirty) + len(self._deleted)
        if not changed:
            return 0
        with self.conn:
            self.conn.executemany(
                "INSERT INTO state (name, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT(name, key) DO UPDATE SET value = excluded.value",
                [(self.name, key, json.dumps(self._data[key], ensure_ascii=False)) for key in sorted(self._dirty)],
            )
            self.conn.executemany("DELETE FROM state WHERE name = ? AND key = ?",
                                  [(self.name, key) for key in sorted(self._deleted)])
        self._dirty.clear()
        self._deleted.clear()
        return changed


@dataclass
class SearchPage:
    """One page of a search: the total, the documents, their scores (None without text), the facets."""

    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]
    scores: list[float | None] = field(default_factory=list)


class SqliteStore:
    """Reports, signals, alerts, dead letters and the stages' state in one SQLite file (or in memory)."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.create_function("utc_instant", 1, utc_instant, deterministic=True)
        self.conn.create_function("casefold", 1, casefold_text, deterministic=True)
        self.conn.executescript(_SCHEMA)
        self._states: dict[str, StateTable] = {}

    def upsert_reports(self, docs: Iterable[dict[str, Any]]) -> int:
        count = 0
        with self.conn:
            for doc in docs:
                rid = doc["id"]
                self.conn.execute(
                    "INSERT INTO reports (id, published_at, escalation_score, doc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET published_at = excluded.published_at, "
                    "escalation_score = excluded.escalation_score, doc = excluded.doc",
                    (rid, doc.get("published_at"), doc.get("escalation_score"), json.dumps(doc, ensure_ascii=False)),
                )
                self.conn.execute("DELETE FROM reports_fts WHERE id = ?", (rid,))
                self.conn.execute("INSERT INTO reports_fts (id, text_search) VALUES (?, ?)", (rid, doc["text_search"]))
                self.conn.execute("DELETE FROM report_terms WHERE report_id = ?", (rid,))
                self.conn.executemany(
                    "INSERT OR IGNORE INTO report_terms (report_id, field, value) VALUES (?, ?, ?)",
                    [(rid, field, value) for field in FILTER_FIELDS for value in doc.get(field) or () if value],
                )
                count += 1
        return count

    def upsert_signal(self, doc: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO signals (id, key, window_end, doc) VALUES (?, ?, ?, ?)",
                              (doc["id"], doc.get("key"), doc.get("window_end"), json.dumps(doc, ensure_ascii=False)))

    def upsert_alert(self, doc: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO alerts (id, subscription_id, created_at, doc) VALUES (?, ?, ?, ?)",
                              (doc["id"], doc.get("subscription_id"), doc.get("created_at"),
                               json.dumps(doc, ensure_ascii=False)))

    def upsert_dead_letter(self, doc: dict[str, Any]) -> None:
        """Keep a refused report with its reason; ``doc["id"]`` must be deterministic so a replay overwrites it."""
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO dead_letters (id, stage, code, failed_at, doc) "
                              "VALUES (?, ?, ?, ?, ?)",
                              (doc["id"], doc.get("stage"), doc.get("code"), doc.get("failed_at"),
                               json.dumps(doc, ensure_ascii=False)))

    def state(self, name: str) -> StateTable:
        """The state table of one stage, e.g. ``"stories"``; the same object for the same name."""
        if name not in self._states:
            self._states[name] = StateTable(self.conn, name)
        return self._states[name]

    def flush_state(self) -> int:
        """Write every stage's changed state; returns how many rows changed."""
        return sum(table.flush() for table in self._states.values())

    def get_docs(self, table: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The documents of ``table`` with the given ids (absent ids are skipped), in the order asked."""
        self._check_table(table)
        wanted = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        for chunk in range(0, len(wanted), 500):
            part = wanted[chunk:chunk + 500]
            rows = self.conn.execute(f"SELECT id, doc FROM {table} WHERE id IN ({','.join('?' * len(part))})",
                                     part).fetchall()
            found.update((rid, json.loads(doc)) for rid, doc in rows)
        return [found[rid] for rid in wanted if rid in found]

    def get_report(self, report_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM reports WHERE id = ?", (report_id,)).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _check_table(table: str) -> None:
        if table not in _TABLE_ORDER:
            raise ValueError(f"unknown table {table!r}")

    def count(self, table: str) -> int:
        self._check_table(table)
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def list_docs(self, table: str, limit: int = 100) -> list[dict[str, Any]]:
        self._check_table(table)
        order = _TABLE_ORDER[table]
        rows = self.conn.execute(f"SELECT doc FROM {table} ORDER BY {order} DESC LIMIT ?", (limit,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def search(self, q: str | None = None, *, filters: dict[str, list[str]] | None = None, since: str | None = None,
               until: str | None = None, min_escalation: float | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 20) -> SearchPage:
        """Full-text and filtered search, with facets over the matching set (see :meth:`search_reports`)."""
        report_filter = ReportFilter(q=q, filters=filters or {}, since=since, until=until,
                                     min_escalation=min_escalation)
        return self.search_reports(report_filter, sort=sort, offset=offset, limit=limit)

    def search_reports(self, report_filter: ReportFilter, *, sort: str = "relevance", offset: int = 0,
                       limit: int = 20, facet_size: int = 20) -> SearchPage:
        """The reports a filter matches, one page of them, and the facets of them all.

        Relevance is the BM25 score of the text, doubled when the query's words occur in order,
        plus :data:`NAME_WEIGHT` for an exact English name; without text, or with ``sort="time"``,
        the newest come first (reports without a date last).

        Args:
            report_filter: e.g. ``ReportFilter(q="ادلب", filters={"event_types": ["shelling"]})``.
            sort: ``relevance`` or ``time``.
            offset, limit: the page.
            facet_size: values kept per facet (most frequent first, ties by value).

        Returns:
            The page; ``facets`` has one list of ``(value, count)`` per field of :data:`FILTER_FIELDS`.

        Raises:
            ValueError: an unknown filter field, or a date bound that is not ISO 8601.
        """
        compiled = self._compile(report_filter)
        base, params = compiled.from_where, compiled.params
        published = "utc_instant(r.published_at) DESC"
        if sort == "relevance" and report_filter.q and report_filter.q.strip():
            order = f"score DESC, {published}, r.id"
        else:
            order = f"{published}, score DESC, r.id"
        total = self.conn.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        rows = self.conn.execute(f"SELECT r.doc, {compiled.score} AS score {base} ORDER BY {order} "
                                 "LIMIT :limit OFFSET :offset", {**params, "limit": limit, "offset": offset}).fetchall()
        facet_rows = self.conn.execute(
            f"SELECT t.field, t.value, count(*) FROM report_terms t WHERE t.report_id IN (SELECT r.id {base}) "
            "GROUP BY t.field, t.value ORDER BY t.field, count(*) DESC, t.value", params).fetchall()
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FILTER_FIELDS}
        for name, value, count in facet_rows:
            if name in facets and len(facets[name]) < facet_size:
                facets[name].append((value, count))
        has_text = bool(report_filter.q and report_filter.q.strip())
        return SearchPage(total, [json.loads(doc) for doc, _ in rows], facets,
                          [float(score) if has_text else None for _, score in rows])

    def date_bounds(self, report_filter: ReportFilter) -> tuple[str | None, str | None]:
        """The first and last ``published_at`` of the matching reports, as UTC instants (None when none has one)."""
        compiled = self._compile(report_filter)
        first, last = self.conn.execute(f"SELECT min(utc_instant(r.published_at)), max(utc_instant(r.published_at)) "
                                        f"{compiled.from_where}", compiled.params).fetchone()
        return first, last

    def date_histogram(self, report_filter: ReportFilter, interval: str) -> list[tuple[str, int]]:
        """How many matching reports were published in each calendar bucket, oldest first (empty buckets left out).

        Args:
            report_filter: which reports.
            interval: ``hour``, ``day``, ``week`` (from Monday), ``month`` or ``year``, in UTC.

        Returns:
            e.g. ``[("2018-08-20T00:00:00.000Z", 2), ("2018-09-03T00:00:00.000Z", 1)]`` for weeks.
        """
        if interval not in DATE_BUCKETS:
            raise ValueError(f"unknown interval {interval!r}; expected one of {', '.join(DATE_BUCKETS)}")
        fmt, modifiers = DATE_BUCKETS[interval]
        compiled = self._compile(report_filter)
        named = {"bucket_format": fmt, **{f"bucket_modifier_{i}": m for i, m in enumerate(modifiers)}}
        bucket = "strftime(:bucket_format, utc_instant(r.published_at)" + "".join(
            f", :bucket_modifier_{i}" for i in range(len(modifiers))) + ")"
        rows = self.conn.execute(f"SELECT {bucket} AS bucket, count(*) {compiled.from_where} "
                                 f"GROUP BY bucket HAVING bucket IS NOT NULL ORDER BY bucket",
                                 {**compiled.params, **named}).fetchall()
        return [(key, count) for key, count in rows]

    def _compile(self, report_filter: ReportFilter) -> _CompiledFilter:
        """The ``FROM … WHERE …`` of a filter with its named parameters, and the score expression."""
        where: list[str] = []
        params: dict[str, Any] = {}
        joins = ""
        score = "0.0"
        q = report_filter.q if report_filter.q and report_filter.q.strip() else None
        if q is not None:
            match = fts_query(q)
            if match is None:  # only punctuation, e.g. "*": no word to find
                where.append("0")
            else:
                params["match"] = match
                joins = ("LEFT JOIN (SELECT id AS fts_id, bm25(reports_fts) AS fts_rank FROM reports_fts "
                         "WHERE reports_fts MATCH :match) f ON f.fts_id = r.id")
                text_score = "COALESCE(-f.fts_rank, 0.0)"
                phrase = fts_phrase(q)
                if phrase is not None and phrase != match:
                    params["phrase"] = phrase
                    text_score = (f"{text_score} * (CASE WHEN r.id IN (SELECT id FROM reports_fts WHERE reports_fts "
                                  f"MATCH :phrase) THEN {PHRASE_WEIGHT} ELSE 1.0 END)")
                if report_filter.names and report_filter.names.strip():
                    params["names"] = report_filter.names.strip().casefold()
                    named = " OR ".join(f"EXISTS (SELECT 1 FROM json_each(r.doc, '$.{name}') "
                                        f"WHERE casefold(value) = :names)" for name in NAME_FIELDS)
                    where.append(f"(f.fts_id IS NOT NULL OR {named})")
                    score = f"({text_score} + (CASE WHEN {named} THEN {NAME_WEIGHT} ELSE 0.0 END))"
                else:
                    where.append("f.fts_id IS NOT NULL")
                    score = text_score
        for number, (name, values) in enumerate((report_filter.filters or {}).items()):
            if name not in FILTER_FIELDS:
                raise ValueError(f"cannot filter on {name!r}")
            values = [v for v in values if v]
            if values:
                marks = ",".join(f":filter_{number}_{i}" for i in range(len(values)))
                where.append(f"r.id IN (SELECT report_id FROM report_terms WHERE field = :filter_{number} "
                             f"AND value IN ({marks}))")
                params[f"filter_{number}"] = name
                params.update({f"filter_{number}_{i}": value for i, value in enumerate(values)})
        for name, bound, op in (("since", report_filter.since, ">="), ("until", report_filter.until, "<=")):
            if bound:
                instant = utc_instant(bound)
                if instant is None:
                    raise ValueError(f"{name} {bound!r} is not an ISO date or date-time")
                where.append(f"utc_instant(r.published_at) {op} :{name}")
                params[name] = instant
        if report_filter.min_escalation is not None:
            where.append("r.escalation_score >= :min_escalation")
            params["min_escalation"] = report_filter.min_escalation
        return _CompiledFilter(f"FROM reports r {joins} WHERE {' AND '.join(where) or '1'}", params, score)

    def find_docs(self, table: str, *, any_of: Mapping[str, Sequence[str]] | None = None, since: str | None = None,
                  offset: int = 0, limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
        """Documents of a table, newest first by its time field, with their total.

        Args:
            table: ``signals``, ``alerts``, ``reports`` or ``dead_letters``.
            any_of: top-level document field → values, any of which it may hold, e.g.
                ``{"owner": ["analyst"], "severity": ["high", "medium"]}``; fields with no values are ignored.
            since: the time field (``window_end``, ``created_at``, ``published_at``, ``failed_at``) on or
                after this ISO date or date-time, as UTC instants.
            offset, limit: the page.

        Returns:
            ``(total, documents)``.

        Raises:
            ValueError: an unknown table, a field name that is not a plain name, a bad ``since``.
        """
        self._check_table(table)
        time_field = _TABLE_ORDER[table]
        where: list[str] = []
        params: dict[str, Any] = {}
        for number, (name, values) in enumerate((any_of or {}).items()):
            if not _DOC_FIELD_RE.match(name):
                raise ValueError(f"cannot filter on {name!r}")
            values = list(values)
            if values:
                marks = ",".join(f":v_{number}_{i}" for i in range(len(values)))
                where.append(f"json_extract(doc, '$.{name}') IN ({marks})")
                params.update({f"v_{number}_{i}": value for i, value in enumerate(values)})
        if since:
            instant = utc_instant(since)
            if instant is None:
                raise ValueError(f"since {since!r} is not an ISO date or date-time")
            where.append(f"utc_instant({time_field}) >= :since")
            params["since"] = instant
        base = f"FROM {table} WHERE {' AND '.join(where) or '1'}"
        total = self.conn.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        rows = self.conn.execute(f"SELECT doc {base} ORDER BY utc_instant({time_field}) DESC, id DESC "
                                 "LIMIT :limit OFFSET :offset", {**params, "limit": limit, "offset": offset}).fetchall()
        return total, [json.loads(doc) for doc, in rows]

    def close(self) -> None:
        self.conn.close()
