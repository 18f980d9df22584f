"""Pydantic models of the API's requests and responses (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReportIn(BaseModel):
    """One report to ingest (validated by the producers' rules, not by this model)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "sohr-2018-08-idlib-negotiations", "text": "مفاوضات مستمرة ... في محافظة إدلب",
        "published_at": "2018-08-20T12:00:00+00:00", "source": "SOHR", "title": "مفاوضات مستمرة",
    }]})

    id: str | None = Field(None, max_length=512, description="Stable id; derived from source + url/text when absent.")
    text: str = Field(description="The report body, Arabic as written (at most 1 MB).")
    published_at: str | None = Field(None, description="ISO-8601 timestamp.")
    source: str | None = None
    url: str | None = None
    title: str | None = None


class ReportBatchIn(BaseModel):
    """Several reports in one request (at most 10 MB in all)."""

    reports: list[ReportIn] = Field(min_length=1)


class RefusedReport(BaseModel):
    index: int = Field(description="Position of the report in the request (0 for a single report).")
    code: str = Field(description="Machine-readable reason, e.g. missing_text, too_large.")
    message: str


class IngestResponse(BaseModel):
    """What happened to each report of a ``POST /reports``."""

    accepted: list[str] = Field(description="Ids of the reports sent to the reports topic.")
    refused: list[RefusedReport] = Field(description="Reports refused (also sent to the dead-letter topic).")
    warnings: list[str] = []


class IngestRefused(IngestResponse):
    detail: str


class ErrorResponse(BaseModel):
    detail: Any = Field(description="What went wrong.")


class ElasticsearchHealth(BaseModel):
    reachable: bool
    version: str | None = None
    cluster_name: str | None = None
    cluster_status: str | None = Field(None, description="green, yellow or red.")
    indices: dict[str, bool] = Field({}, description="Whether each alias exists.")
    error: str | None = None


class SqliteHealth(BaseModel):
    """The SQLite file of ``rasd run`` that the API reads in the embedded mode."""

    reachable: bool
    file: str = Field(description="The file's name (not its folder).")
    counts: dict[str, int] = Field({}, description="Rows of reports, signals, alerts and dead_letters.")
    error: str | None = None


class Health(BaseModel):
    status: str = Field(description="ok, or degraded when the backend (Elasticsearch or SQLite) cannot be read.")
    version: str = Field(description="Version of rasd.")
    namespace: str
    backend: str = Field("elasticsearch", description=(
        "elasticsearch, or sqlite in the embedded mode (`rasd api --embedded-db`: read-only, no Kafka)."))
    elasticsearch: ElasticsearchHealth | None = Field(None, description="Absent in the embedded mode.")
    sqlite: SqliteHealth | None = Field(None, description="Only in the embedded mode.")


class Location(BaseModel):
    lat: float
    lon: float


class ReportSummary(BaseModel):
    """The fields of an indexed report that searches show and filter on."""

    model_config = ConfigDict(extra="ignore")

    id: str
    title: str | None = None
    source: str | None = None
    sources: list[str] = []
    url: str | None = None
    published_at: str | None = None
    actor_ids: list[str] = []
    actor_names_en: list[str] = []
    place_ids: list[str] = []
    place_names_en: list[str] = []
    governorates: list[str] = []
    event_types: list[str] = []
    killed: int | None = None
    injured: int | None = None
    escalation_score: float | None = None
    escalatory: bool | None = None


class ReportDocument(ReportSummary):
    """A report as indexed: the original, the analysis, and the fields searches filter on."""

    schema_version: int | None = None
    text: str = ""
    analyzed_at: str | None = None
    story_id: str | None = None
    duplicate_of: str | None = None
    language: str | None = None
    actor_names_ar: list[str] = []
    actor_kinds: list[str] = []
    place_names_ar: list[str] = []
    pcodes: list[str] = []
    locations: list[Location] = []
    escalation_signals: list[str] = []
    analysis: dict[str, Any] | None = Field(None, description="The full analysis (entities, places, events …).")


class SnippetOut(BaseModel):
    text: str
    highlights: list[tuple[int, int]] = Field(description="(start, end) of each match in `text`.")
    html: str = Field(description="`text` HTML-escaped, matches wrapped in <mark>.")


class SearchHit(ReportSummary):
    score: float | None = None
    title_highlights: list[tuple[int, int]] = Field([], description="(start, end) of each match in `title`.")
    snippets: list[SnippetOut] = []


class FacetBucket(BaseModel):
    value: str
    count: int


class DateBucket(BaseModel):
    date: str
    count: int


class Facets(BaseModel):
    actors: list[FacetBucket] = []
    governorates: list[FacetBucket] = []
    event_types: list[FacetBucket] = []
    sources: list[FacetBucket] = []
    published_at: list[DateBucket] = []
    published_at_interval: str | None = Field(None, description="Calendar interval of the date buckets: hour, day, week, month or year.")


class QueryInfo(BaseModel):
    q: str | None
    search_form: str | None = Field(description="The normalised, light-stemmed form searched in `text_search`.")
    script: str | None = Field(description="arabic or latin: which fields were searched.")


class SearchResponse(BaseModel):
    total: int
    total_is_exact: bool = True
    page: int
    size: int
    query: QueryInfo
    hits: list[SearchHit]
    facets: Facets


class SignalOut(BaseModel):
    """An escalation signal as indexed (:class:`rasd.schema.EscalationSignal`)."""

    model_config = ConfigDict(extra="allow")

    id: str
    schema_version: int | None = None
    key: str | None = Field(None, description='A governorate ("Idlib") or two actor ids joined by "|".')
    key_type: str | None = Field(None, description="governorate or actor_pair.")
    window_start: str | None = None
    window_end: str | None = None
    observed: float | None = None
    expected: float | None = None
    score: float | None = None
    level: str | None = Field(None, description="low, medium or high.")
    reasons: list[str] = []
    rules: list[str] = []
    report_ids: list[str] = []
    emitted_at: str | None = None
    governorate: str | None = None
    actor_ids: list[str] = []
    governorates: list[str] = []
    event_types: list[str] = []
    location: Location | None = None


class SignalList(BaseModel):
    total: int
    page: int
    size: int
    signals: list[SignalOut]
