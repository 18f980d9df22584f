"""The web page for readers without Kibana: ``GET /`` and its static files under ``/web/``.

Everything the page needs is served from here (no CDN, no external font): HTML, CSS, plain
JavaScript, the simplified governorate boundaries (``scripts/simplify_boundaries.py``) and
``/web/labels.json``, the Arabic and English names of actors and governorates from the bundled
data. A Content-Security-Policy of ``'self'`` keeps the page from loading anything else.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, JSONResponse

from rasd.resources import load_json

router = APIRouter(tags=["web"], include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
INDEX_FILE = "index.html"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".js": "text/javascript; charset=utf-8", ".geojson": "application/geo+json",
               ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
PAGE_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}


def resolve_asset(name: str, root: Path = WEB_DIR) -> Path | None:
    """The file under ``root`` that ``name`` names, or None (absent, hidden, or outside ``root``).

    Args:
        name: the path after ``/web/``, e.g. ``"app.js"``; ``"../app.py"`` gives None.
    """
    if not name or any(part.startswith(".") for part in name.split("/")):
        return None
    path = (root / name).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        return None
    return path


@lru_cache(maxsize=1)
def build_labels() -> dict[str, Any]:
    """Display names of the facet values the API returns as ids or English labels.

    Returns:
        ``{"actors": {"hts": {"ar": "هيئة تحرير الشام", "en": "Hay'at Tahrir al-Sham"}, ...},
        "governorates": {"Idlib": {"ar": "إدلب", "en": "Idlib"}, ...}}``.
    """
    actors = {a["id"]: {"ar": a.get("name_ar") or a["id"], "en": a.get("name_en") or a["id"]}
              for a in load_json("actors.json")["actors"]}
    governorates = {e["governorate"]: {"ar": e["name_ar"], "en": e["governorate"]}
                    for e in load_json("places/gazetteer.json")["entries"] if e.get("precision") == "governorate"}
    return {"actors": actors, "governorates": governorates}


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(WEB_DIR / INDEX_FILE, media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)


@router.get("/web/labels.json")
async def labels() -> JSONResponse:
    return JSONResponse(build_labels(), headers={"Cache-Control": "max-age=3600"})


@router.get("/web/{name:path}")
async def asset(name: str) -> FileResponse:
    path = resolve_asset(name)
    if path is None:
        raise HTTPException(404, f"no web file {name!r}")
    media_type = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers=PAGE_HEADERS)
