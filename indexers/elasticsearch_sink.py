"""Elasticsearch side of the indexers: templates, versioned indices behind aliases, bulk writes.

Writes are idempotent: every document has a deterministic ``_id`` (the report,
signal or alert id), so a replay after a crash overwrites rather than duplicates.
Transport failures (Elasticsearch down, timeouts, 5xx) raise :class:`IndexingError`
so the caller retries the whole batch without committing offsets; per-document
refusals (mapping errors, 4xx) are returned for the dead-letter topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError, TransportError
from elasticsearch import ApiError
from elasticsearch.helpers import async_streaming_bulk

from indexers.exceptions import IndexingError
from indexers.templates import index_template, versioned_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemFailure:
    """One document Elasticsearch refused for good (not a transient error)."""

    doc_id: str
    status: int
    reason: str


async def has_arabic_analyzer(client: AsyncElasticsearch) -> bool:
    """Whether the cluster has the ``arabic`` analyzer (analysis-common is installed)."""
    try:
        await client.indices.analyze(analyzer="arabic", text="الشام")
    except BadRequestError:
        return False
    return True


async def ensure_index(client: AsyncElasticsearch, kind: str, alias: str, *, arabic_analyzer: bool | None = None) -> str:
    """Install the index template and make ``alias`` point at a versioned index.

    Args:
        client: the Elasticsearch client.
        kind: ``reports``, ``signals`` or ``alerts``.
        alias: the alias name, e.g. ``rasd-reports``.
        arabic_analyzer: force the Arabic sub-field on or off; None detects it.

    Returns:
        The concrete index the alias writes to.
    """
    if arabic_analyzer is None:
        arabic_analyzer = await has_arabic_analyzer(client)
    body = index_template(kind, alias, arabic_analyzer=arabic_analyzer)
    try:
        await client.indices.put_index_template(name=alias, **body)
        if await client.indices.exists_alias(name=alias):
            current = await client.indices.get_alias(name=alias)
            return next(iter(current))
        index = versioned_index(alias)
        if not await client.indices.exists(index=index):
            await client.indices.create(index=index, aliases={alias: {"is_write_index": True}},
                                        wait_for_active_shards="1")
        else:
            await client.indices.put_alias(index=index, name=alias, is_write_index=True)
        await client.cluster.health(index=index, wait_for_status="yellow", timeout="30s")
        return index
    except BadRequestError as exc:
        if "resource_already_exists_exception" in str(exc):
            return versioned_index(alias)
        raise IndexingError(f"cannot create index for {alias}: {exc}") from exc
    except (TransportError, ApiError) as exc:
        raise IndexingError(f"cannot prepare index {alias}: {exc}") from exc


async def bulk_index(client: AsyncElasticsearch, alias: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> list[ItemFailure]:
    """Index documents by id; transient failures raise, permanent ones are returned.

    Args:
        client: the Elasticsearch client.
        alias: the write alias.
        docs: ``(doc_id, document)`` pairs.

    Returns:
        The documents refused for good (4xx other than 429).

    Raises:
        IndexingError: Elasticsearch unreachable, timing out, or answering 5xx/429 after retries.
    """
    actions = ({"_op_type": "index", "_index": alias, "_id": doc_id, "_source": doc} for doc_id, doc in docs)
    failures: list[ItemFailure] = []
    transient: list[str] = []
    try:
        async for ok, item in async_streaming_bulk(
            client, actions, chunk_size=500, max_retries=5, initial_backoff=1, max_backoff=16,
            raise_on_error=False, raise_on_exception=True, yield_ok=False,
        ):
            if ok:
                continue
            info = next(iter(item.values()))
            status = int(info.get("status", 0) or 0)
            reason = str(info.get("error", info))[:2000]
            if status == 429 or status >= 500 or status == 0:
                transient.append(f"{info.get('_id')}:{status}")
            else:
                failures.append(ItemFailure(str(info.get("_id")), status, reason))
    except (TransportError, ApiError, NotFoundError) as exc:
        raise IndexingError(f"bulk request to {alias} failed: {exc}") from exc
    if transient:
        raise IndexingError(f"{len(transient)} documents hit transient errors in {alias}: {transient[:5]}")
    return failures
