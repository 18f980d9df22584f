"""The read endpoints over the SQLite file of ``rasd run`` (the embedded mode: no Kafka, no Elasticsearch).

The store (:class:`rasd.store.SqliteStore`) holds the very documents Elasticsearch indexes and
searches the same light-stemmed form with FTS5, so ``ادلب`` finds ``بإدلب`` here too; snippets,
facets and the date histogram take the same shape as over Elasticsearch. Parameters are checked
as strictly as for Elasticsearch (the same 422s), so a client cannot tell the backends apart by
what they accept.

The store's one connection is used by one request at a time, in a worker thread. ``rasd run``
may write to the file meanwhile: SQLite's locking keeps each read consistent.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from api.backends.base import BackendName
from api.exceptions import BackendUnavailable
from api.hits import shape_hit
from api.models import (DateBucket, FacetBucket, Facets, QueryInfo, ReportDocument, SearchResponse, SignalList,
                        SignalOut, SqliteHealth)
from api.queries import (FACET_SIZE, AlertParams, SearchParams, SignalParams, TextQuery, check_page, choose_interval,
                         parse_date_bound, prepare_text_query)
from api.subscription_models import AlertList, AlertOut
from rasd.errors import ConfigurationError
from rasd.store import ReportFilter, SearchPage, SqliteStore

T = TypeVar("T")

# facet of the response -> keyword field of the store
FACET_FIELDS = {"actors": "actor_ids", "governorates": "governorates", "event_types": "event_types",
                "sources": "sources"}
COUNTED_TABLES = ("reports", "signals", "alerts", "dead_letters")
REPORT_FIELDS_HIDDEN = ("text_search", "text_normalized")


def to_store_bound(value: str, *, upper: bool) -> str:
    """A ``since`` or ``until`` parameter as the store's inclusive bound, refused as for Elasticsearch.

    Args:
        value: e.g. ``"2018-08-20"`` or ``"2018-08-20T15:00:00+03:00"``.
        upper: True for ``until``: a bare date then includes its whole day.

    Returns:
        e.g. ``"2018-08-20"``, ``"2018-08-20T23:59:59.999999"`` (upper bare date) or
        ``"2018-08-20T12:00:00+00:00"``.

    Raises:
        QueryParameterError: not an ISO date or date-time (the message Elasticsearch's check gives).
    """
    bound = parse_date_bound(value, upper=upper)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return bound
    return f"{day.isoformat()}T23:59:59.999999" if upper else day.isoformat()


def build_report_filter(params: SearchParams, query: TextQuery | None) -> ReportFilter:
    """The store's filter for ``GET /search`` parameters.

    Arabic text is matched on the search form alone; Latin text also matches a report whose
    English actor or place name it equals (``idlib`` finds a report placed in Idlib), as over
    Elasticsearch.

    Raises:
        QueryParameterError: a date bound is not an ISO date.
    """
    filters = {"actor_ids": list(params.actors), "governorates": list(params.governorates),
               "event_types": list(params.event_types), "place_ids": [params.place] if params.place else []}
    return ReportFilter(
        q=query.original if query else None,
        names=" ".join(query.original.split()) if query and query.script == "latin" else None,
        filters={name: values for name, values in filters.items() if values},
        since=to_store_bound(params.since, upper=False) if params.since else None,
        until=to_store_bound(params.until, upper=True) if params.until else None,
        min_escalation=params.min_escalation,
    )


def instant_ms(instant: str | None) -> float | None:
    """Epoch milliseconds of a store instant (UTC, e.g. ``"2018-08-20T12:00:00.000000"``), None for None."""
    if instant is None:
        return None
    return datetime.fromisoformat(instant).replace(tzinfo=timezone.utc).timestamp() * 1000


class SqliteBackend:
    """One SQLite file written by ``rasd run``.

    Args:
        store: the open store; closed by :meth:`close`.
    """

    name: BackendName = "sqlite"

    def __init__(self, store: SqliteStore):
        self.store = store
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> "SqliteBackend":
        """The backend over an existing file.

        Raises:
            ConfigurationError: the file does not exist or is not a database of ``rasd run``.
        """
        file = Path(path)
        if not file.is_file():
            raise ConfigurationError(f"no embedded database at {file} (RASD_EMBEDDED_DB / --embedded-db): "
                                     f"make it with `rasd run --db {file}`")
        try:
            store = SqliteStore(file)
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot open the embedded database {file}: {exc}") from exc
        return cls(store)

    async def _call(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                try:
                    return work()
                except sqlite3.Error as exc:
                    raise BackendUnavailable(f"the embedded database cannot be read: {exc}") from exc
        return await run_in_threadpool(locked)

    async def search(self, params: SearchParams) -> SearchResponse:
        query = prepare_text_query(params.q) if params.q and params.q.strip() else None
        report_filter = build_report_filter(params, query)
        offset = check_page(params.page, params.size)

        def work() -> tuple[SearchPage, str, list[tuple[str, int]]]:
            interval = params.interval
            if interval == "auto":
                first, last = self.store.date_bounds(report_filter)
                interval = choose_interval(instant_ms(first), instant_ms(last))
            page = self.store.search_reports(report_filter, sort=params.sort, offset=offset, limit=params.size,
                                             facet_size=FACET_SIZE)
            return page, interval, self.store.date_histogram(report_filter, interval)

        page, interval, histogram = await self._call(work)
        facets = Facets(**{name: [FacetBucket(value=value, count=count) for value, count in page.facets[field]]
                           for name, field in FACET_FIELDS.items()},
                        published_at=[DateBucket(date=key, count=count) for key, count in histogram],
                        published_at_interval=interval)
        return SearchResponse(
            total=page.total, total_is_exact=True, page=params.page, size=params.size,
            query=QueryInfo(q=params.q, search_form=query.form if query else None,
                            script=query.script if query else None),
            hits=[shape_hit(doc, doc["id"], score, query) for doc, score in zip(page.hits, page.scores)],
            facets=facets,
        )

    async def get_report(self, report_id: str) -> ReportDocument | None:
        doc = await self._call(lambda: self.store.get_report(report_id))
        if doc is None:
            return None
        return ReportDocument.model_validate({k: v for k, v in doc.items() if k not in REPORT_FIELDS_HIDDEN})

    async def list_signals(self, params: SignalParams) -> SignalList:
        offset = check_page(params.page, params.size)
        since = to_store_bound(params.since, upper=False) if params.since else None
        total, docs = await self._call(lambda: self.store.find_docs(
            "signals", any_of={"key": params.keys, "level": params.levels}, since=since, offset=offset,
            limit=params.size))
        return SignalList(total=total, page=params.page, size=params.size,
                          signals=[SignalOut.model_validate(doc) for doc in docs])

    async def list_alerts(self, owner: str, params: AlertParams) -> AlertList:
        offset = check_page(params.page, params.size)
        since = to_store_bound(params.since, upper=False) if params.since else None
        any_of = {"owner": (owner,), "subscription_id": params.subscription_ids, "kind": params.kinds,
                  "severity": params.severities}
        total, docs = await self._call(lambda: self.store.find_docs("alerts", any_of=any_of, since=since,
                                                                    offset=offset, limit=params.size))
        return AlertList(total=total, page=params.page, size=params.size,
                         alerts=[AlertOut.model_validate(doc) for doc in docs])

    async def health(self) -> SqliteHealth:
        file = Path(self.store.path).name
        try:
            counts = await self._call(lambda: {table: self.store.count(table) for table in COUNTED_TABLES})
        except BackendUnavailable as exc:
            return SqliteHealth(reachable=False, file=file, error=str(exc))
        return SqliteHealth(reachable=True, file=file, counts=counts)

    def close(self) -> None:
        with self._lock:
            self.store.close()

