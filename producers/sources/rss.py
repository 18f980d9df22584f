"""RSS/Atom feeds, polled politely: conditional GET (ETag / Last-Modified) and per-feed state across restarts."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import feedparser

from producers.publisher import RawItem
from producers.sources.html_text import html_to_text
from rasd.validate import derive_report_id

log = logging.getLogger(__name__)
MAX_REMEMBERED_GUIDS = 2000


@dataclass
class FeedState:
    """What we remember of one feed between polls and restarts."""

    etag: str | None = None
    modified: str | None = None
    last_polled: float = 0.0
    last_status: int | None = None
    last_error: str | None = None
    failures: int = 0
    seen: list[str] = field(default_factory=list)


class FeedStateStore:
    """Per-feed state in one JSON file, written atomically after every poll."""

    def __init__(self, path: Path):
        self.path = path
        self.states: dict[str, FeedState] = {}
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.states = {url: FeedState(**state) for url, state in raw.items()}

    def get(self, url: str) -> FeedState:
        return self.states.setdefault(url, FeedState())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({u: asdict(s) for u, s in self.states.items()}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def _entry_time(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()


def _entry_text(entry) -> str:
    contents = entry.get("content") or []
    body = max((c.get("value", "") for c in contents), key=len, default="") or entry.get("summary", "")
    return html_to_text(body)


@dataclass
class RssFeedSource:
    """One feed. ``poll()`` returns the entries not seen before (none when the server answers 304)."""

    url: str
    state: FeedState
    min_interval_s: float = 300.0

    def due(self, now: float) -> bool:
        backoff = min(self.min_interval_s * (2 ** self.state.failures), 6 * 3600)
        return now - self.state.last_polled >= backoff

    def poll(self, now: float | None = None) -> list[RawItem]:
        self.state.last_polled = time.time() if now is None else now
        parsed = feedparser.parse(self.url, etag=self.state.etag, modified=self.state.modified,
                                  agent="rasd/0.1 (+conflict-monitoring; polite polling)")
        status = parsed.get("status")
        self.state.last_status = status
        http_error = status is not None and status >= 400
        if http_error or (parsed.get("bozo") and not parsed.entries and status != 304):
            self.state.failures += 1
            self.state.last_error = (f"HTTP {status}" if http_error
                                     else str(parsed.get("bozo_exception", "unreadable feed"))[:500])
            log.warning("feed failed url=%s failures=%d error=%s", self.url, self.state.failures, self.state.last_error)
            return []
        self.state.failures = 0
        self.state.last_error = None
        self.state.etag = parsed.get("etag") or self.state.etag
        self.state.modified = parsed.get("modified") or self.state.modified
        if status == 304:
            return []
        source = parsed.feed.get("title") or self.url
        seen = set(self.state.seen)
        items = []
        for entry in parsed.entries:
            guid = entry.get("id") or entry.get("link") or entry.get("title") or ""
            if not guid or guid in seen:
                continue
            seen.add(guid)
            self.state.seen.append(guid)
            data = {
                "id": derive_report_id(source, guid),
                "text": _entry_text(entry) or entry.get("title", ""),
                "title": entry.get("title"),
                "url": entry.get("link"),
                "published_at": _entry_time(entry),
                "source": source,
            }
            items.append(RawItem(origin=f"rss:{self.url}", data=data))
        del self.state.seen[:-MAX_REMEMBERED_GUIDS]
        return items


@dataclass
class RssPoller:
    """Polls several feeds; a feed that fails is backed off and does not stop the others."""

    urls: list[str]
    store: FeedStateStore
    min_interval_s: float = 300.0

    def feeds(self) -> list[RssFeedSource]:
        return [RssFeedSource(url, self.store.get(url), self.min_interval_s) for url in self.urls]

    def poll_due(self, now: float | None = None) -> Iterator[RawItem]:
        now = time.time() if now is None else now
        for feed in self.feeds():
            if not feed.due(now):
                continue
            try:
                yield from feed.poll(now)
            except (OSError, ValueError) as exc:  # network or parser trouble in one feed only
                feed.state.failures += 1
                feed.state.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("feed failed url=%s error=%s", feed.url, feed.state.last_error)
            finally:
                self.store.save()
