# One image for every rasd service (producer, Faust worker, indexer, API).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY rasd ./rasd
COPY producers ./producers
COPY streams ./streams
COPY indexers ./indexers
COPY api ./api
COPY services ./services
COPY dashboards ./dashboards
COPY delivery ./delivery
COPY embedded ./embedded

# camel-tools without its heavy dependencies (CUDA torch, data downloads): see pyproject.toml.
RUN pip install . && pip install --no-deps camel-tools==1.6.0

RUN useradd --system --uid 10001 rasd && mkdir -p /var/lib/rasd && chown rasd /var/lib/rasd
USER rasd
ENV RASD_WORKER_DATADIR=/var/lib/rasd/worker
CMD ["rasd", "--help"]
