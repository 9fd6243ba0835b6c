"""MongoPriceStore through the real pymongo driver: the store contract, plus what is Mongo's own.

The server is nx-27017 (a MongoDB wire-protocol server over SQLite, from PyPI), started once per
session on a free local port; without it these tests skip, or fail when CI=true. Each test gets
its own database, dropped afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np
import pytest
from mongo_server import MongoServer, MongoServerUnavailable, start_mongo_server
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tc2.data import mongo_store
from tc2.data.mongo_store import FORMAT_VERSION, MongoPriceStore
from tc2.data.price_stores import price_store_for
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env import EnvType
from tc2.errors import ConfigurationError, DataError

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "unit" / "data" / "store_contract.py"


def _load_contract() -> ModuleType:
    # tests/unit/data is no package: test_file_store imports the contract as top-level
    # `store_contract`, so load it under that name (once) and share the module with it.
    loaded = sys.modules.get("store_contract")
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location("store_contract", CONTRACT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["store_contract"] = module
    spec.loader.exec_module(module)
    return module


contract = _load_contract()
PriceStoreContract: type = contract.PriceStoreContract
make_bars = contract.make_bars
assert_same_bars = contract.assert_same_bars
JAN_30, JAN_31, MINUTE, SECOND = contract.JAN_30, contract.JAN_31, contract.MINUTE, contract.SECOND

Document = dict[str, Any]
StoreFactory = Callable[[str], PriceStore]


def skip_or_fail(reason: str) -> NoReturn:
    # On a developer machine a missing service is a skip; in CI it is a broken pipeline.
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    try:
        server = start_mongo_server(tmp_path_factory.mktemp("nx-27017"))
    except MongoServerUnavailable as error:
        skip_or_fail(f"no MongoDB wire-protocol server for the MongoDB store tests: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_url(mongo_server: MongoServer) -> str:
    """``mongodb://127.0.0.1:<port>/``: a running nx-27017, no database named."""
    return mongo_server.url


@pytest.fixture(scope="session")
def mongo_client(mongo_server: MongoServer) -> Iterator[MongoClient[Document]]:
    client = mongo_server.client(serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture
def database(mongo_client: MongoClient[Document]) -> Iterator[str]:
    """A database of this test's own, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    yield name
    mongo_client.drop_database(name)


@pytest.fixture
def make_store(mongo_client: MongoClient[Document], database: str) -> StoreFactory:
    return lambda namespace: MongoPriceStore(mongo_client, namespace, database=database)


@pytest.fixture
def store(make_store: StoreFactory) -> PriceStore:
    return make_store("simulation")


@pytest.fixture
def bars(store: PriceStore) -> Collection[Document]:
    assert isinstance(store, MongoPriceStore)
    return store.collection


class MongoPriceStoreContractTests(PriceStoreContract):
    """The backend-independent contract, run on MongoDB (nx-27017)."""


class DocumentTests:
    def test_a_day_is_one_document_of_binary_columns(
        self, store: PriceStore, bars: Collection[Document]
    ) -> None:
        saved = make_bars("SPY", JAN_30, SECOND, extras=True)

        store.save_day(saved)

        document = bars.find_one({})
        assert document is not None
        assert {key: document[key] for key in ("symbol", "resolution", "day", "count")} == {
            "symbol": "SPY",
            "resolution": "1s",
            "day": "2024-01-30",
            "count": len(saved),
        }
        assert document["format"] == FORMAT_VERSION
        for name, dtype in (("t", "<i8"), ("n", "<i8"), ("c", "<f8"), ("vw", "<f8")):
            assert isinstance(document[name], bytes), name
            assert np.array_equal(np.frombuffer(document[name], dtype=dtype), getattr(saved, name))

    def test_the_unique_index_keeps_one_document_per_symbol_day(
        self, store: PriceStore, bars: Collection[Document]
    ) -> None:
        store.save_day(make_bars("SPY", JAN_30, seed=1, extras=True))
        replacement = make_bars("SPY", JAN_30, bars=10, seed=2, extras=False)

        store.save_day(replacement)

        keys = {tuple(index["key"].items()): index for index in bars.list_indexes()}
        index = keys[(("symbol", 1), ("resolution", 1), ("day", 1))]
        assert index.get("unique") is True
        with pytest.raises(DuplicateKeyError):
            bars.insert_one({"symbol": "SPY", "resolution": "1m", "day": "2024-01-30"})
        assert bars.count_documents({}) == 1
        document = bars.find_one({})
        assert document is not None
        assert document["count"] == 10
        assert "n" not in document and "vw" not in document
        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), replacement)

    def test_a_day_repeated_in_one_save_days_is_still_one_document(
        self, store: PriceStore, bars: Collection[Document]
    ) -> None:
        days = [make_bars("SPY", day, SECOND) for day in (JAN_30, JAN_31)]

        store.save_days(days * 2)

        assert bars.count_documents({"resolution": "1s"}) == 2

    def test_a_bulk_import_larger_than_one_write_batch_is_saved_whole(
        self, store: PriceStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(mongo_store, "WRITE_BATCH_BYTES", 100_000)  # ~2 minute days a batch
        days = [make_bars("SPY", date(2024, 1, day), seed=1) for day in range(2, 12)]
        last = make_bars("SPY", date(2024, 1, 2), seed=2)

        store.save_days([*days, last])

        assert store.dates_on_file("SPY") == [bars.day for bars in days]
        assert_same_bars(store.load_day("SPY", last.day, MINUTE), last)

    def test_a_corrupt_document_raises_data_error_naming_the_day(
        self, store: PriceStore, bars: Collection[Document], database: str
    ) -> None:
        store.save_day(make_bars("SPY", JAN_30))
        bars.update_one({}, {"$set": {"count": 7}})

        with pytest.raises(DataError, match=r"1m bars of SPY for 2024-01-30 .* not readable") as e:
            store.load_day("SPY", JAN_30, MINUTE)
        assert f"{database}.bars_simulation" in str(e.value)
        with pytest.raises(DataError, match="holds 390 values, count is 7"):
            store.load_range("SPY", JAN_30, JAN_31, MINUTE)

    @pytest.mark.parametrize("namespace", ["", "Live", "../live", "a.b", "bars$"])
    def test_namespace_must_be_a_plain_collection_suffix(
        self, mongo_client: MongoClient[Document], namespace: str
    ) -> None:
        with pytest.raises(ValueError, match="namespace must be"):
            MongoPriceStore(mongo_client, namespace)


class NamespaceTests:
    def test_live_and_simulation_are_separate_collections(
        self, mongo_url: str, database: str, mongo_client: MongoClient[Document], tmp_path: Path
    ) -> None:
        url = f"{mongo_url}{database}"
        live = price_store_for(EnvType.LIVE, data_dir=tmp_path, url=url)
        simulation = price_store_for(EnvType.SIMULATION, data_dir=tmp_path, url=url)
        try:
            kept = make_bars("SPY", JAN_30, seed=1)
            live.save_day(kept)
            simulation.save_day(make_bars("SPY", JAN_30, seed=2))

            assert simulation.drop_symbol("SPY") == 1
            assert simulation.symbols() == []
            assert_same_bars(live.load_day("SPY", JAN_30, MINUTE), kept)
            with pytest.raises(DayNotOnFile, match="namespace simulation"):
                simulation.load_day("SPY", JAN_30, MINUTE)
            names = set(mongo_client[database].list_collection_names())
            assert {"bars_live", "bars_simulation"} <= names
        finally:
            for store in (live, simulation):
                assert isinstance(store, MongoPriceStore)
                store.close()


class PriceStoreForTests:
    def test_a_mongodb_url_gives_a_mongo_store_in_the_urls_database(
        self, mongo_url: str, database: str, tmp_path: Path
    ) -> None:
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path, url=f" {mongo_url}{database} ")
        try:
            assert isinstance(store, MongoPriceStore)
            assert store.namespace == "live"
            assert (store.collection.database.name, store.collection.name) == (
                database,
                "bars_live",
            )
            store.save_day(make_bars("SPY", JAN_30))
            assert store.dates_on_file("SPY") == [JAN_30]
        finally:
            assert isinstance(store, MongoPriceStore)
            store.close()

    def test_a_url_without_a_database_uses_tc2(self, mongo_url: str, tmp_path: Path) -> None:
        store = price_store_for(EnvType.SIMULATION, data_dir=tmp_path, url=mongo_url)
        assert isinstance(store, MongoPriceStore)
        store.close()

        assert store.collection.database.name == "tc2"

    @pytest.mark.parametrize(
        "url",
        ["mongodb://tc2:s3cret@localhost:port/tc2", "mongodb://tc2:s3cret@x@localhost/tc2"],
    )
    def test_an_unusable_url_is_a_configuration_error_without_the_password(
        self, url: str, tmp_path: Path
    ) -> None:
        with pytest.raises(ConfigurationError, match="TC2_PRICE_STORE is not a usable") as raised:
            price_store_for(EnvType.LIVE, data_dir=tmp_path, url=url)

        assert "s3cret" not in str(raised.value)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
