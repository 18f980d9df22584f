"""Locating and loading bundled data (actors, gazetteer, lexicons, models).

Data lives in ``rasd/data/`` under version control, each file with its
provenance in ``rasd/data/SOURCES.md``. One environment variable,
``RASD_DATA_DIR``, points elsewhere (e.g. a retrained model).
Nothing is loaded at import time; callers use the factories and cache them.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasd.errors import DataError

_PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def data_dir() -> Path:
    """The directory bundled data is read from (``RASD_DATA_DIR`` or the package's ``data/``)."""
    override = os.environ.get("RASD_DATA_DIR")
    return Path(override) if override else _PACKAGE_DATA


def data_path(name: str) -> Path:
    """Path of one data file, failing with a clear message when it is absent.

    Args:
        name: path relative to the data directory, e.g. ``"actors.json"``.
    """
    path = data_dir() / name
    if not path.exists():
        raise DataError(f"data file {name!r} not found in {data_dir()} (set RASD_DATA_DIR or reinstall)")
    return path


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """Parse a bundled JSON data file once per process."""
    path = data_path(name)
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read data file {name!r}: {exc}") from exc
