"""FilePriceStore: the store contract, plus what is particular to files (layout, crashes, locks)."""

from __future__ import annotations

import hashlib
import os
import select
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from store_contract import (
    FEB_1,
    JAN_30,
    JAN_31,
    MINUTE,
    SECOND,
    PriceStoreContract,
    StoreFactory,
    assert_same_bars,
    make_bars,
)

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.file_store import FilePriceStore
from tc2.data.price_stores import price_store_for
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env import EnvType
from tc2.errors import ConfigurationError, DataError

CHILD = Path(__file__).with_name("_crash_writer.py")
PROJECT_DIR = Path(__file__).resolve().parents[3]
CHILD_TIMEOUT_S = 30


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    return tmp_path / "prices"


@pytest.fixture
def make_store(prices: Path) -> StoreFactory:
    return lambda namespace: FilePriceStore(prices, namespace)


@pytest.fixture
def store(make_store: StoreFactory) -> PriceStore:
    return make_store("simulation")


class FilePriceStoreContractTests(PriceStoreContract):
    """The backend-independent contract, run on files."""


def run_child(*args: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": f"{PROJECT_DIR}{os.pathsep}{CHILD.parent}"}
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=PROJECT_DIR,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_line(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], CHILD_TIMEOUT_S)
    assert ready, "the child process said nothing in time"
    return child.stdout.readline().strip()


def month_file(prices: Path, namespace: str, resolution: str, symbol: str, month: str) -> Path:
    return prices / namespace / resolution / symbol / f"{month}.arrow"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FileLayoutTests:
    def test_month_files_sit_under_namespace_resolution_and_symbol(self, tmp_path: Path) -> None:
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path)

        store.save_days([make_bars("SPY", JAN_30), make_bars("SPY", FEB_1, SECOND)])

        assert store.namespace == "live"
        assert month_file(tmp_path / "prices", "live", "1m", "SPY", "2024-01").is_file()
        assert month_file(tmp_path / "prices", "live", "1s", "SPY", "2024-02").is_file()

    def test_corporate_actions_are_one_json_file_per_symbol(
        self, store: PriceStore, prices: Path
    ) -> None:
        split = CorporateAction(symbol="SPY", ex_date=JAN_30, kind=ActionKind.SPLIT, ratio=2.0)
        store.save_actions("SPY", [split])

        folder = prices / "simulation" / "actions"
        assert sorted(p.name for p in folder.iterdir()) == [".lock", "SPY.json"]
        assert store.symbols() == []  # actions are not bars

    def test_an_unreadable_actions_file_is_a_data_error_naming_it(
        self, store: PriceStore, prices: Path
    ) -> None:
        folder = prices / "simulation" / "actions"
        folder.mkdir(parents=True)
        (folder / "SPY.json").write_text('[{"symbol": "SPY", "kind": "split", "ratio": -1}]')

        with pytest.raises(
            DataError, match=r"actions/SPY\.json is not a readable TC2 corporate-actions file"
        ):
            store.load_actions("SPY")

    def test_a_month_of_days_is_one_file(self, store: PriceStore, prices: Path) -> None:
        store.save_days([make_bars("SPY", date(2024, 1, day)) for day in range(2, 31)])

        folder = prices / "simulation" / "1m" / "SPY"
        assert sorted(p.name for p in folder.iterdir()) == [".lock", "2024-01.arrow"]

    def test_removing_every_day_of_a_month_deletes_its_file(
        self, store: PriceStore, prices: Path
    ) -> None:
        store.save_days([make_bars("SPY", JAN_30), make_bars("SPY", FEB_1)])

        store.delete_day("SPY", JAN_30, MINUTE)

        assert not month_file(prices, "simulation", "1m", "SPY", "2024-01").exists()
        assert month_file(prices, "simulation", "1m", "SPY", "2024-02").exists()

    def test_drop_symbol_removes_its_folders(self, store: PriceStore, prices: Path) -> None:
        store.save_days([make_bars("SPY", JAN_30), make_bars("SPY", JAN_30, SECOND)])

        store.drop_symbol("SPY")

        assert not (prices / "simulation" / "1m" / "SPY").exists()
        assert not (prices / "simulation" / "1s" / "SPY").exists()

    @pytest.mark.parametrize("namespace", ["", "Live", "../live", "a/b"])
    def test_namespace_must_be_one_plain_folder_name(self, prices: Path, namespace: str) -> None:
        with pytest.raises(ValueError, match="namespace must be"):
            FilePriceStore(prices, namespace)

    def test_a_corrupt_month_file_raises_data_error_naming_it(
        self, store: PriceStore, prices: Path
    ) -> None:
        store.save_day(make_bars("SPY", JAN_30))
        path = month_file(prices, "simulation", "1m", "SPY", "2024-01")
        path.write_bytes(b"not an arrow file")

        with pytest.raises(DataError, match=r"2024-01\.arrow is not a readable TC2 price file"):
            store.load_day("SPY", JAN_30, MINUTE)


class MonthCacheTests:
    """Readers keep month files open per process while the files stay unchanged."""

    def test_a_month_file_is_read_once_while_unchanged(
        self, store: PriceStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from tc2.data import file_store

        store.save_days([make_bars("SPY", JAN_30), make_bars("SPY", JAN_31)])
        reads: list[Path] = []
        read_month = file_store._read_month

        def counting(path: Path) -> object:
            reads.append(path)
            return read_month(path)

        monkeypatch.setattr(file_store, "_read_month", counting)
        for _ in range(3):
            store.load_day("SPY", JAN_30, MINUTE)
            store.load_day("SPY", JAN_31, MINUTE)

        assert len(reads) <= 1

    def test_a_file_replaced_by_another_process_is_read_again(
        self, store: PriceStore, prices: Path
    ) -> None:
        store.save_day(make_bars("SPY", JAN_30))
        path = month_file(prices, "simulation", "1m", "SPY", "2024-01")
        only_jan_30 = path.read_bytes()
        store.save_day(make_bars("SPY", JAN_31))
        assert_same_bars(store.load_day("SPY", JAN_31, MINUTE), make_bars("SPY", JAN_31))

        # What another process's write looks like here: a new file renamed over the old one.
        replacement = path.with_name("elsewhere.tmp")
        replacement.write_bytes(only_jan_30)
        replacement.replace(path)

        assert store.dates_on_file("SPY", resolution=MINUTE) == [JAN_30]
        with pytest.raises(DayNotOnFile):
            store.load_day("SPY", JAN_31, MINUTE)

    def test_this_processs_writes_are_seen_at_once(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30, seed=1))
        store.load_day("SPY", JAN_30, MINUTE)

        store.save_day(make_bars("SPY", JAN_30, seed=2))

        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), make_bars("SPY", JAN_30, seed=2))


class PriceStoreForTests:
    def test_each_env_type_gets_its_own_namespace(self, tmp_path: Path) -> None:
        live = price_store_for(EnvType.LIVE, data_dir=tmp_path, url="files")
        simulation = price_store_for(EnvType.SIMULATION, data_dir=tmp_path, url="")
        live.save_day(make_bars("SPY", JAN_30))

        assert simulation.namespace == "simulation"
        assert simulation.symbols() == []
        assert live.symbols() == ["SPY"]

    @pytest.mark.parametrize(
        ("url", "named"),
        [
            ("parquet", "'parquet'"),
            ("redis://tc2:s3cret@localhost:6379/0", "a redis:// URL"),
        ],
    )
    def test_an_unavailable_store_is_a_configuration_error(
        self, tmp_path: Path, url: str, named: str
    ) -> None:
        with pytest.raises(ConfigurationError, match="TC2_PRICE_STORE") as raised:
            price_store_for(EnvType.LIVE, data_dir=tmp_path, url=url)
        assert str(raised.value).endswith(f"was {named}")
        assert "s3cret" not in str(raised.value)


class TempFileTests:
    def test_stale_temp_files_are_ignored_and_removed_by_the_next_write(
        self, store: PriceStore, prices: Path
    ) -> None:
        saved = make_bars("SPY", JAN_30)
        store.save_day(saved)
        folder = prices / "simulation" / "1m" / "SPY"
        stale = folder / ".2024-01.arrow.12345.deadbeef.tmp"
        stale.write_bytes(b"half a file")

        assert store.dates_on_file("SPY") == [JAN_30]
        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), saved)
        store.save_day(make_bars("SPY", JAN_31))
        assert not stale.exists()


class CrashTests:
    def test_a_writer_killed_mid_write_leaves_the_previous_file_intact(
        self, store: PriceStore, prices: Path
    ) -> None:
        previous = [make_bars("SPY", day, SECOND) for day in (JAN_30, JAN_31)]
        store.save_days(previous)
        path = month_file(prices, "simulation", "1s", "SPY", "2024-01")
        before = digest(path)

        # Replace Jan 30 with a full session (~1.5 MB); stall after 256 KB of the new file.
        child = run_child(
            "stall", str(prices), "simulation", "SPY", "2024-01-30", "23400", "262144"
        )
        try:
            assert read_line(child) == "mid-write"
            temps = list(path.parent.glob(".*.tmp"))
            assert len(temps) == 1 and temps[0].stat().st_size >= 262144
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(CHILD_TIMEOUT_S)
        assert child.returncode == -signal.SIGKILL

        assert digest(path) == before
        assert store.dates_on_file("SPY", resolution=SECOND) == [JAN_30, JAN_31]
        for saved in previous:
            assert_same_bars(store.load_day("SPY", saved.day, SECOND), saved)
        # The dead writer's lock died with it; the next write proceeds and sweeps its temp file.
        store.save_day(make_bars("SPY", FEB_1, SECOND))
        assert list(path.parent.glob(".*.tmp")) == []
        assert_same_bars(store.load_day("SPY", JAN_30, SECOND), previous[0])


class ConcurrencyTests:
    def test_writers_in_several_processes_lose_no_day_and_readers_see_whole_files(
        self, store: PriceStore, prices: Path
    ) -> None:
        days = [date(2024, 1, day) for day in range(2, 30)]
        expected = {day: make_bars("SPY", day, seed=7) for day in days}
        children = [
            run_child("save", str(prices), "simulation", "SPY", *(d.isoformat() for d in part))
            for part in (days[0::2], days[1::2])
        ]

        for child in children:
            assert read_line(child) == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.close()

        # Read without a lock while they write: a listed day always loads, whole.
        deadline = time.monotonic() + CHILD_TIMEOUT_S
        while any(child.poll() is None for child in children) and time.monotonic() < deadline:
            for day in store.dates_on_file("SPY"):
                assert_same_bars(store.load_day("SPY", day, MINUTE), expected[day])
        for child in children:
            assert child.wait(CHILD_TIMEOUT_S) == 0

        assert store.dates_on_file("SPY") == days
        for day in days:
            assert_same_bars(store.load_day("SPY", day, MINUTE), expected[day])
