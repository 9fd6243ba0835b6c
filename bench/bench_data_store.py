"""Price stores: write and read back one symbol-year of 1-s bars and 100 symbol-years of 1-m bars.

Datasets (random walks on the real 2024 XNYS sessions, regular hours, ``n`` and ``vw`` set):

- ``1s x 1 symbol-year``: 23,400 bars per full session, ~5.9 M bars;
- ``1m x 100 symbol-years``: 390 bars per full session, ~9.8 M bars.

For every store in ``STORES`` (the embedded files store, and MongoDB on a local nx-27017) it
measures a bulk write (``save_days``), the daily collector's write (``save_day`` of each day in
turn, one symbol-year), ``load_range`` of a whole symbol-year in bars/s, ``load_day`` latency and
disk use. In the same run a baseline stores and parses TC2's original format, one
``YYYY/MM/DD_HH:MM:SS$#*b<open>$#*b<high>$#*b<low>$#*b<close>$#*b<volume>`` string per candle in
one JSON document per symbol-day (New York wall time, as the original wrote it); its per-bar cost
is constant, so it runs on a sample of days and its rates are the ``peer_value`` of the ratio lines.

MongoDB runs against nx-27017, the pure-Python MongoDB wire-protocol server the tests use, started
here on a free local port: its figures are not those of a real MongoDB. nx-27017 uses no secondary
index and parses every document on each query, so MongoDB gets smaller, labelled cases (January
2024 only, and 10 of the 1-minute symbols); see ``SMALLER_CASES``.

Targets (embedded store): ``load_range`` of one symbol-year >= 50 M bars/s (1s) and >= 5 M bars/s
(1m), and >= 100x the baseline.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.mongo_store import MongoPriceStore
from tc2.data.store import PriceStore
from tc2.env import NEW_YORK, MarketCalendar
from tests.integration.mongo_server import MongoServer, start_mongo_server

BENCH = "data_store"
PEER = "tc2-original-strings"
YEAR = 2024
SEED = 20240101
LOAD_RANGE_REPEATS = 3
LOAD_DAY_SAMPLES = 100
BASELINE_BARS = 200_000  # enough days of the baseline for a stable per-bar rate
SEPARATOR = "$#*b"
ORIGINAL_TIME_FORMAT = "%Y/%m/%d_%H:%M:%S"

StoreFactory = Callable[[Path, str], PriceStore]

MONGODB = "mongodb (nx-27017, not a real MongoDB)"
MONGODB_SYMBOLS = 10
_MONGODB_OPEN: list[tuple[MongoServer, MongoPriceStore]] = []


def _mongodb_store(folder: Path, namespace: str) -> PriceStore:
    # One server per namespace, its files where the files store's would be, so `disk` measures
    # the same thing for both stores.
    server = start_mongo_server(folder / "prices" / namespace)
    store = MongoPriceStore(server.url, namespace)
    _MONGODB_OPEN.append((server, store))
    return store


def _stop_mongodb_servers() -> None:
    while _MONGODB_OPEN:
        server, store = _MONGODB_OPEN.pop()
        store.close()
        server.stop()


STORES: dict[str, StoreFactory] = {
    "files": lambda folder, namespace: FilePriceStore(folder / "prices", namespace),
    MONGODB: _mongodb_store,
}


@dataclass(frozen=True)
class Dataset:
    name: str
    resolution: Resolution
    symbols: tuple[str, ...]
    sessions: tuple[tuple[date, int, int], ...]  # (day, open, close) in UTC epoch seconds

    @property
    def bars_per_symbol(self) -> int:
        step = self.resolution.seconds
        return sum((close - open_) // step for _, open_, close in self.sessions)

    @property
    def bars(self) -> int:
        return self.bars_per_symbol * len(self.symbols)

    def symbol_year(self, symbol: str) -> list[SymbolDay]:
        """One symbol's year: a random walk split into sessions, the same on every call."""
        rng = np.random.default_rng([SEED, self.resolution.seconds, self.symbols.index(symbol)])
        step = self.resolution.seconds
        t = np.concatenate([np.arange(o, c, step, dtype=np.int64) for _, o, c in self.sessions])
        columns = _random_walk(rng, len(t))
        columns["t"] = t
        bounds = np.cumsum([0] + [(c - o) // step for _, o, c in self.sessions])
        return [
            SymbolDay.from_columns(
                symbol=symbol,
                day=day,
                resolution=self.resolution,
                columns={name: column[a:b] for name, column in columns.items()},
            )
            for (day, _, _), a, b in zip(self.sessions, bounds[:-1], bounds[1:], strict=True)
        ]


def _random_walk(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    close = np.round(100.0 * np.exp(np.cumsum(rng.normal(0.0, 2e-4, count))), 2)
    open_ = np.concatenate([[close[0]], close[:-1]])
    high = np.round(np.maximum(open_, close) + rng.uniform(0.0, 0.05, count), 2)
    low = np.round(np.minimum(open_, close) - rng.uniform(0.0, 0.05, count), 2)
    volume = rng.integers(0, 5_000, count).astype(np.float64)
    trades = rng.integers(1, 60, count)
    vwap = np.round((high + low) / 2, 4)
    return {"o": open_, "h": high, "l": low, "c": close, "v": volume, "n": trades, "vw": vwap}


def datasets() -> list[Dataset]:
    calendar = MarketCalendar.xnys()
    sessions = tuple(
        (day, _epoch(calendar.session_open(day)), _epoch(calendar.session_close(day)))
        for day in calendar.sessions_in_range(date(YEAR, 1, 1), date(YEAR, 12, 31))
    )
    minute_symbols = tuple(_ticker(i) for i in range(100))
    return [
        Dataset("1s x 1 symbol-year", Resolution.SECOND, ("SPY",), sessions),
        Dataset("1m x 100 symbol-years", Resolution.MINUTE, minute_symbols, sessions),
    ]


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def _ticker(i: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "S" + letters[i // 26] + letters[i % 26]


def _january(dataset: Dataset) -> Dataset:
    symbols = dataset.symbols[:MONGODB_SYMBOLS]
    sessions = tuple(session for session in dataset.sessions if session[0].month == 1)
    unit = "symbol-month" if len(symbols) == 1 else "symbol-months"
    name = f"{dataset.resolution.value} x {len(symbols)} {unit}, January only"
    return Dataset(name, dataset.resolution, symbols, sessions)


SMALLER_CASES: dict[str, Callable[[Dataset], Dataset]] = {MONGODB: _january}
"""Stores measured on a smaller case of each dataset; the case name says which."""


# Each store in STORES


@dataclass(frozen=True)
class StoreFigures:
    bulk_s: float
    daily_ms: float
    range_bars_per_s: float
    day_ms: float
    disk_mb: float


def measure_store(factory: StoreFactory, dataset: Dataset, folder: Path) -> StoreFigures:
    store = factory(folder, "simulation")
    bulk_s = 0.0
    for symbol in dataset.symbols:
        days = dataset.symbol_year(symbol)
        started = time.perf_counter()
        store.save_days(days)
        bulk_s += time.perf_counter() - started
    return StoreFigures(
        bulk_s=bulk_s,
        daily_ms=_daily_write_ms(factory(folder, "optimization"), dataset),
        range_bars_per_s=_load_range_rate(store, dataset),
        day_ms=_load_day_ms(store, dataset),
        disk_mb=_disk_mb(folder / "prices" / "simulation"),
    )


def _daily_write_ms(store: PriceStore, dataset: Dataset) -> float:
    # The nightly collector's path: one save_day per session, each merged into its month file.
    days = dataset.symbol_year(dataset.symbols[0])
    started = time.perf_counter()
    for bars in days:
        store.save_day(bars)
    return 1e3 * (time.perf_counter() - started) / len(days)


def _load_range_rate(store: PriceStore, dataset: Dataset) -> float:
    first, last = dataset.sessions[0][0], dataset.sessions[-1][0]
    best = float("inf")
    for _ in range(LOAD_RANGE_REPEATS):
        started = time.perf_counter()
        loaded = sum(
            len(store.load_range(symbol, first, last, dataset.resolution))
            for symbol in dataset.symbols
        )
        best = min(best, time.perf_counter() - started)
    assert loaded == dataset.bars, (loaded, dataset.bars)
    return dataset.bars / best


def _load_day_ms(store: PriceStore, dataset: Dataset) -> float:
    rng = np.random.default_rng(SEED)
    timings = []
    for _ in range(LOAD_DAY_SAMPLES):
        symbol = dataset.symbols[int(rng.integers(len(dataset.symbols)))]
        day = dataset.sessions[int(rng.integers(len(dataset.sessions)))][0]
        started = time.perf_counter()
        store.load_day(symbol, day, dataset.resolution)
        timings.append(time.perf_counter() - started)
    return 1e3 * statistics.median(timings)


def _disk_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


# The baseline: TC2's original one-string-per-candle documents


@dataclass(frozen=True)
class BaselineFigures:
    bars: int
    write_bars_per_s: float
    load_bars_per_s: float
    day_ms: float


def measure_baseline(dataset: Dataset, folder: Path) -> BaselineFigures:
    sample = _baseline_sample(dataset)
    bars = sum(len(day) for day in sample)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    paths = [_original_save(day, folder) for day in sample]
    write_s = time.perf_counter() - started
    timings = []
    for path, day in zip(paths, sample, strict=True):
        started = time.perf_counter()
        loaded = _original_load(path)
        timings.append(time.perf_counter() - started)
        assert np.array_equal(loaded["t"], day.t) and np.array_equal(loaded["c"], day.c)
    return BaselineFigures(
        bars=bars,
        write_bars_per_s=bars / write_s,
        load_bars_per_s=bars / sum(timings),
        day_ms=1e3 * statistics.median(timings),
    )


def _baseline_sample(dataset: Dataset) -> list[SymbolDay]:
    days: list[SymbolDay] = []
    for day in dataset.symbol_year(dataset.symbols[0]):
        if sum(len(d) for d in days) >= BASELINE_BARS:
            break
        days.append(day)
    return days


def _original_save(bars: SymbolDay, folder: Path) -> Path:
    rows = zip(
        *(getattr(bars, name).tolist() for name in ("t", "o", "h", "l", "c", "v")), strict=True
    )
    candles = [
        SEPARATOR.join(
            [datetime.fromtimestamp(t, NEW_YORK).strftime(ORIGINAL_TIME_FORMAT), *map(str, ohlcv)]
        )
        for t, *ohlcv in rows
    ]
    path = folder / f"{bars.symbol}_{bars.day}.json"
    document = {"symbol": bars.symbol, "date": bars.day.isoformat(), "candles": candles}
    path.write_text(json.dumps(document))
    return path


def _original_load(path: Path) -> dict[str, np.ndarray]:
    document = json.loads(path.read_text())
    columns: list[list[float]] = [[], [], [], [], [], []]
    for candle in document["candles"]:
        moment, *ohlcv = candle.split(SEPARATOR)
        local = datetime.strptime(moment, ORIGINAL_TIME_FORMAT).replace(tzinfo=NEW_YORK)
        columns[0].append(local.timestamp())
        for column, text in zip(columns[1:], ohlcv, strict=True):
            column.append(float(text))
    names = ("t", "o", "h", "l", "c", "v")
    arrays = {name: np.array(values) for name, values in zip(names, columns, strict=True)}
    arrays["t"] = arrays["t"].astype(np.int64)
    return arrays


# Report


def report(store_name: str, dataset: Dataset, store: StoreFigures, base: BaselineFigures) -> None:
    case = f"{store_name}: {dataset.name} ({dataset.bars / 1e6:.2f} M bars)"
    lines: list[tuple[str, float, str, float | None]] = [
        ("save_days_total", round(store.bulk_s, 2), "s", None),
        ("save_days", round(dataset.bars / store.bulk_s), "bars/s", round(base.write_bars_per_s)),
        ("save_day_one_at_a_time", round(store.daily_ms, 2), "ms/day", None),
        (
            "load_range_symbol_year",
            round(store.range_bars_per_s),
            "bars/s",
            round(base.load_bars_per_s),
        ),
        ("load_day_median", round(store.day_ms, 3), "ms", None),
        ("disk", round(store.disk_mb, 1), "MB", None),
    ]
    for metric, value, unit, peer_value in lines:
        emit(
            bench=BENCH,
            case=case,
            metric=metric,
            value=value,
            unit=unit,
            peer=PEER if peer_value is not None else None,
            peer_value=peer_value,
        )


def report_baseline(dataset: Dataset, base: BaselineFigures) -> None:
    # The peer's own figures; its load_day latency has no ratio line (lower is better there).
    case = f"{PEER}: {dataset.name} (sample of {base.bars:,} bars)"
    for metric, value, unit in (
        ("save", round(base.write_bars_per_s), "bars/s"),
        ("load_and_parse", round(base.load_bars_per_s), "bars/s"),
        ("load_day_median", round(base.day_ms, 3), "ms"),
    ):
        emit(bench=BENCH, case=case, metric=metric, value=value, unit=unit)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tc2-bench-store-") as tmp:
        for dataset in datasets():
            baseline = measure_baseline(dataset, Path(tmp) / "baseline")
            report_baseline(dataset, baseline)
            for name, factory in STORES.items():
                case = SMALLER_CASES[name](dataset) if name in SMALLER_CASES else dataset
                try:
                    figures = measure_store(factory, case, Path(tmp) / name)
                finally:
                    _stop_mongodb_servers()
                report(name, case, figures, baseline)
                shutil.rmtree(Path(tmp) / name)
            shutil.rmtree(Path(tmp) / "baseline")


if __name__ == "__main__":
    main()
