"""The backtrader peer of the SMA-crossover reference strategy (bench/peers/backtrader_sma.py).

Hand-built series check the peer's fills against backtrader's documented matching (an order
submitted on bar i is first matched on bar i + 1; a limit buy fills at the open when
open <= limit, else at the limit when low <= limit; a stop sell at the open when open <= stop,
else at the stop when low <= stop). The real SPY minute bars check a full-size run.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from bench.peers.backtrader_sma import (
    SmaCrossParams,
    run_backtrader_sma,
    run_backtrader_sma_strategy,
)
from bench.peers.spy_minutes import SPY_MINUTE_FILES, load_spy_minutes, tile_bars

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
SPY_FILES = [SHARED_DATA / "market" / name for name in SPY_MINUTE_FILES]

T0 = 1_600_000_020  # 2020-09-13 12:27 UTC, a minute boundary
PARAMS = SmaCrossParams(
    fast=3, slow=6, band=0.0001, entry_offset=0.01, stop_loss=0.02, exit_offset=0.01, qty=100
)


def bt_executed(price: float, qty: int = 100) -> float:
    """backtrader's ``order.executed.price`` of one fill at ``price``: ``(qty * price) / qty``.

    OrderData.addbit keeps a size-weighted average, so the reported price can differ from the
    matched one by an ulp (it is the reported one the protective stop is derived from).
    """
    return (qty * price) / qty


class _Bars:
    """A series built bar by bar; flat bars (o = h = l = c) unless given."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float, float, float]] = []
        self._next_t = T0

    def flat(self, close: float, count: int = 1) -> None:
        for _ in range(count):
            self.bar(close, close, close, close)

    def bar(self, o: float, h: float, l: float, c: float) -> None:  # noqa: E741
        self.rows.append((self._next_t, o, h, l, c))
        self._next_t += 60

    def skip(self, seconds: int) -> None:
        self._next_t += seconds

    def arrays(self) -> tuple[np.ndarray, ...]:
        t = np.array([row[0] for row in self.rows], dtype=np.int64)
        o, h, l, c = (np.array([row[k] for row in self.rows]) for k in range(1, 5))  # noqa: E741
        return t, o, h, l, c, np.full(len(t), 1000.0)


def _run(bars: _Bars, symbol: str = "XYZ") -> list[tuple[int, str, str, int, float]]:
    t, o, h, l, c, v = bars.arrays()  # noqa: E741
    strategy = run_backtrader_sma_strategy(
        t=t, o=o, h=h, l=l, c=c, v=v, symbol=symbol, params=PARAMS
    )
    rows = run_backtrader_sma(t=t, o=o, h=h, l=l, c=c, v=v, symbol=symbol, params=PARAMS)
    assert rows == strategy.fills
    return rows


class HandBuiltSeriesTests:
    def test_two_round_trips_and_a_cancelled_entry(self) -> None:
        bars = _Bars()
        bars.flat(100.0, 10)  # bars 0-9: SMAs equal from bar 5 on, regime stays "none"
        # bar 10: fast 101.03 > slow 100.52: "up" -> limit buy at 103.1 * 0.99 = 102.06899999999999
        bars.flat(103.1)
        bars.bar(103.0, 104.0, 102.5, 103.5)  # 11: low 102.5 above the limit, no fill
        bars.bar(103.5, 104.0, 101.5, 103.0)  # 12: open above, low below: fills at the limit
        for _ in range(13, 20):  # 13-19: protective stop 102.069 * 0.98 = 100.02762 untouched
            bars.bar(104.0, 104.5, 103.5, 104.0)
        # 20: fast 102.83 < slow 103.42: "down" -> stop moved to 100.5 * 0.99 = 99.495
        bars.bar(104.0, 104.0, 100.5, 100.5)
        bars.bar(98.0, 98.5, 97.0, 98.0)  # 21: gaps below the stop: fills at the open, 98
        bars.flat(98.0, 8)  # 22-29
        # 30: fast 99 > slow 98.5: "up" -> limit buy at 101 * 0.99 = 99.99
        bars.flat(101.0)
        bars.skip(17 * 3600)  # a gap in time: bar 31 opens the next morning
        bars.bar(99.0, 100.0, 98.8, 99.5)  # 31: opens below the limit: fills at the open, 99
        for _ in range(32, 40):  # 32-39: protective stop 99 * 0.98 = 97.02 untouched, still "up"
            bars.bar(101.0, 101.5, 100.5, 101.0)
        # 40: low 96.5 reaches the stop (open 101 above it): fills at 97.02; then fast 100.93 <
        # slow 100.97 turns "down" while flat: nothing to do
        bars.bar(101.0, 101.2, 96.5, 100.8)
        bars.flat(100.0, 7)  # 41-47
        bars.flat(103.0)  # 48: "up" -> limit buy at 103 * 0.99 = 101.97
        for _ in range(49, 54):  # 49-53: lows 105.5, no fill
            bars.bar(106.0, 106.5, 105.5, 106.0)
        # 54: fast 104.73 < slow 105.37: "down" with the entry still pending (low 102.2): cancel
        bars.bar(106.0, 106.0, 102.2, 102.2)
        bars.bar(101.0, 101.0, 100.0, 100.5)  # 55: would have filled at the open, 101
        bars.flat(100.5, 4)  # 56-59
        t = bars.arrays()[0]
        assert len(t) == 60

        rows = _run(bars)

        entry = bt_executed(103.1 * (1 - 0.01))
        assert entry == 102.069 != 103.1 * (1 - 0.01)  # the reported price is the averaged one
        assert rows == [
            (int(t[12]), "XYZ", "buy", 100, entry),
            (int(t[21]), "XYZ", "sell", 100, 98.0),
            (int(t[31]), "XYZ", "buy", 100, 99.0),
            (int(t[40]), "XYZ", "sell", 100, bt_executed(99.0 * (1 - 0.02))),
        ]
        assert int(t[31]) - int(t[30]) == 17 * 3600 + 60
        assert all(type(row[0]) is int and type(row[4]) is float for row in rows)

    def test_entry_filled_on_the_bar_the_regime_turns_down(self) -> None:
        """The protective stop submitted that bar is cancelled, not left live beside the exit."""
        bars = _Bars()
        bars.flat(100.0, 10)  # 0-9
        bars.flat(103.0)  # 10: "up" -> limit buy at 101.97
        for _ in range(11, 16):  # 11-15
            bars.bar(106.0, 106.5, 105.5, 106.0)
        # 16: the limit fills at 101.97 (protective stop 101.97 * 0.98 = 99.9306 submitted), and
        # fast 104.6 < slow 105.3 turns "down": that stop is cancelled, exit stop at
        # 101.8 * 0.99 = 100.782
        bars.bar(106.0, 106.0, 101.5, 101.8)
        # 17: opens below the exit stop: fills at the open, 100; the low, 99, would also have
        # reached the protective stop
        bars.bar(100.0, 100.5, 99.0, 99.5)
        bars.flat(99.5, 12)  # 18-29
        t = bars.arrays()[0]

        rows = _run(bars)

        assert rows == [
            (int(t[16]), "XYZ", "buy", 100, bt_executed(103.0 * (1 - 0.01))),
            (int(t[17]), "XYZ", "sell", 100, 100.0),
        ]


class TileBarsTests:
    def test_whole_copies_shifted_to_stay_increasing(self) -> None:
        t = np.array([0, 60, 300], dtype=np.int64)
        columns = (t, *(np.array([1.0, 2.0, 3.0]) * k for k in range(1, 6)))
        tiled = tile_bars(columns, min_bars=7)  # type: ignore[arg-type]
        assert tiled[0].tolist() == [0, 60, 300, 360, 420, 660, 720, 780, 1020]
        assert tiled[1].tolist() == [1.0, 2.0, 3.0] * 3
        assert tiled[5].tolist() == [5.0, 10.0, 15.0] * 3
        assert len(tile_bars(columns, min_bars=2)[0]) == 3  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def spy() -> tuple[np.ndarray, ...]:
    missing = [path for path in SPY_FILES if not path.is_file()]
    if missing:
        pytest.skip(f"the shared SPY minute files are not there: {', '.join(map(str, missing))}")
    return load_spy_minutes(SHARED_DATA)


class SpyMinuteTests:
    def test_loads_both_files_in_time_order(self, spy: tuple[np.ndarray, ...]) -> None:
        t, o, h, l, c, v = spy  # noqa: E741
        assert len(t) == 14_180 + 17_577
        assert t.dtype == np.int64 and o.dtype == np.float64 and v.dtype == np.float64
        assert bool(np.all(np.diff(t) > 0)) and bool(np.all(t % 60 == 0))
        # first row "20110103 090100;126.35;126.39;126.35;126.39;1579" ends at 09:01 UTC
        assert (int(t[0]), o[0], h[0], l[0], c[0], v[0]) == (
            1_294_045_200,
            126.35,
            126.39,
            126.35,
            126.39,
            1579.0,
        )
        assert int(t[-1]) == 1_301_615_880  # "20110331 235900" - 60 s
        assert bool(np.all((l <= o) & (o <= h) & (l <= c) & (c <= h)))

    def test_full_run(self, spy: tuple[np.ndarray, ...]) -> None:
        t, o, h, l, c, v = spy  # noqa: E741
        started = time.perf_counter()
        strategy = run_backtrader_sma_strategy(
            t=t, o=o, h=h, l=l, c=c, v=v, symbol="SPY", params=SmaCrossParams()
        )
        elapsed = time.perf_counter() - started
        rows = strategy.fills
        print(f"backtrader peer on SPY: {len(t)} bars, {len(rows)} fills, {elapsed:.2f} s")

        assert len(rows) >= 100
        index = {int(value): i for i, value in enumerate(t)}
        position = 0
        for k, (bar_t, symbol, side, qty, price) in enumerate(rows):
            assert symbol == "SPY" and qty == 100
            assert side == ("buy" if k % 2 == 0 else "sell")  # entries and exits alternate
            i = index[bar_t]
            assert l[i] - 1e-9 <= price <= h[i] + 1e-9
            position += qty if side == "buy" else -qty
            assert position in (0, 100)
        assert [row[0] for row in rows] == sorted(row[0] for row in rows)
