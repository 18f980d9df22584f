"""Checks of a saved-objects file that Kibana would only reveal on screen.

* every reference points at an object of the file (a data view, search, Lens, map),
  and every name an object uses internally (``panel_p1``, ``indexpattern-datasource-layer-…``,
  ``layer_1_source_index_pattern``, ``indexRefName``) has its reference;
* every field a data view, search, visualization or map layer uses exists in the
  explicit mapping of its index (``indexers/templates.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from dashboards.exceptions import SavedObjectsError
from indexers.templates import PROPERTIES

_QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_KQL_FIELD_RE = re.compile(r"([A-Za-z_@][\w.@]*)\s*:")
RECORDS = "___records___"  # Lens's pseudo-field of count


def load_saved_objects(path: Path) -> list[dict[str, Any]]:
    """Read an NDJSON export (blank lines and Kibana's export summary line skipped).

    Raises:
        SavedObjectsError: the file is unreadable or a line is not a JSON object.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SavedObjectsError(f"cannot read saved objects {path}: {exc}") from exc
    objects = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise SavedObjectsError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise SavedObjectsError(f"{path}:{number}: not a JSON object")
        if "exportedCount" not in obj:
            objects.append(obj)
    return objects


def mapping_fields(properties: dict[str, Any], prefix: str = "") -> set[str]:
    """The dotted names of every field of an explicit mapping (objects and their sub-fields)."""
    names: set[str] = set()
    for name, spec in properties.items():
        names.add(prefix + name)
        names |= mapping_fields(spec.get("properties", {}), f"{prefix}{name}.")
        names |= {f"{prefix}{name}.{sub}" for sub in spec.get("fields", {})}
    return names


def kql_fields(query: str) -> set[str]:
    """The field names of a KQL query, e.g. ``{"escalatory"}`` for ``escalatory : true``."""
    return set(_KQL_FIELD_RE.findall(_QUOTED_RE.sub('""', query or "")))


def _refs(obj: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {ref["name"]: ref for ref in obj.get("references", [])}


def internal_reference_names(obj: dict[str, Any]) -> list[str]:
    """The reference names an object's attributes rely on, by type of object."""
    attributes = obj.get("attributes", {})
    if obj["type"] == "search":
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        return [source["indexRefName"]] if "indexRefName" in source else []
    if obj["type"] == "lens":
        layers = attributes["state"]["datasourceStates"].get("formBased", {}).get("layers", {})
        return [f"indexpattern-datasource-layer-{layer}" for layer in layers]
    if obj["type"] == "map":
        return [layer["sourceDescriptor"]["indexPatternRefName"] for layer in json.loads(attributes["layerListJSON"])
                if "indexPatternRefName" in layer.get("sourceDescriptor", {})]
    if obj["type"] == "dashboard":
        return [f"{panel['panelIndex']}:{panel['panelRefName']}" for panel in json.loads(attributes["panelsJSON"])
                if "panelRefName" in panel]
    return []


def reference_problems(objects: list[dict[str, Any]]) -> list[str]:
    """References to objects missing from the file, and internal names without a reference."""
    present = {(obj["type"], obj["id"]) for obj in objects}
    problems = []
    ids = [(obj["type"], obj["id"]) for obj in objects]
    problems += [f"duplicate object {t}/{i}" for t, i in sorted(set(ids)) if ids.count((t, i)) > 1]
    for obj in objects:
        where = f"{obj['type']}/{obj['id']}"
        for ref in obj.get("references", []):
            if (ref["type"], ref["id"]) not in present:
                problems.append(f"{where}: reference {ref['name']} → {ref['type']}/{ref['id']} is not in the file")
        refs = _refs(obj)
        problems += [f"{where}: uses {name} but has no reference of that name"
                     for name in internal_reference_names(obj) if name not in refs]
    return problems


def field_uses(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(data view id, field)`` for every field an object uses."""
    attributes, refs = obj.get("attributes", {}), _refs(obj)
    if obj["type"] == "index-pattern":
        yield obj["id"], attributes.get("timeFieldName", "")
        yield from ((obj["id"], name) for name in json.loads(attributes.get("fieldFormatMap") or "{}"))
    elif obj["type"] == "search":
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        view = refs[source["indexRefName"]]["id"]
        names = set(attributes.get("columns", [])) | {s[0] for s in attributes.get("sort", [])}
        yield from ((view, name) for name in names | kql_fields(source.get("query", {}).get("query", "")))
    elif obj["type"] == "lens":
        state = attributes["state"]
        for layer_id, layer in state["datasourceStates"].get("formBased", {}).get("layers", {}).items():
            view = refs[f"indexpattern-datasource-layer-{layer_id}"]["id"]
            names = kql_fields(state.get("query", {}).get("query", ""))
            for column in layer["columns"].values():
                names |= {column.get("sourceField", RECORDS)} | kql_fields(column.get("filter", {}).get("query", ""))
            yield from ((view, name) for name in names - {RECORDS})
    elif obj["type"] == "map":
        for layer in json.loads(attributes["layerListJSON"]):
            source = layer.get("sourceDescriptor", {})
            if "indexPatternRefName" not in source:
                continue
            view = refs[source["indexPatternRefName"]]["id"]
            names = {source.get("geoField"), source.get("sortField"), source.get("topHitsSplitField"),
                     *source.get("tooltipProperties", [])}
            for prop in layer.get("style", {}).get("properties", {}).values():
                field = prop.get("options", {}).get("field") if isinstance(prop, dict) else None
                if field and field.get("origin") == "source":
                    names.add(field["name"])
            yield from ((view, name) for name in names if name)


def field_problems(objects: list[dict[str, Any]], namespace: str = "rasd") -> list[str]:
    """Fields used by the objects but absent from the mapping of their data view's index."""
    kinds = {obj["id"]: obj["attributes"]["title"].removeprefix(f"{namespace}-")
             for obj in objects if obj["type"] == "index-pattern"}
    known = {kind: mapping_fields(PROPERTIES[kind]) for kind in set(kinds.values()) if kind in PROPERTIES}
    problems = [f"index-pattern/{view}: title does not name a rasd index" for view, kind in kinds.items()
                if kind not in PROPERTIES]
    for obj in objects:
        for view, name in field_uses(obj):
            kind = kinds.get(view)
            if kind in known and name not in known[kind]:
                problems.append(f"{obj['type']}/{obj['id']}: field {name!r} is not in the {kind} mapping")
    return problems


def check_saved_objects(objects: list[dict[str, Any]]) -> None:
    """Refuse a file whose references or fields do not resolve.

    Raises:
        SavedObjectsError: naming every problem found.
    """
    problems = reference_problems(objects) + field_problems(objects)
    if problems:
        raise SavedObjectsError("saved objects do not resolve:\n  " + "\n  ".join(problems))
