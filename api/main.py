"""Run the API with uvicorn (``rasd api --host --port [--embedded-db FILE]``)."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from api.app import create_app
from rasd.settings import Settings


def serve(host: str = "127.0.0.1", port: int = 8000, *, settings: Settings | None = None,
          log_level: str = "info", embedded_db: str | Path | None = None) -> None:
    """Serve the API until interrupted.

    Args:
        host: interface to listen on (``0.0.0.0`` in a container).
        port: TCP port.
        settings: process settings; read from ``RASD_*`` variables when None (fails fast on bad values).
        log_level: uvicorn's log level.
        embedded_db: the SQLite file of ``rasd run`` to serve instead of Elasticsearch (no Kafka either);
            None: ``RASD_EMBEDDED_DB``, or Elasticsearch when that is unset.

    Raises:
        ConfigurationError: the embedded database does not exist or cannot be opened (before serving).
    """
    app = create_app(settings or Settings.from_env(), embedded_db=embedded_db)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=True,
                timeout_graceful_shutdown=5)
