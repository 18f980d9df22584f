"""Import rasd's saved objects into Kibana (``rasd dashboards import --kibana URL``).

One multipart ``POST /api/saved_objects/_import?overwrite=true`` with the NDJSON file
and the ``kbn-xsrf`` header Kibana requires. The file is checked first (references
and fields resolve), and data-view titles follow the deployment's namespace, so
``RASD_NAMESPACE=ops`` imports data views over ``ops-reports`` … under the same ids.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from dashboards.build import NAMESPACE, NDJSON_PATH, to_ndjson
from dashboards.checks import check_saved_objects, load_saved_objects
from dashboards.exceptions import DashboardImportError, SavedObjectsError

log = logging.getLogger(__name__)

DEFAULT_KIBANA_URL = "http://127.0.0.1:5601"
RETRY_DELAY_S = 2.0


def import_url(kibana_url: str, space: str | None = None) -> str:
    """The saved-objects import endpoint, in a Kibana space when one is named.

    Args:
        kibana_url: e.g. ``http://kibana:5601`` (a base path, if Kibana has one, included).
        space: a space id, e.g. ``ops``; None for the default space.

    Returns:
        e.g. ``http://kibana:5601/s/ops/api/saved_objects/_import``.
    """
    base = kibana_url.rstrip("/")
    return f"{base}/s/{space}/api/saved_objects/_import" if space else f"{base}/api/saved_objects/_import"


def rename_namespace(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """Point the data views at another deployment's aliases (``rasd-reports`` → ``ops-reports``)."""
    if namespace == NAMESPACE:
        return objects
    renamed = []
    for obj in objects:
        if obj["type"] == "index-pattern" and obj["attributes"]["title"].startswith(f"{NAMESPACE}-"):
            title = namespace + obj["attributes"]["title"][len(NAMESPACE):]
            obj = {**obj, "attributes": {**obj["attributes"], "title": title}}
        renamed.append(obj)
    return renamed


def summarise_errors(errors: list[dict[str, Any]]) -> str:
    """One line per object Kibana refused: ``type/id: error type (details)``."""
    lines = []
    for error in errors:
        detail = error.get("error", {})
        reason = detail.get("type", "error")
        extra = detail.get("references") or detail.get("message") or ""
        lines.append(f"{error.get('type')}/{error.get('id')}: {reason} {json.dumps(extra) if extra else ''}".rstrip())
    return "; ".join(lines)


def import_saved_objects(kibana_url: str, path: Path | str = NDJSON_PATH, *, overwrite: bool = True,
                         space: str | None = None, namespace: str = NAMESPACE, wait_s: float = 0.0,
                         timeout_s: float = 60.0) -> dict[str, Any]:
    """Import a saved-objects file into Kibana.

    Args:
        kibana_url: base URL of Kibana.
        path: the NDJSON file (rasd's own by default).
        overwrite: replace objects with the same ids (re-running the import is harmless).
        space: Kibana space id; None for the default space.
        namespace: the deployment's namespace; data-view titles are renamed to it.
        wait_s: keep retrying this long while Kibana is unreachable or not ready (503).
        timeout_s: timeout of each request.

    Returns:
        Kibana's answer: ``success``, ``successCount``, ``successResults`` ….

    Raises:
        SavedObjectsError: the file does not resolve (checked before sending).
        DashboardImportError: Kibana unreachable, or it refused the request or some objects.
    """
    objects = load_saved_objects(Path(path))
    check_saved_objects(objects)
    payload = to_ndjson(rename_namespace(objects, namespace)).encode("utf-8")
    url = import_url(kibana_url, space)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            response = httpx.post(url, params={"overwrite": "true"} if overwrite else None,
                                  headers={"kbn-xsrf": "true"}, timeout=timeout_s,
                                  files={"file": (Path(path).name, payload, "application/ndjson")})
        except httpx.HTTPError as exc:
            failure = f"cannot reach Kibana at {kibana_url}: {exc}"
        else:
            if response.status_code == 200:
                break
            failure = f"Kibana answered {response.status_code} to {url}: {response.text[:500]}"
            if response.status_code != 503:
                raise DashboardImportError(failure)
        if time.monotonic() >= deadline:
            raise DashboardImportError(failure)
        log.info("kibana not ready, retrying in %.0fs: %s", RETRY_DELAY_S, failure)
        time.sleep(RETRY_DELAY_S)
    try:
        result = response.json()
    except ValueError as exc:
        raise DashboardImportError(f"Kibana's answer is not JSON: {response.text[:500]}") from exc
    if not result.get("success", False):
        raise DashboardImportError(f"Kibana refused {len(result.get('errors', []))} saved objects: "
                                   f"{summarise_errors(result.get('errors', []))}")
    log.info("imported saved objects count=%s kibana=%s", result.get("successCount"), kibana_url)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rasd dashboards import",
                                     description="Import rasd's Kibana data views, searches, visualizations, map "
                                                 "and dashboard.")
    parser.add_argument("--kibana", default=os.environ.get("RASD_KIBANA_URL", DEFAULT_KIBANA_URL),
                        help="Kibana base URL (RASD_KIBANA_URL; default %(default)s)")
    parser.add_argument("--file", type=Path, default=NDJSON_PATH, help="saved-objects NDJSON (default: rasd's own)")
    parser.add_argument("--space", default=None, help="Kibana space id (default: the default space)")
    parser.add_argument("--namespace", default=None,
                        help="deployment namespace for the data-view titles (default: RASD_NAMESPACE, else rasd)")
    parser.add_argument("--no-overwrite", action="store_true", help="fail on objects that already exist")
    parser.add_argument("--wait", type=float, default=120.0, metavar="SECONDS",
                        help="retry this long while Kibana is starting (default %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``rasd dashboards import``: exit 0 when every object was imported, 1 otherwise."""
    args = build_parser().parse_args(argv)
    namespace = args.namespace
    if namespace is None:
        from rasd.settings import Settings

        namespace = Settings.from_env().namespace
    try:
        result = import_saved_objects(args.kibana, args.file, overwrite=not args.no_overwrite, space=args.space,
                                      namespace=namespace, wait_s=args.wait)
    except (DashboardImportError, SavedObjectsError) as exc:
        print(f"rasd dashboards import: {exc}", file=sys.stderr)
        return 1
    print(f"imported {result.get('successCount', 0)} saved objects into {args.kibana}"
          f"{' (space ' + args.space + ')' if args.space else ''}; open the dashboard "
          f"'rasd — Syria conflict reporting'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
