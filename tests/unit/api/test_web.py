"""The web page and its files: served, complete, self-contained (nothing fetched from elsewhere)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from api.routers.web import WEB_DIR, resolve_asset
from rasd.schema import GOVERNORATES

REPO = Path(__file__).resolve().parents[3]
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # an XML namespace name, never fetched
# any absolute or protocol-relative URL, in HTML attributes, CSS url()/@import or JS strings
_EXTERNAL_RE = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(\s*['"]?(?:https?:|//)""", re.I)
_LOCAL_REF_RE = re.compile(r"""(?:src|href)="(/web/[^"]+)\"""")


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_is_arabic_right_to_left_with_a_strict_content_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_page_has_the_search_facets_map_timeline_and_alerts(client):
    html = client.get("/").text
    for element_id in ('id="q"', 'id="results"', 'id="map"', 'id="timeline"', 'id="alerts-list"', 'id="api-key"'):
        assert element_id in html
    for facet in ("governorates", "actors", "event_types", "sources"):
        assert f'data-facet="{facet}"' in html
    # every input is labelled
    for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_footer_credits_the_boundaries(client):
    html = client.get("/").text
    assert "OCHA COD-AB" in html and "CC BY 3.0 IGO" in html and "syrianzone" in html


def test_every_file_the_page_references_is_served_with_its_type(client):
    html = client.get("/").text
    refs = _LOCAL_REF_RE.findall(html)
    assert {"/web/app.js", "/web/style.css", "/web/favicon.svg"} <= set(refs)
    expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for ref in refs:
        response = client.get(ref)
        assert response.status_code == 200, ref
        assert response.headers["content-type"].startswith(expected[Path(ref).suffix]), ref
    for fetched in ("/web/governorates.geojson", "/web/labels.json"):
        assert fetched in (WEB_DIR / "app.js").read_text(encoding="utf-8")
        assert client.get(fetched).status_code == 200


@pytest.mark.parametrize("path", sorted(p.name for p in WEB_DIR.iterdir() if p.is_file()))
def test_no_web_file_names_an_external_url(path):
    text = (WEB_DIR / path).read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
    assert _EXTERNAL_RE.findall(text) == []


def test_the_external_url_check_would_catch_a_cdn():
    assert _EXTERNAL_RE.search('<script src="https://cdn.example.net/x.js">')
    assert _EXTERNAL_RE.search("@import 'fonts.css';")
    assert _EXTERNAL_RE.search("src: url(//fonts.example.com/a.woff2)")
    assert not _EXTERNAL_RE.search('<script src="/web/app.js">')


@pytest.mark.parametrize("name", ["../app.py", "..%2Fapp.py", "%2e%2e/routers/web.py", ".hidden", "nothing.js", ""])
def test_files_outside_the_web_folder_are_not_served(client, name):
    assert client.get(f"/web/{name}").status_code == 404


def test_resolve_asset_refuses_escapes(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "a.js").write_text("x")
    (tmp_path / "secret.txt").write_text("s")
    assert resolve_asset("a.js", tmp_path / "web") == (tmp_path / "web" / "a.js").resolve()
    assert resolve_asset("../secret.txt", tmp_path / "web") is None
    assert resolve_asset("sub/../../secret.txt", tmp_path / "web") is None


def test_boundaries_hold_the_fourteen_governorates_under_their_project_labels(client):
    response = client.get("/web/governorates.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    assert len(response.content) < 200_000
    collection = response.json()
    props = [f["properties"] for f in collection["features"]]
    assert sorted(p["name"] for p in props) == sorted(GOVERNORATES)
    assert sorted(p["pcode"] for p in props) == [f"SY{n:02d}" for n in range(1, 15)]
    idlib = next(p for p in props if p["pcode"] == "SY07")
    assert (idlib["name"], idlib["name_ar"]) == ("Idlib", "إدلب")
    assert "OCHA COD-AB" in collection["attribution"] and "CC BY 3.0 IGO" in collection["attribution"]
    for feature in collection["features"]:
        polygons = feature["geometry"]["coordinates"]
        polygons = [polygons] if feature["geometry"]["type"] == "Polygon" else polygons
        for ring in (r for p in polygons for r in p):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(35.5 < lon < 42.5 and 32.2 < lat < 37.4 for lon, lat in ring)


def test_labels_name_actors_and_governorates_in_arabic_and_english(client):
    body = client.get("/web/labels.json").json()
    assert body["actors"]["hts"]["ar"] == "هيئة تحرير الشام"
    assert body["governorates"]["Deir ez-Zor"] == {"ar": "دير الزور", "en": "Deir ez-Zor"}
    assert set(body["governorates"]) == set(GOVERNORATES)


def test_douglas_peucker_keeps_corners_and_drops_points_on_a_line():
    simplify = _load_script("simplify_boundaries")
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (2.0, 1.0), (2.001, 2.0), (2.0, 3.0)]
    assert simplify.simplify_line(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (2.0, 3.0)]
    assert simplify.simplify_line(line, 0.0001) == line
    square = [(0, 0), (1, 0), (1, 0.5), (1, 1), (0, 1), (0, 0)]
    ring = simplify.simplify_ring(square, 0.01)
    assert ring[0] == ring[-1] and len(ring) == 5 and (1, 0.5) not in ring


def test_simplify_script_names_each_pcode_from_the_gazetteer(tmp_path):
    simplify = _load_script("simplify_boundaries")
    square = [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]]
    source = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ADM1_PCODE": "SY07", "ADM1_EN": "Idleb", "ADM1_AR": "إدلب"},
         "geometry": {"type": "Polygon", "coordinates": square}}]}
    out = simplify.simplify_collection(source, {"SY07": "Idlib"}, 0.01, 4)
    assert out["features"][0]["properties"] == {"pcode": "SY07", "name": "Idlib", "name_ar": "إدلب", "name_ocha": "Idleb"}
    with pytest.raises(SystemExit, match="SY99"):
        simplify.simplify_collection({"features": [{**source["features"][0], "properties": {"ADM1_PCODE": "SY99"}}]},
                                     {"SY07": "Idlib"}, 0.01, 4)
