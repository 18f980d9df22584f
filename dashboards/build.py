"""Build ``rasd.ndjson``: the Kibana 8.19 saved objects of rasd, with stable ids.

The objects are declared here as Python data, and their ``references`` computed, so
the NDJSON (stringified JSON inside JSON) is never edited by hand. Regenerate it with::

    python -m dashboards.build            # writes dashboards/rasd.ndjson

Each object carries the ``typeMigrationVersion`` of the format it is written in;
Kibana migrates older formats on import, never newer ones, so these are the
versions of the structures used (data views 8.0.0, Lens 8.9.0, maps 8.1.0,
dashboards 8.7.0, saved searches 7.9.3 — their attributes have not changed shape).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Iterable

NDJSON_PATH = Path(__file__).with_name("rasd.ndjson")
NAMESPACE = "rasd"
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSIONS = {"index-pattern": "8.0.0", "search": "7.9.3", "lens": "8.9.0", "map": "8.1.0",
                           "dashboard": "8.7.0"}
PANEL_VERSION = "8.8.0"

# kind → (data view id, time field); the kinds are those of indexers/templates.py.
DATA_VIEWS = {
    "reports": ("rasd-data-view-reports", "published_at"),
    "signals": ("rasd-data-view-signals", "window_end"),
    "alerts": ("rasd-data-view-alerts", "created_at"),
}
HIDDEN_FIELDS = {"reports": ("analysis", "text_search", "text_normalized"), "signals": (), "alerts": ()}
FIELD_FORMATS = {
    "reports": {"escalation_score": {"id": "number", "params": {"pattern": "0.00"}}, "url": {"id": "url"}},
    "signals": {"score": {"id": "number", "params": {"pattern": "0.00"}}},
    "alerts": {},
}
LAYER = "layer-main"
KUERY_ALL = {"query": "", "language": "kuery"}


def saved_object(type_: str, id_: str, attributes: dict[str, Any], references: Iterable[dict[str, str]] = ()) -> dict[str, Any]:
    """One saved object in Kibana's export form."""
    return {"attributes": attributes, "coreMigrationVersion": CORE_MIGRATION_VERSION, "id": id_, "managed": False,
            "references": list(references), "type": type_, "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[type_]}


def reference(name: str, type_: str, id_: str) -> dict[str, str]:
    return {"id": id_, "name": name, "type": type_}


def data_view(kind: str) -> dict[str, Any]:
    """The data view over one alias (``rasd-reports`` …), allowed to exist before its index."""
    view_id, time_field = DATA_VIEWS[kind]
    return saved_object("index-pattern", view_id, {
        "title": f"{NAMESPACE}-{kind}",
        "name": f"rasd {kind}",
        "timeFieldName": time_field,
        "allowNoIndex": True,
        "fields": "[]",
        "fieldAttrs": "{}",
        "fieldFormatMap": json.dumps(FIELD_FORMATS[kind]),
        "runtimeFieldMap": "{}",
        "sourceFilters": json.dumps([{"value": name} for name in HIDDEN_FIELDS[kind]]),
        "typeMeta": "{}",
    })


def saved_search(id_: str, title: str, description: str, kind: str, kql: str, columns: list[str]) -> dict[str, Any]:
    """A Discover search over one data view, newest first."""
    view_id, time_field = DATA_VIEWS[kind]
    source = {"query": {"query": kql, "language": "kuery"}, "filter": [],
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return saved_object("search", id_, {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": [[time_field, "desc"]],
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source, ensure_ascii=False)},
    }, [reference("kibanaSavedObjectMeta.searchSourceJSON.index", "index-pattern", view_id)])


# --- Lens columns ------------------------------------------------------------------------------

def date_histogram_column(field: str) -> dict[str, Any]:
    return {"label": field, "dataType": "date", "operationType": "date_histogram", "sourceField": field,
            "isBucketed": True, "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False}}


def terms_column(field: str, label: str, size: int, order_by: str) -> dict[str, Any]:
    return {"label": label, "customLabel": True, "dataType": "string", "operationType": "terms",
            "sourceField": field, "isBucketed": True, "scale": "ordinal",
            "params": {"size": size, "orderBy": {"type": "column", "columnId": order_by}, "orderDirection": "desc",
                       "otherBucket": False, "missingBucket": False, "parentFormat": {"id": "terms"}}}


def metric_column(operation: str, label: str, field: str = "___records___", kql: str | None = None) -> dict[str, Any]:
    """``count`` (of records), ``average``, ``max`` … of a numeric field, optionally within a KQL filter."""
    column: dict[str, Any] = {"label": label, "customLabel": True, "dataType": "number", "operationType": operation,
                              "sourceField": field, "isBucketed": False, "scale": "ratio",
                              "params": {"emptyAsNull": True}}
    if kql:
        column["filter"] = {"query": kql, "language": "kuery"}
    return column


def lens(id_: str, title: str, description: str, kind: str, columns: dict[str, dict[str, Any]],
         visualization_type: str, visualization: dict[str, Any]) -> dict[str, Any]:
    """A Lens visualization with one form-based layer over one data view."""
    view_id = DATA_VIEWS[kind][0]
    state = {
        "datasourceStates": {"formBased": {"layers": {LAYER: {
            "columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}}},
        "visualization": visualization,
        "query": KUERY_ALL,
        "filters": [],
        "internalReferences": [],
        "adHocDataViews": {},
    }
    return saved_object("lens", id_, {"title": title, "description": description,
                                      "visualizationType": visualization_type, "state": state},
                        [reference(f"indexpattern-datasource-layer-{LAYER}", "index-pattern", view_id)])


def xy(series: str, x: str, y: str, split: str | None = None) -> dict[str, Any]:
    """An XY chart of one data layer."""
    layer: dict[str, Any] = {"layerId": LAYER, "layerType": "data", "seriesType": series, "xAccessor": x,
                             "accessors": [y]}
    if split:
        layer["splitAccessor"] = split
    return {"legend": {"isVisible": split is not None, "position": "right"}, "valueLabels": "hide",
            "preferredSeriesType": series, "fittingFunction": "None",
            "axisTitlesVisibilitySettings": {"x": False, "yLeft": True, "yRight": True},
            "layers": [layer]}


def stacked_over_time(id_: str, title: str, description: str, kind: str, split: tuple[str, str, int],
                      unit: str) -> dict[str, Any]:
    """Stacked bars of documents per interval of the data view's time field, split by a keyword field.

    Args:
        split: ``(field, label, number of top values)``.
        unit: what is counted, e.g. ``Reports``.
    """
    field, label, size = split
    columns = {"col-split": terms_column(field, label, size, "col-count"),
               "col-time": date_histogram_column(DATA_VIEWS[kind][1]),
               "col-count": metric_column("count", unit)}
    return lens(id_, title, description, kind, columns, "lnsXY", xy("bar_stacked", "col-time", "col-count", "col-split"))


def visualizations() -> list[dict[str, Any]]:
    """The Lens visualizations of the overview dashboard."""
    return [
        stacked_over_time("rasd-lens-events-over-time", "Events over time by type",
                          "Reports per interval, split by the event types the analysis found.", "reports",
                          ("event_types", "Event type", 12), "Reports"),
        lens("rasd-lens-top-actors", "Most reported actors",
             "Actors named in the most reports (canonical English names).", "reports",
             {"col-actor": terms_column("actor_names_en", "Actor", 15, "col-count"),
              "col-count": metric_column("count", "Reports")},
             "lnsXY", xy("bar_horizontal", "col-actor", "col-count")),
        lens("rasd-lens-escalation-by-governorate", "Escalation by governorate",
             "Mean report-level escalation score per governorate.", "reports",
             {"col-governorate": terms_column("governorates", "Governorate", 14, "col-score"),
              "col-score": metric_column("average", "Mean escalation score", "escalation_score")},
             "lnsXY", xy("bar_horizontal", "col-governorate", "col-score")),
        lens("rasd-lens-escalatory-reports", "Escalatory reports",
             "Reports the analysis flagged as escalatory in the time range.", "reports",
             {"col-count": metric_column("count", "Escalatory reports", kql="escalatory : true")},
             "lnsMetric", {"layerId": LAYER, "layerType": "data", "metricAccessor": "col-count"}),
        stacked_over_time("rasd-lens-signals-by-level", "Escalation signals by level",
                          "Signals per window end, split by level.", "signals", ("level", "Level", 3), "Signals"),
    ]


# --- Map -------------------------------------------------------------------------------------

def _documents_layer(layer_id: str, label: str, kind: str, position: int, geo_field: str, tooltip: list[str],
                     fill: dict[str, Any], *, tiled: bool) -> dict[str, Any]:
    return {
        "id": layer_id, "label": label, "type": "MVT_VECTOR" if tiled else "GEOJSON_VECTOR",
        "minZoom": 0, "maxZoom": 24, "alpha": 0.85, "visible": True, "includeInFitToBounds": True,
        "sourceDescriptor": {
            "type": "ES_SEARCH", "id": f"{layer_id}-source", "geoField": geo_field,
            "scalingType": "MVT" if tiled else "LIMIT", "filterByMapBounds": True,
            "applyGlobalQuery": True, "applyGlobalTime": True, "applyForceRefresh": True,
            "tooltipProperties": tooltip, "sortField": DATA_VIEWS[kind][1], "sortOrder": "desc",
            "topHitsSplitField": "", "topHitsSize": 1,
            "indexPatternRefName": f"layer_{position}_source_index_pattern",
        },
        "style": {"type": "VECTOR", "isTimeAware": True, "properties": {
            "fillColor": fill,
            "lineColor": {"type": "STATIC", "options": {"color": "#FFFFFF"}},
            "lineWidth": {"type": "STATIC", "options": {"size": 1}},
            "iconSize": {"type": "STATIC", "options": {"size": 6 if tiled else 10}},
            "symbolizeAs": {"options": {"value": "circle"}},
            "icon": {"type": "STATIC", "options": {"value": "marker"}},
        }},
    }


def report_map() -> dict[str, Any]:
    """A map of report places (coloured by escalation score) and signal centroids (by level)."""
    layers = [
        {"id": "basemap", "label": None, "type": "EMS_VECTOR_TILE", "minZoom": 0, "maxZoom": 24, "alpha": 1,
         "visible": True, "sourceDescriptor": {"type": "EMS_TMS", "isAutoSelect": True,
                                               "lightModeDefault": "road_map_desaturated"},
         "style": {"type": "EMS_VECTOR_TILE", "color": ""}},
        _documents_layer("reports", "Reports", "reports", 1, "locations",
                         ["title", "source", "published_at", "governorates", "event_types", "escalation_score"],
                         {"type": "DYNAMIC", "options": {"field": {"name": "escalation_score", "origin": "source"},
                                                         "color": "Yellow to Red", "type": "ORDINAL",
                                                         "fieldMetaOptions": {"isEnabled": False, "sigma": 3},
                                                         "useCustomColorRamp": False}},
                         tiled=True),
        _documents_layer("signals", "Escalation signals", "signals", 2, "location",
                         ["key", "level", "score", "window_end", "reasons"],
                         {"type": "DYNAMIC", "options": {"field": {"name": "level", "origin": "source"},
                                                         "type": "CATEGORICAL", "colorCategory": "palette_0"}},
                         tiled=False),
    ]
    map_state = {"zoom": 6.2, "center": {"lon": 38.3, "lat": 35.0},
                 "timeFilters": {"from": "now-30d", "to": "now"},
                 "refreshConfig": {"isPaused": True, "interval": 0}, "query": KUERY_ALL, "filters": [],
                 "settings": {"autoFitToDataBounds": False, "initialLocation": "LAST_SAVED_LOCATION"}}
    references = [reference(layer["sourceDescriptor"]["indexPatternRefName"], "index-pattern",
                            DATA_VIEWS[layer["id"]][0])
                  for layer in layers if "indexPatternRefName" in layer["sourceDescriptor"]]
    return saved_object("map", "rasd-map-report-locations", {
        "title": "Report places and escalation signals",
        "description": "Places named in reports (colour: escalation score) and centroids of escalation signals.",
        "layerListJSON": json.dumps(layers, ensure_ascii=False),
        "mapStateJSON": json.dumps(map_state),
        "uiStateJSON": json.dumps({"isLayerTOCOpen": True, "openTOCDetails": []}),
    }, references)


# --- Dashboard -------------------------------------------------------------------------------

def saved_searches() -> list[dict[str, Any]]:
    report_columns = ["title", "source", "governorates", "event_types", "actor_names_en", "escalation_score"]
    return [
        saved_search("rasd-search-escalatory-reports", "Escalatory reports",
                     "Reports the analysis flagged as escalatory, newest first.", "reports",
                     "escalatory : true", report_columns),
        saved_search("rasd-search-hts-reports", "Reports naming Hay'at Tahrir al-Sham",
                     "Reports in which HTS (هيئة تحرير الشام, and its former names) was recognised.", "reports",
                     'actor_ids : "hts"', report_columns),
        saved_search("rasd-search-alerts", "Alerts", "Alerts sent to subscribers, newest first.", "alerts",
                     "", ["severity", "title", "kind", "governorates", "event_types", "subscription_id"]),
    ]


def dashboard(panels: list[tuple[dict[str, Any], tuple[int, int, int, int]]]) -> dict[str, Any]:
    """The overview dashboard; each panel refers to a saved object by reference."""
    entries, references = [], []
    for number, (target, (x, y, w, h)) in enumerate(panels, start=1):
        index = f"p{number}"
        entries.append({"version": PANEL_VERSION, "type": target["type"],
                        "gridData": {"x": x, "y": y, "w": w, "h": h, "i": index}, "panelIndex": index,
                        "embeddableConfig": {"enhancements": {}}, "panelRefName": f"panel_{index}"})
        references.append(reference(f"{index}:panel_{index}", target["type"], target["id"]))
    return saved_object("dashboard", "rasd-dashboard-overview", {
        "title": "rasd — Syria conflict reporting (رصد)",
        "description": "Events, actors, escalation by governorate, places and signals from the analysed reports.",
        "panelsJSON": json.dumps(entries),
        "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "syncCursor": True,
                                   "syncTooltips": False, "hidePanelTitles": False}),
        "timeRestore": True, "timeFrom": "now-30d", "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 60000},
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": KUERY_ALL, "filter": []})},
    }, references)


def build_saved_objects() -> list[dict[str, Any]]:
    """Every saved object, dependencies first: data views, searches, Lens, map, dashboard."""
    views = [data_view(kind) for kind in DATA_VIEWS]
    searches = saved_searches()
    lenses = {obj["id"]: obj for obj in visualizations()}
    places = report_map()
    board = dashboard([
        (lenses["rasd-lens-events-over-time"], (0, 0, 32, 15)),
        (lenses["rasd-lens-escalatory-reports"], (32, 0, 16, 15)),
        (lenses["rasd-lens-escalation-by-governorate"], (0, 15, 24, 15)),
        (lenses["rasd-lens-top-actors"], (24, 15, 24, 15)),
        (places, (0, 30, 32, 20)),
        (lenses["rasd-lens-signals-by-level"], (32, 30, 16, 20)),
        (searches[0], (0, 50, 48, 15)),
        (searches[1], (0, 65, 24, 15)),
        (searches[2], (24, 65, 24, 15)),
    ])
    return [*views, *searches, *lenses.values(), places, board]


def to_ndjson(objects: Iterable[dict[str, Any]]) -> str:
    """One compact JSON object per line, keys sorted (stable diffs)."""
    return "".join(json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for obj in objects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=NDJSON_PATH, help="where to write the NDJSON")
    args = parser.parse_args(argv)
    args.output.write_text(to_ndjson(build_saved_objects()), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
