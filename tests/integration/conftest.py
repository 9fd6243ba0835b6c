"""Real-service fixtures: use the Redis at ``TC2_TEST_REDIS_URL`` or skip (fail when CI=true)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis

DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
_DELETE_BATCH = 500


def _skip_or_fail(reason: str) -> None:
    # On a developer machine a missing service is a skip; in CI it is a broken pipeline.
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the test Redis URL after a successful PING; skip (or fail in CI) if unreachable."""
    url = os.environ.get("TC2_TEST_REDIS_URL", "").strip() or DEFAULT_TEST_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _skip_or_fail(
            f"Redis unreachable at {_without_password(url)} ({exc}); start it or set "
            "TC2_TEST_REDIS_URL"
        )
    finally:
        client.close()
    return url


@pytest.fixture
def redis_namespace(redis_url: str) -> Iterator[str]:
    """Return a namespace unique to this test; its ``namespace:*`` keys are deleted afterwards."""
    namespace = f"tc2test:{uuid.uuid4().hex}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    try:
        # SCAN rather than KEYS so cleanup never blocks a shared server.
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{namespace}:*", count=_DELETE_BATCH):
            batch.append(key)
            if len(batch) >= _DELETE_BATCH:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
    finally:
        client.close()
