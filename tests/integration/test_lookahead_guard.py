"""The statistical guard: trading on the next bars through every public path cannot beat chance.

The shared SPY minutes of 2011 (a NinjaTrader export) are imported through TC2's own file import
(``save_bar_file``, what an upload runs) into a store of their own, and each session is simulated
as a user would. ``Peeker`` buys one share at the end of bar *i* (filled at bar *i+1*'s open,
backtrader fills) and sells it at the end of bar *i+1* (filled at *i+2*'s open) whenever it
believes the open will rise, trying every public path to the bars after now first: the arrays
behind ``env.bars`` and strides past them, user indicators and signals that read ahead, the open
bar and later ones, moving the env's clock, the account, and every array reachable from its env.
Whatever it fails to learn, it flips a seeded coin. Its winning round trips must stay within a
binomial bound of 50 %; the same strategy handed the future by this test (``FUTURE``) must win
nearly all of them, which shows the guard can fail.
"""

from __future__ import annotations

import contextlib
import gc
import math
import random
import shutil
import sys
import types
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from tc2.analysis.signals import Series, Signal
from tc2.data.bars import FloatArray, Resolution
from tc2.data.import_journal import ImportJournal
from tc2.data.price_stores import price_store_for
from tc2.data.search import BoolArray
from tc2.data.store import BarSeries, PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.clock import EpochClock
from tc2.env.exec_env import ExecEnv
from tc2.errors import LookAheadError
from tc2.program.data_jobs import journal_folder, parse_import_options, save_bar_file
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.base import Strategy
from tc2.strategy.env import Bar

SPY_MINUTES = Path(__file__).resolve().parents[3] / "shared" / "data" / "market"
SPY_FILE = SPY_MINUTES / "nt-spy-minute-2011.csv"
SETTINGS = SimulationSettings(fill_model="backtrader", starting_cash=100_000.0)
Z = 4.0  # standard deviations allowed either side of 50 %


@dataclass(frozen=True)
class OpenAhead(Series):
    """The open ``bars`` bars later: look-ahead, as a user might write it."""

    bars: int

    def compute(self, bars: BarSeries) -> FloatArray:
        out = np.full(len(bars), np.nan)
        out[: len(bars) - self.bars] = bars.o[self.bars :]
        return out


@dataclass(frozen=True)
class OpenRisesNext(Signal):
    """Fires where the open two bars on is above the next one's: look-ahead."""

    def compute(self, bars: BarSeries, memo: dict[object, np.ndarray] | None = None) -> BoolArray:
        fired = np.zeros(len(bars), dtype=np.bool_)
        fired[:-2] = bars.o[2:] > bars.o[1:-1]
        return fired


class Peeker(Strategy):
    """Buys when it believes the next-but-one open beats the next; sells one bar later."""

    resolution = Resolution.MINUTE
    default_symbols = ("SPY",)
    FUTURE: ClassVar[dict[int, float] | None] = None  # bar start -> open, the control's oracle
    peeks: ClassVar[list[str]] = []  # what the public paths gave away (must stay empty)

    def on_start(self) -> None:
        self.coin = random.Random(self.env.trading_day.toordinal())
        self.holding = False
        self.arrays = _arrays_reachable_from(self.env)
        with contextlib.suppress(LookAheadError):
            self.env.wake_on("SPY", OpenRisesNext())

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.holding:
            self.sell(symbol, 1)
            self.holding = False
            return
        if self.env.account.open_orders(symbol):
            return
        step = 60
        next_t, after_t = self.env.now_t, self.env.now_t + step
        opens = self._oracle(next_t, after_t) or self._peek(symbol, next_t, after_t)
        rises = opens[1] > opens[0] if opens else self.coin.random() < 0.5
        if rises:
            self.buy(symbol, 1)
            self.holding = True

    def _oracle(self, next_t: int, after_t: int) -> tuple[float, float] | None:
        future = type(self).FUTURE
        if future is None or next_t not in future or after_t not in future:
            return None
        return future[next_t], future[after_t]

    def _peek(self, symbol: str, next_t: int, after_t: int) -> tuple[float, float] | None:
        """Every public path to the next two opens; None when all of them refuse."""
        env = self.env
        found: tuple[float, float] | None = None
        bars = env.bars(symbol)
        base = bars.o.base if bars.o.base is not None else bars.o
        beyond = np.lib.stride_tricks.as_strided(bars.o, shape=(base.shape[0],))[len(bars) :]
        if beyond.size >= 2 and np.isfinite(beyond[:2]).all():
            found = self._peeked("bars().o past its end", beyond[0], beyond[1])
        try:
            ahead = env.indicator(symbol, OpenAhead(1)), env.indicator(symbol, OpenAhead(2))
            if all(math.isfinite(value) for value in ahead):
                found = self._peeked("a user indicator reading ahead", *ahead)
        except LookAheadError:
            pass
        for ask in (
            lambda: env.bar_at(symbol, next_t),
            lambda: env.bars_between(symbol, next_t, after_t + 60),
        ):
            try:
                ask()
                self._peeked("a bar that has not ended answered")
            except LookAheadError:
                pass
        try:
            # Whatever it says is computed on the bars so far; trusted as if it knew.
            if found is None and env.fired(symbol, OpenRisesNext()):
                found = (0.0, 1.0)
        except LookAheadError:
            pass
        env._now_t = after_t + 60  # type: ignore[attr-defined]
        try:
            later = env.bars_between(symbol, next_t, after_t + 60)
            if len(later) >= 2:
                found = self._peeked("a moved env clock", float(later.o[0]), float(later.o[1]))
        except LookAheadError:
            pass
        finally:
            env._now_t = next_t  # type: ignore[attr-defined]
        if hasattr(env.account, "next_fill_index") or hasattr(env, "feeds"):
            self._peeked("the engine's fill search or feeds")
        for t_column, o_column in self.arrays:
            hits = np.flatnonzero(t_column == after_t)
            if hits.size and hits[0] >= 1 and np.isfinite(o_column[hits[0]]):
                k = hits[0]
                found = self._peeked(
                    "an array reachable from the env", o_column[k - 1], o_column[k]
                )
        return found

    def _peeked(self, path: str, *opens: float) -> tuple[float, float] | None:
        type(self).peeks.append(path)
        return (float(opens[0]), float(opens[1])) if len(opens) == 2 else None


def _arrays_reachable_from(root: object) -> list[tuple[np.ndarray, np.ndarray]]:
    """(times, opens) of every bar-like pair of arrays reachable from ``root`` by references."""
    skip = {id(vars(module)) for module in list(sys.modules.values()) if module is not None}
    seen: set[int] = set()
    stack = [root]
    series = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or id(obj) in skip or isinstance(obj, type | types.ModuleType):
            continue
        seen.add(id(obj))
        if isinstance(obj, MarketCalendar):
            continue
        if hasattr(obj, "t") and hasattr(obj, "o") and isinstance(obj.t, np.ndarray):
            series.append(obj)
        stack.extend(gc.get_referents(obj))
    return [(s.t.base if s.t.base is not None else s.t, s.o) for s in series]


@pytest.fixture(scope="module")
def spy_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[PriceStore, list[date]]:
    if not SPY_FILE.exists():
        pytest.fail(f"the shared SPY minutes are missing at {SPY_FILE}")
    folder = tmp_path_factory.mktemp("guard")
    upload = folder / "nt-spy-minute-2011.csv.upload"
    shutil.copy(SPY_FILE, upload)
    store = price_store_for(EnvType.LIVE, data_dir=folder / "data")
    options = parse_import_options({"format": "ninjatrader", "symbol": "SPY"})
    summary = save_bar_file(
        upload,
        options=options,
        store=store,
        journal=ImportJournal(journal_folder(upload)),
        progress=lambda *_: None,
    )
    calendar = MarketCalendar.xnys()
    days = calendar.sessions_in_range(
        date.fromisoformat(summary["first_day"]), date.fromisoformat(summary["last_day"])
    )
    assert summary["sessions"] == len(days) >= 20, summary
    return store, days


def _win_rate(store: PriceStore, days: list[date], oracle: bool) -> tuple[int, int]:
    calendar = MarketCalendar.xnys()
    simulator = StrategySimulator(
        store=store,
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    )
    wins = trades = 0
    for day in days[1:]:  # the first session is the second's warm-up
        if oracle:
            bars = simulator.sessions.session("SPY", day, Resolution.MINUTE)
            assert bars is not None
            Peeker.FUTURE = dict(zip(bars.t.tolist(), bars.o.tolist(), strict=True))
        record = simulator.simulate_day(
            DayRequest(strategy_class=Peeker, symbols=("SPY",), day=day, settings=SETTINGS)
        )
        moved = [pnl for pnl in record.trade_pnls if abs(pnl) > 1e-9]
        wins += sum(pnl > 0 for pnl in moved)
        trades += len(moved)
    return wins, trades


def test_peeking_at_the_next_bars_through_every_public_path_does_not_beat_chance(
    spy_store: tuple[PriceStore, list[date]],
) -> None:
    store, days = spy_store
    Peeker.FUTURE = None
    Peeker.peeks = []
    wins, trades = _win_rate(store, days, oracle=False)
    assert Peeker.peeks == []
    assert trades >= 1000
    bound = Z * math.sqrt(trades) / 2
    assert abs(wins - trades / 2) <= bound, f"{wins} wins of {trades} trades"


def test_the_same_strategy_handed_the_future_wins_nearly_every_trade(
    spy_store: tuple[PriceStore, list[date]],
) -> None:
    store, days = spy_store
    Peeker.peeks = []
    try:
        wins, trades = _win_rate(store, days, oracle=True)
    finally:
        Peeker.FUTURE = None
    assert trades >= 1000
    assert wins / trades >= 0.95, f"{wins} wins of {trades} trades"
    assert wins - trades / 2 > Z * math.sqrt(trades) / 2  # far outside the bound above
