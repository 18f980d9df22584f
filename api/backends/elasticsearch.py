"""The read endpoints over Elasticsearch: the request bodies of :mod:`api.queries`, answers shaped for the API.

Elasticsearch's own errors are not caught here: the application answers an unreachable cluster
with 503 and a refusal with 502 (:mod:`api.app`); a missing document is None.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError, TransportError

from api.backends.base import BackendName
from api.hits import shape_hit
from api.models import (DateBucket, ElasticsearchHealth, FacetBucket, Facets, QueryInfo, ReportDocument,
                        SearchResponse, SignalList, SignalOut)
from api.queries import (AlertParams, SearchParams, SignalParams, TextQuery, build_alerts_body, build_bounds_body,
                         build_search_body, build_signals_body, choose_interval, prepare_text_query)
from api.subscription_models import AlertList, AlertOut
from rasd.settings import Indices

PROBE_TIMEOUT_S = 2.0
TERMS_FACETS = ("actors", "governorates", "event_types", "sources")
REPORT_SOURCE_EXCLUDES = ("text_search", "text_normalized")


def shape_facets(aggregations: dict[str, Any], interval: str | None = None) -> Facets:
    """Facets from the aggregations (all empty when the index does not exist yet)."""
    values: dict[str, Any] = {
        name: [FacetBucket(value=str(b["key"]), count=b["doc_count"])
               for b in aggregations.get(name, {}).get("buckets", [])]
        for name in TERMS_FACETS
    }
    dates = aggregations.get("published_at", {})
    values["published_at"] = [DateBucket(date=b.get("key_as_string", str(b["key"])), count=b["doc_count"])
                              for b in dates.get("buckets", [])]
    values["published_at_interval"] = interval
    return Facets(**values)


def shape_search_response(raw: dict[str, Any], params: SearchParams, query: TextQuery | None,
                          interval: str | None = None) -> SearchResponse:
    """The API answer from an Elasticsearch search response."""
    hits = raw.get("hits", {})
    total = hits.get("total", {"value": 0, "relation": "eq"})
    return SearchResponse(
        total=total["value"], total_is_exact=total.get("relation", "eq") == "eq",
        page=params.page, size=params.size,
        query=QueryInfo(q=params.q, search_form=query.form if query else None, script=query.script if query else None),
        hits=[shape_hit(h.get("_source") or {}, h["_id"], h.get("_score"), query) for h in hits.get("hits", [])],
        facets=shape_facets(raw.get("aggregations") or {}, interval),
    )


class ElasticsearchBackend:
    """The reports, signals and alerts aliases of one namespace.

    Args:
        client: the application's client (closed by its lifespan, not here).
        indices: the namespace's aliases.
    """

    name: BackendName = "elasticsearch"

    def __init__(self, client: AsyncElasticsearch, indices: Indices):
        self.client = client
        self.indices = indices

    async def search(self, params: SearchParams) -> SearchResponse:
        query = prepare_text_query(params.q) if params.q and params.q.strip() else None
        index = {"index": self.indices.reports, "ignore_unavailable": True, "allow_no_indices": True}
        resolved = params.interval
        if resolved == "auto":
            bounds = (await self.client.search(**index, **build_bounds_body(params, query))).body.get("aggregations") or {}
            resolved = choose_interval((bounds.get("first") or {}).get("value"), (bounds.get("last") or {}).get("value"))
        body = build_search_body(params, query, interval=resolved)
        raw = await self.client.search(**index, **body)
        return shape_search_response(raw.body, params, query, resolved)

    async def get_report(self, report_id: str) -> ReportDocument | None:
        try:
            found = await self.client.get(index=self.indices.reports, id=report_id,
                                          source_excludes=list(REPORT_SOURCE_EXCLUDES))
        except NotFoundError:
            return None
        return ReportDocument.model_validate({**found["_source"], "id": found["_id"]})

    async def list_signals(self, params: SignalParams) -> SignalList:
        body = build_signals_body(params)
        raw = await self.client.search(index=self.indices.signals, ignore_unavailable=True, allow_no_indices=True,
                                       **body)
        hits = raw.body.get("hits", {})
        signals = [SignalOut.model_validate({**h["_source"], "id": h["_id"]}) for h in hits.get("hits", [])]
        return SignalList(total=hits.get("total", {}).get("value", 0), page=params.page, size=params.size,
                          signals=signals)

    async def list_alerts(self, owner: str, params: AlertParams) -> AlertList:
        body = build_alerts_body(owner, subscription_ids=params.subscription_ids, kinds=params.kinds,
                                 severities=params.severities, since=params.since, page=params.page, size=params.size)
        raw = await self.client.search(index=self.indices.alerts, ignore_unavailable=True, allow_no_indices=True,
                                       **body)
        hits = raw.body.get("hits", {})
        alerts = [AlertOut.model_validate({**h["_source"], "id": h["_id"]}) for h in hits.get("hits", [])]
        return AlertList(total=hits.get("total", {}).get("value", 0), page=params.page, size=params.size,
                         alerts=alerts)

    async def health(self) -> ElasticsearchHealth:
        """Probed with ``_cluster/health`` and ``_nodes`` (the bare test node answers no ``GET /``)."""
        probe = self.client.options(request_timeout=PROBE_TIMEOUT_S, max_retries=0)
        try:
            cluster = await probe.cluster.health()
            nodes = await probe.nodes.info(node_id="_local", filter_path="nodes.*.version")
            indices = {alias: bool(await probe.indices.exists_alias(name=alias)) for alias in self.indices.all()}
        except (ApiError, TransportError) as exc:
            return ElasticsearchHealth(reachable=False, error=f"{type(exc).__name__}: {exc}")
        versions = sorted({node["version"] for node in nodes.body.get("nodes", {}).values()})
        return ElasticsearchHealth(reachable=True, version=", ".join(versions) or None,
                                   cluster_name=cluster["cluster_name"], cluster_status=cluster["status"],
                                   indices=indices)
