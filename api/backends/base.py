"""What the read endpoints need from the place reports, signals and alerts are kept.

:class:`SearchBackend` is answered by Elasticsearch (:mod:`api.backends.elasticsearch`, the
streaming deployment) and by the SQLite file of ``rasd run`` (:mod:`api.backends.sqlite`, the
embedded mode), with the same response models.
"""

from __future__ import annotations

from typing import Literal, Protocol

from api.models import ElasticsearchHealth, ReportDocument, SearchResponse, SignalList, SqliteHealth
from api.queries import AlertParams, SearchParams, SignalParams
from api.subscription_models import AlertList

BackendName = Literal["elasticsearch", "sqlite"]


class SearchBackend(Protocol):
    """The read side of the API.

    Every method raises :class:`api.queries.QueryParameterError` for a parameter the backend cannot
    take (a bad date, a page beyond the result window), answered 422.
    """

    name: BackendName

    async def search(self, params: SearchParams) -> SearchResponse:
        """The reports matching ``params``: one page of hits with snippets, and facets of them all."""
        ...

    async def get_report(self, report_id: str) -> ReportDocument | None:
        """One report by id, or None."""
        ...

    async def list_signals(self, params: SignalParams) -> SignalList:
        """Escalation signals, newest window first."""
        ...

    async def list_alerts(self, owner: str, params: AlertParams) -> AlertList:
        """The alerts of one owner, newest first."""
        ...

    async def health(self) -> ElasticsearchHealth | SqliteHealth:
        """Whether the backend answers (never raises for an unreachable backend)."""
        ...
