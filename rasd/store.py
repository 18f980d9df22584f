"""The embedded store: SQLite with FTS5 over the same search form Elasticsearch indexes.

Used by ``rasd run`` (no Kafka, no Elasticsearch) and by the API in embedded mode.
Documents are the very dicts :func:`rasd.search.report_document` builds for
Elasticsearch; writes are upserts by id, so a replay is idempotent here too.
"""

from __future__ import annotations

import json
import sqlite3
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
"""

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


@dataclass
class SearchPage:
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]


class SqliteStore:
    """Reports, signals and alerts in one SQLite file (or in memory)."""

    def __init__(self, path: str | Path = ":memory:"):
        self.conn = sqlite3.connect(str(path), check_same_thread=False)
        self.conn.executescript(_SCHEMA)

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

    def get_report(self, report_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM reports WHERE id = ?", (report_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, table: str) -> int:
        if table not in ("reports", "signals", "alerts"):
            raise ValueError(f"unknown table {table!r}")
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def list_docs(self, table: str, limit: int = 100) -> list[dict[str, Any]]:
        order = {"reports": "published_at", "signals": "window_end", "alerts": "created_at"}[table]
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
