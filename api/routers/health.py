"""``GET /health``: is the API up, and can it reach Elasticsearch?

Elasticsearch is probed with ``_cluster/health`` and ``_nodes`` (the bare test node
answers no ``GET /``). The answer is 200 even when Elasticsearch is down (``status: degraded``): the API
process itself is healthy and restarting it would not help.
"""

from __future__ import annotations

from elasticsearch import ApiError, TransportError
from fastapi import APIRouter

import rasd
from api.dependencies import ElasticsearchDep, SettingsDep
from api.models import ElasticsearchHealth, Health

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 2.0


@router.get("/health", response_model=Health, summary="Health of the API and its Elasticsearch")
async def health(settings: SettingsDep, client: ElasticsearchDep) -> Health:
    probe = client.options(request_timeout=PROBE_TIMEOUT_S, max_retries=0)
    try:
        cluster = await probe.cluster.health()
        nodes = await probe.nodes.info(node_id="_local", filter_path="nodes.*.version")
        indices = {alias: bool(await probe.indices.exists_alias(name=alias)) for alias in settings.indices.all()}
    except (ApiError, TransportError) as exc:
        es = ElasticsearchHealth(reachable=False, error=f"{type(exc).__name__}: {exc}")
    else:
        versions = sorted({node["version"] for node in nodes.body.get("nodes", {}).values()})
        es = ElasticsearchHealth(reachable=True, version=", ".join(versions) or None, cluster_name=cluster["cluster_name"],
                                 cluster_status=cluster["status"], indices=indices)
    return Health(status="ok" if es.reachable else "degraded", version=rasd.__version__,
                  namespace=settings.namespace, elasticsearch=es)
