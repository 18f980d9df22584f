"""Simplify the OCHA governorate boundaries into the small GeoJSON the web page draws.

The source (``../shared/data/syria_boundaries/syr_admin1_ocha_v02.geojson``, 2.75 MB, OCHA COD-AB
Syria ADM1 v02, CC BY 3.0 IGO, via syrianzone, MIT) holds 29,000 vertices; the page needs a few
thousand. Every ring is simplified with Douglas–Peucker (pure Python, iterative), coordinates are
rounded, and each governorate is named with the project's label (``rasd.schema.GOVERNORATES``),
found from its P-code in ``rasd/data/places/gazetteer.json``.

Neighbouring rings are simplified independently, so shared borders may part by up to the
tolerance (0.002° ≈ 200 m, a fraction of a pixel on the page's map).

Usage (from the repository root)::

    .venv/bin/python scripts/simplify_boundaries.py
    .venv/bin/python scripts/simplify_boundaries.py --tolerance 0.003 --output /tmp/g.geojson
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger("simplify_boundaries")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = REPO / ".." / "shared" / "data" / "syria_boundaries" / "syr_admin1_ocha_v02.geojson"
DEFAULT_GAZETTEER = REPO / "rasd" / "data" / "places" / "gazetteer.json"
DEFAULT_OUTPUT = REPO / "api" / "web" / "governorates.geojson"
DEFAULT_TOLERANCE = 0.002  # degrees: a sixth of a pixel on the page's map (1 px ≈ 0.012°)
DEFAULT_DECIMALS = 4       # about 11 m
ATTRIBUTION = ("Governorate boundaries: OCHA COD-AB Syria ADM1 v02 (2020-12-17), CC BY 3.0 IGO, "
               "via syrianzone/syrianzone (MIT); simplified by rasd (Douglas-Peucker).")

Point = tuple[float, float]


def measure_offset(point: Point, start: Point, end: Point) -> float:
    """The distance from ``point`` to the segment ``start``–``end`` (in degrees, planar).

    Args:
        point, start, end: ``(lon, lat)`` pairs, e.g. Idlib city ``(36.63, 35.93)``.

    Returns:
        The shortest distance; the distance to ``start`` when the segment has no length.
    """
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify_line(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker: keep the ends and every point farther than ``tolerance`` from the kept line.

    Args:
        points: an open polyline of ``(lon, lat)``, e.g. part of the border of إدلب.
        tolerance: the largest allowed offset, in degrees.

    Returns:
        The kept points, in order, ends included.
    """
    if len(points) <= 2:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, -1
        for i in range(first + 1, last):
            offset = measure_offset(points[i], points[first], points[last])
            if offset > farthest:
                farthest, index = offset, i
        if index >= 0 and farthest > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, kept in zip(points, keep) if kept]


def simplify_ring(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """Simplify a closed ring: split it at its first point and the point farthest from it.

    Args:
        ring: ``(lon, lat)`` points, first == last (GeoJSON).
        tolerance: the largest allowed offset, in degrees.

    Returns:
        The simplified ring, closed; fewer than 4 points when it collapsed.
    """
    points = list(ring[:-1]) if len(ring) > 1 and tuple(ring[0]) == tuple(ring[-1]) else list(ring)
    if len(points) < 3:
        return [*points, points[0]] if points else []
    start = points[0]
    split = max(range(len(points)), key=lambda i: math.hypot(points[i][0] - start[0], points[i][1] - start[1]))
    head = simplify_line(points[:split + 1], tolerance)
    tail = simplify_line([*points[split:], start], tolerance)
    return head[:-1] + tail


def round_ring(ring: Sequence[Point], decimals: int) -> list[list[float]]:
    """Round each coordinate and drop points that became equal to the one before."""
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, decimals), round(lat, decimals)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def simplify_polygons(polygons: list[list[list[Point]]], tolerance: float, decimals: int) -> list[list[list[list[float]]]]:
    """Simplify a list of polygons (outer ring, then holes); drop rings that collapsed.

    A polygon whose outer ring collapses is dropped (a speck of coast); when every polygon
    would go, the largest one is kept at a finer tolerance so no governorate disappears.
    """
    out = []
    for polygon in polygons:
        rings = [round_ring(simplify_ring(ring, tolerance), decimals) for ring in polygon]
        if len(rings[0]) < 4:
            continue
        out.append([rings[0], *(r for r in rings[1:] if len(r) >= 4)])
    if not out and polygons:
        largest = max(polygons, key=lambda p: len(p[0]))
        return simplify_polygons([largest], tolerance / 4, decimals)
    return out


def read_governorate_labels(gazetteer_path: Path) -> dict[str, str]:
    """The project's governorate label of each governorate P-code, e.g. ``{"SY07": "Idlib"}``."""
    entries = json.loads(gazetteer_path.read_text(encoding="utf-8"))["entries"]
    return {e["pcode"]: e["governorate"] for e in entries if e.get("precision") == "governorate"}


def build_feature(feature: dict[str, Any], labels: dict[str, str], tolerance: float, decimals: int) -> dict[str, Any]:
    """One simplified governorate, named by its project label.

    Raises:
        SystemExit: the P-code is not a governorate of the gazetteer.
    """
    props = feature["properties"]
    pcode = props["ADM1_PCODE"]
    if pcode not in labels:
        raise SystemExit(f"P-code {pcode} ({props.get('ADM1_EN')}) is not a governorate of the gazetteer")
    geometry = feature["geometry"]
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    simplified = simplify_polygons(polygons, tolerance, decimals)
    shape = ({"type": "Polygon", "coordinates": simplified[0]} if len(simplified) == 1
             else {"type": "MultiPolygon", "coordinates": simplified})
    return {"type": "Feature",
            "properties": {"pcode": pcode, "name": labels[pcode], "name_ar": props["ADM1_AR"],
                           "name_ocha": props["ADM1_EN"]},
            "geometry": shape}


def count_points(collection: dict[str, Any]) -> int:
    total = 0
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        total += sum(len(ring) for polygon in polygons for ring in polygon)
    return total


def simplify_collection(source: dict[str, Any], labels: dict[str, str], tolerance: float, decimals: int) -> dict[str, Any]:
    """The simplified feature collection, sorted by P-code, with its attribution."""
    features = sorted((build_feature(f, labels, tolerance, decimals) for f in source["features"]),
                      key=lambda f: f["properties"]["pcode"])
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES, help="OCHA ADM1 GeoJSON")
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER, help="rasd gazetteer (P-code → label)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="degrees (default %(default)s)")
    parser.add_argument("--decimals", type=int, default=DEFAULT_DECIMALS, help="coordinate decimals (default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    source = json.loads(args.boundaries.read_text(encoding="utf-8"))
    labels = read_governorate_labels(args.gazetteer)
    collection = simplify_collection(source, labels, args.tolerance, args.decimals)
    names = [f["properties"]["name"] for f in collection["features"]]
    if len(set(names)) != len(names):
        raise SystemExit(f"two features share a governorate label: {names}")
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    log.info("simplified features=%d points=%d->%d bytes=%d output=%s", len(names), count_points(source),
             count_points(collection), len(text.encode("utf-8")) + 1, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
