"""The STORE health check on the MongoDB price store (nx-27017 through the real pymongo driver)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from mongo_server import MongoServer, MongoServerUnavailable, start_mongo_server

from tc2.data.price_stores import price_store_for
from tc2.env import EnvType
from tc2.program.checks import (
    HealthStatus,
    check_store,
    parse_health_check_params,
    perform_health_check,
)


def _skip_or_fail(reason: str) -> NoReturn:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    try:
        server = start_mongo_server(tmp_path_factory.mktemp("nx-27017-health"))
    except MongoServerUnavailable as error:
        _skip_or_fail(f"no MongoDB wire-protocol server for the STORE check: {error}")
    yield server
    server.stop()


def test_the_store_check_passes_on_mongodb_and_leaves_the_sandbox_empty(
    mongo: MongoServer, tmp_path: Path
):
    store = price_store_for(EnvType.HEALTH_CHECKING, data_dir=tmp_path, url=f"{mongo.url}tc2health")

    report = check_store(store=store)

    assert report.status is HealthStatus.PASSED, report.messages
    assert report.figures["namespace"] == "health_checking"
    assert store.symbols() == []
    assert not (tmp_path / "prices").exists()  # the files store was not used


def test_the_job_checks_the_configured_store(
    mongo: MongoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TC2_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TC2_PRICE_STORE", f"{mongo.url}tc2health")

    result = perform_health_check(
        params=parse_health_check_params({"check_type": "STORE"}),
        progress=lambda percent, message="": None,
    )

    assert result["status"] == "PASSED", result["debug_messages"]
    assert not (tmp_path / "prices").exists()
    client = mongo.client()
    try:
        assert "bars_health_checking" in client["tc2health"].list_collection_names()
        assert "bars_live" not in client["tc2health"].list_collection_names()
    finally:
        client.close()


def test_an_unreachable_mongodb_fails_with_the_drivers_reason(tmp_path: Path):
    store = price_store_for(
        EnvType.HEALTH_CHECKING,
        data_dir=tmp_path,
        url="mongodb://127.0.0.1:9/tc2?serverSelectionTimeoutMS=300",
    )

    report = check_store(store=store)

    assert report.status is HealthStatus.FAILED
    assert report.messages[0].startswith("dropping leftovers failed: ServerSelectionTimeoutError: ")
    assert report.messages[1].startswith("cleaning up failed: ServerSelectionTimeoutError: ")
