"""rasd.ndjson: Kibana cannot run here, so its objects are checked against themselves and the mappings."""

import copy
import json

import pytest

from dashboards.build import DATA_VIEWS, NDJSON_PATH, TYPE_MIGRATION_VERSIONS, build_saved_objects, to_ndjson
from dashboards.checks import (field_problems, field_uses, internal_reference_names, kql_fields, load_saved_objects,
                               mapping_fields, reference_problems)
from indexers.templates import PROPERTIES
from rasd.resources import load_json


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return load_saved_objects(NDJSON_PATH)


def _by_id(objects) -> dict[str, dict]:
    return {obj["id"]: obj for obj in objects}


def _mapping_types(kind: str) -> dict[str, str]:
    def walk(properties, prefix=""):
        for name, spec in properties.items():
            yield prefix + name, spec.get("type", "object")
            yield from walk(spec.get("properties", {}), f"{prefix}{name}.")
    return dict(walk(PROPERTIES[kind]))


def test_the_file_is_what_the_builder_writes(objects):
    assert NDJSON_PATH.read_text(encoding="utf-8") == to_ndjson(build_saved_objects()), \
        "rasd.ndjson is stale: run `python -m dashboards.build`"


def test_every_line_is_a_kibana_saved_object_with_a_stable_id(objects):
    ids = [obj["id"] for obj in objects]
    assert len(ids) == len(set(ids)) and all(i.startswith("rasd-") for i in ids)
    for obj in objects:
        assert obj["typeMigrationVersion"] == TYPE_MIGRATION_VERSIONS[obj["type"]]
        assert obj["coreMigrationVersion"] == "8.8.0" and obj["attributes"]["title"]
    assert {obj["type"] for obj in objects} == {"index-pattern", "search", "lens", "map", "dashboard"}


def test_data_views_cover_the_three_aliases_with_their_time_fields(objects):
    views = {o["attributes"]["title"]: o["attributes"]["timeFieldName"] for o in objects if o["type"] == "index-pattern"}
    assert views == {"rasd-reports": "published_at", "rasd-signals": "window_end", "rasd-alerts": "created_at"}
    for kind, (_, time_field) in DATA_VIEWS.items():
        assert _mapping_types(kind)[time_field] == "date"


def test_every_reference_resolves_to_an_object_of_the_file(objects):
    assert reference_problems(objects) == []


def test_every_internal_name_has_its_reference(objects):
    for obj in objects:
        names = {ref["name"] for ref in obj["references"]}
        assert set(internal_reference_names(obj)) <= names, obj["id"]
    dashboard = _by_id(objects)["rasd-dashboard-overview"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    assert len(panels) == len(dashboard["references"]) == 9


def test_the_dashboard_shows_every_visualization_map_and_search(objects):
    dashboard = _by_id(objects)["rasd-dashboard-overview"]
    shown = {(ref["type"], ref["id"]) for ref in dashboard["references"]}
    expected = {(o["type"], o["id"]) for o in objects if o["type"] in ("lens", "map", "search")}
    assert shown == expected


def test_panels_do_not_overlap_on_the_48_column_grid(objects):
    panels = json.loads(_by_id(objects)["rasd-dashboard-overview"]["attributes"]["panelsJSON"])
    cells = set()
    for panel in panels:
        grid = panel["gridData"]
        assert grid["x"] + grid["w"] <= 48 and grid["i"] == panel["panelIndex"]
        area = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & area, panel["panelIndex"]
        cells |= area


def test_a_broken_reference_is_detected(objects):
    broken = copy.deepcopy(objects)
    dashboard = _by_id(broken)["rasd-dashboard-overview"]
    dashboard["references"][0]["id"] = "rasd-lens-gone"
    dashboard["references"][1]["name"] = "p9:panel_p9"
    problems = reference_problems(broken)
    assert any("rasd-lens-gone" in p for p in problems)
    assert any("p2:panel_p2" in p for p in problems)


def test_every_field_used_exists_in_the_mapping_of_its_index(objects):
    assert field_problems(objects) == []
    used = {name for obj in objects for _, name in field_uses(obj)}
    assert {"event_types", "actor_names_en", "governorates", "escalation_score", "locations", "escalatory",
            "actor_ids", "published_at", "level", "window_end", "created_at"} <= used


def test_an_unknown_field_is_detected(objects):
    broken = copy.deepcopy(objects)
    lens = _by_id(broken)["rasd-lens-top-actors"]
    lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer-main"]["columns"]["col-actor"][
        "sourceField"] = "actor_names_en.keyword"
    search = _by_id(broken)["rasd-search-escalatory-reports"]
    meta = search["attributes"]["kibanaSavedObjectMeta"]
    meta["searchSourceJSON"] = meta["searchSourceJSON"].replace("escalatory : true", "is_escalatory : true")
    problems = field_problems(broken)
    assert any("actor_names_en.keyword" in p for p in problems) and any("is_escalatory" in p for p in problems)


def test_fields_have_the_types_their_use_needs(objects):
    views = {obj["id"]: obj["attributes"]["title"].removeprefix("rasd-") for obj in objects if obj["type"] == "index-pattern"}
    numeric = {"float", "integer", "long", "double"}
    for obj in (o for o in objects if o["type"] == "lens"):
        view = obj["references"][0]["id"]
        types = _mapping_types(views[view])
        for column in obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer-main"]["columns"].values():
            operation, field = column["operationType"], column["sourceField"]
            if operation == "terms":
                assert types[field] == "keyword", (obj["id"], field)
            elif operation == "date_histogram":
                assert types[field] == "date", (obj["id"], field)
            elif operation != "count":
                assert types[field] in numeric, (obj["id"], field)
    layers = json.loads(_by_id(objects)["rasd-map-report-locations"]["attributes"]["layerListJSON"])
    refs = {r["name"]: r["id"] for r in _by_id(objects)["rasd-map-report-locations"]["references"]}
    for layer in layers[1:]:
        source = layer["sourceDescriptor"]
        assert _mapping_types(views[refs[source["indexPatternRefName"]]])[source["geoField"]] == "geo_point"


def test_the_hts_search_uses_the_actor_dictionary_id(objects):
    search = _by_id(objects)["rasd-search-hts-reports"]
    query = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
    actor_id = query.split('"')[1]
    actors = {actor["id"]: actor for actor in load_json("actors.json")["actors"]}
    assert actors[actor_id]["name_ar"] == "هيئة تحرير الشام"


def test_kql_fields_ignore_quoted_values():
    assert kql_fields('escalatory : true and actor_ids : "a:b" or not governorates:Idlib') == {
        "escalatory", "actor_ids", "governorates"}
    assert kql_fields("") == set()


def test_mapping_fields_include_object_sub_fields():
    names = mapping_fields(PROPERTIES["reports"])
    assert {"entities", "entities.text", "entities.canonical_id", "locations"} <= names
    assert "entities.start" not in names
