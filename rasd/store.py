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
import sqlite3
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
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
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]


class SqliteStore:
    """Reports, signals, alerts, dead letters and the stages' state in one SQLite file (or in memory)."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
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
        """Full-text and filtered search, with facets over the matching set."""
        where, params = ["1 = 1"], []
        joins = ""
        order = "r.published_at DESC"
        match = fts_query(q) if q else None
        if match:
            joins = "JOIN reports_fts f ON f.id = r.id AND reports_fts MATCH ?"
            params.append(match)
            if sort == "relevance":
                order = "bm25(reports_fts)"
        for field, values in (filters or {}).items():
            if field not in FILTER_FIELDS:
                raise ValueError(f"cannot filter on {field!r}")
            if values:
                marks = ",".join("?" * len(values))
                where.append(f"r.id IN (SELECT report_id FROM report_terms WHERE field = ? AND value IN ({marks}))")
                params.extend([field, *values])
        if since:
            where.append("r.published_at >= ?")
            params.append(since)
        if until:
            where.append("r.published_at <= ?")
            params.append(until)
        if min_escalation is not None:
            where.append("r.escalation_score >= ?")
            params.append(min_escalation)
        base = f"FROM reports r {joins} WHERE {' AND '.join(where)}"
        total = self.conn.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        rows = self.conn.execute(f"SELECT r.doc {base} ORDER BY {order} LIMIT ? OFFSET ?",
                                 [*params, limit, offset]).fetchall()
        facets: dict[str, list[tuple[str, int]]] = {}
        for field in FILTER_FIELDS:
            facet_rows = self.conn.execute(
                f"SELECT t.value, count(*) FROM report_terms t WHERE t.field = ? AND t.report_id IN "
                f"(SELECT r.id {base}) GROUP BY t.value ORDER BY count(*) DESC, t.value LIMIT 20",
                [field, *params],
            ).fetchall()
            facets[field] = [(v, c) for v, c in facet_rows]
        return SearchPage(total, [json.loads(r[0]) for r in rows], facets)

    def close(self) -> None:
        self.conn.close()
