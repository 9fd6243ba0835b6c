"""The replay kernel: runs one strategy over recorded bars, event by event, never bar by bar.

Time only moves to the end of a bar where something happens: an order can fill (the fill model's
vectorised search says where), a signal the strategy waits for fires, a price level it sleeps on
is crossed, a time it asked for is reached, or (for strategies that do not sleep) simply the next
bar. Bars in between cost nothing in Python. At each event the kernel

1. makes every bar that has ended by then visible (and nothing later: the clock-gated data of
   ``SimulationEnv`` refuses the rest with ``LookAheadError``),
2. fills the orders that the bars ending now fill,
3. tells the strategy about market-driven order changes (``on_order_update``),
4. calls ``on_bar`` for each symbol woken now. An order event is itself a wake-up: when the
   strategy sleeps again in ``on_order_update``, the bar reaches ``on_bar`` only if it meets
   those new conditions.

An order placed at the end of bar *i* can fill from bar *i+1* on, as in backtrader.
"""

from __future__ import annotations

import bisect
import gc
import math
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.analysis.models import TrainedModel
from tc2.analysis.signals import Memo, Series, Signal
from tc2.data.bars import Resolution
from tc2.data.search import first_index
from tc2.data.store import BarSeries
from tc2.env.clock import EpochClock
from tc2.env.exec_env import ExecEnv
from tc2.errors import DataError, LookAheadError, StrategyError, TC2Error
from tc2.execution.virtual_account import VirtualAccount
from tc2.strategy.base import Strategy
from tc2.strategy.env import Bar, StrategyEnv

FUTURE_BARS_MESSAGE = (
    "look-ahead: asked for bars of {symbol} up to {end_t}, but the time is {now_t}; "
    "only bars that have ended are visible"
)
OPEN_BAR_MESSAGE = (
    "look-ahead: the bar of {symbol} starting at {t} ends at {end_t}, after the time {now_t}; "
    "its close is not known yet"
)
UNKNOWN_SYMBOL_MESSAGE = "{symbol} is not one of this run's symbols ({symbols})"
STRATEGY_FAILED_MESSAGE = "strategy {strategy} failed in {hook}: {error}"
NEVER = math.inf
# Fill searches look at least this many bars ahead, however near the next wake-up: a strategy
# woken at every bar then costs one vectorised search per 1,024 bars, not one per bar.
MIN_FILL_SEARCH = 1024

IntArray = npt.NDArray[np.int64]
SignalEntry = tuple[Signal, npt.NDArray[np.bool_], list[int]]
"""A signal, whether it fires per bar, and the sorted bar indices where it fires."""


class Feed:
    """One symbol's bars in a run, and how many of them have ended (``cursor``)."""

    __slots__ = (
        "bars",
        "c",
        "cursor",
        "events",
        "h",
        "l",
        "memo",
        "n",
        "o",
        "signals",
        "symbol",
        "t",
        "t_end",
        "t_end_list",
        "v",
    )

    def __init__(
        self, symbol: str, bars: BarSeries, step: int, *, t_end: IntArray | None = None
    ) -> None:
        # ``t_end``: when each bar ends, where that is not ``step`` after its start (a daily
        # bar ends at its session's close).
        least = step if t_end is None else 1
        if len(bars) > 1 and not bool(np.all(np.diff(bars.t) >= least)):
            raise DataError(
                f"bars of {symbol} must start at increasing times at least {least} s apart"
            )
        self.symbol = symbol
        self.bars = bars
        self.t = bars.t
        self.n = len(bars.t)
        self.t_end: IntArray = bars.t + step if t_end is None else np.asarray(t_end, np.int64)
        # Scalar searches (one per event) are faster with bisect on a list than through numpy.
        self.t_end_list: list[int] = self.t_end.tolist()
        self.o, self.h, self.l, self.c, self.v = bars.o, bars.h, bars.l, bars.c, bars.v
        self.cursor = 0
        # Keyed by identity: hashing a nested spec on every event costs more than the event.
        self.signals: dict[int, SignalEntry] = {}
        self.memo: Memo = {}  # indicator and signal arrays of these bars, computed once

    def __len__(self) -> int:
        return self.n

    def bar(self, j: int) -> Bar:
        return Bar(
            int(self.t[j]),
            float(self.o[j]),
            float(self.h[j]),
            float(self.l[j]),
            float(self.c[j]),
            float(self.v[j]),
        )

    def slice(self, start: int, stop: int) -> BarSeries:
        b = self.bars
        return BarSeries(
            symbol=self.symbol,
            resolution=b.resolution,
            t=b.t[start:stop],
            o=b.o[start:stop],
            h=b.h[start:stop],
            l=b.l[start:stop],
            c=b.c[start:stop],
            v=b.v[start:stop],
        )

    def signal(self, signal: Signal) -> SignalEntry:
        """The signal, where it fires per bar, and the sorted indices where it fires."""
        entry = self.signals.get(id(signal))
        if entry is None:
            fired = signal.compute(self.bars, self.memo)
            # The spec is kept in the entry, so its id cannot be reused while cached.
            entry = self.signals[id(signal)] = (signal, fired, np.flatnonzero(fired).tolist())
        return entry


@dataclass(slots=True)
class _Wake:
    """What wakes the strategy next; rebuilt at every wake-up."""

    slept: bool = False
    until_t: float = NEVER
    above: dict[str, float] | None = None
    below: dict[str, float] | None = None


class SimulationEnv(StrategyEnv):
    """``StrategyEnv`` over recorded bars, gated by the kernel's clock."""

    def __init__(
        self,
        *,
        exec_env: ExecEnv,
        account: VirtualAccount,
        clock: EpochClock,
        feeds: Mapping[str, Feed],
        resolution: Resolution,
        trading_day: date,
        models: Mapping[tuple[str, str], TrainedModel] | None = None,
    ) -> None:
        super().__init__(exec_env=exec_env, account=account, resolution=resolution, models=models)
        self.virtual_account = account  # the same account, typed for the kernel's calls
        self.clock = clock
        self.feeds = dict(feeds)
        self.step = resolution.seconds
        self._trading_day = trading_day
        self.wake = _Wake()
        self.wake_signals: dict[str, list[SignalEntry]] = {}

    @property
    def now_t(self) -> int:
        return self.clock.t

    @property
    def trading_day(self) -> date:
        return self._trading_day

    def _feed(self, symbol: str) -> Feed:
        feed = self.feeds.get(symbol)
        if feed is None:
            raise StrategyError(
                UNKNOWN_SYMBOL_MESSAGE.format(symbol=symbol, symbols=", ".join(self.feeds))
            )
        return feed

    def last_bar(self, symbol: str) -> Bar | None:
        feed = self._feed(symbol)
        return feed.bar(feed.cursor - 1) if feed.cursor else None

    def bars(self, symbol: str, count: int | None = None) -> BarSeries:
        feed = self._feed(symbol)
        start = 0 if count is None else max(feed.cursor - count, 0)
        return feed.slice(start, feed.cursor)

    def bars_between(self, symbol: str, start_t: int, end_t: int) -> BarSeries:
        feed = self._feed(symbol)
        if end_t > self.clock.t:
            raise LookAheadError(
                FUTURE_BARS_MESSAGE.format(symbol=symbol, end_t=end_t, now_t=self.clock.t)
            )
        start = int(np.searchsorted(feed.t, start_t, "left"))
        stop = int(np.searchsorted(feed.t_end, end_t, "right"))
        return feed.slice(start, max(start, stop))

    def bar_at(self, symbol: str, t: int) -> Bar | None:
        feed = self._feed(symbol)
        j = int(np.searchsorted(feed.t, t, "left"))
        found = j < len(feed) and feed.t[j] == t
        end_t = int(feed.t_end[j]) if found else t + self.step
        if end_t > self.clock.t:
            raise LookAheadError(
                OPEN_BAR_MESSAGE.format(symbol=symbol, t=t, end_t=end_t, now_t=self.clock.t)
            )
        return feed.bar(j) if found else None

    def indicator(self, symbol: str, series: Series) -> float:
        feed = self._feed(symbol)
        values = feed.memo.get(series)
        if values is None:
            values = feed.memo[series] = series.compute(feed.bars)
        return float(values[feed.cursor - 1]) if feed.cursor else math.nan

    def fired(self, symbol: str, signal: Signal) -> bool:
        feed = self.feeds.get(symbol) or self._feed(symbol)
        entry = feed.signals.get(id(signal)) or feed.signal(signal)
        return bool(entry[1][feed.cursor - 1]) if feed.cursor else False

    def sleep(
        self,
        *,
        until_t: int | None = None,
        above: float | None = None,
        below: float | None = None,
        symbol: str | None = None,
    ) -> None:
        wake = self.wake
        wake.slept = True
        if until_t is not None and until_t < wake.until_t:
            wake.until_t = until_t
        if above is None and below is None:
            return
        if symbol is None:
            if len(self.feeds) != 1:
                raise StrategyError("sleep(above=/below=) needs symbol= with several symbols")
            symbol = next(iter(self.feeds))
        self._feed(symbol)
        if above is not None:
            wake.above = wake.above or {}
            wake.above[symbol] = min(above, wake.above.get(symbol, NEVER))
        if below is not None:
            wake.below = wake.below or {}
            wake.below[symbol] = max(below, wake.below.get(symbol, -NEVER))

    def wake_on(self, symbol: str, signal: Signal) -> None:
        entry = self._feed(symbol).signal(signal)
        signals = self.wake_signals.setdefault(symbol, [])
        if all(existing[0] is not signal for existing in signals):
            signals.append(entry)


@contextmanager
def _collecting_young_objects_only() -> Iterator[None]:
    """Keep the garbage collector to objects made during the run.

    A run allocates orders, fills and lists by the ten thousand, and each full collection would
    walk every object the process already holds (pandas alone brings some 10^5): ~10 % of a
    replay. Frozen objects are only skipped, not kept alive, and are thawed when the run ends.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class ReplayKernel:
    """Runs a strategy in a ``SimulationEnv`` from ``start_t`` until it stops or ``stop_t``.

    Parameters
    ----------
    strategy
        The strategy, built on ``env``.
    env
        Its simulation env (feeds, account, clock).
    """

    def __init__(self, *, strategy: Strategy, env: SimulationEnv) -> None:
        self.strategy = strategy
        self.env = env
        self.account = env.virtual_account
        self.feeds = list(env.feeds.values())
        self.events = 0
        self._exposed_since: int | None = None
        self.exposure_seconds = 0.0

    def advance_to(self, t: int) -> None:
        """Make every bar ended by ``t`` visible and move the clock (no fills, no hooks)."""
        self.env.clock.set(t)
        self.account.set_time(t)
        for feed in self.feeds:
            cursor = bisect.bisect_right(feed.t_end_list, t, feed.cursor)
            if cursor != feed.cursor:
                feed.cursor = cursor
                self.account.mark(feed.symbol, float(feed.c[cursor - 1]))

    def call(self, hook: str, function: Callable[..., Any], *args: Any) -> Any:
        """Call strategy code through the guard: crashes become ``StrategyError``."""
        try:
            return function(*args)
        except TC2Error:
            raise
        except Exception as error:
            detail = "".join(traceback.format_exception_only(error)).strip()
            raise StrategyError(
                STRATEGY_FAILED_MESSAGE.format(
                    strategy=self.strategy.strategy_id(), hook=hook, error=detail
                )
            ) from error

    def run(self, *, stop_t: int) -> None:
        """Replay events until the strategy stops or the clock reaches ``stop_t``."""
        with _collecting_young_objects_only():
            while self.strategy.running:
                t = self._next_event_t()
                if t > stop_t:
                    self.advance_to(stop_t)
                    return
                self._step(int(t))

    def _step(self, t: int) -> None:
        self.events += 1
        self.advance_to(t)
        account = self.account
        at_bar: list[tuple[Feed, int]] = []
        for feed in self.feeds:
            j = feed.cursor - 1
            if j >= 0 and feed.t_end_list[j] == t:
                at_bar.append((feed, j))
                account.execute_bar(feed.symbol, j)
        self._track_exposure(t)
        env = self.env
        strategy = self.strategy
        updates = account.drain_updates()
        if updates:
            # An order event is a wake-up: what the strategy sleeps on from here decides
            # whether this bar also reaches on_bar.
            env.wake = _Wake()
            for order in updates:
                self.call("on_order_update", strategy.on_order_update, order)
                if not strategy.running:
                    return
        woken = [(feed, j) for feed, j in at_bar if self._wakes(feed, j, t)]
        if not woken:
            return
        env.wake = _Wake()
        for feed, j in woken:
            self.call("on_bar", strategy.on_bar, feed.symbol, feed.bar(j))
            if not strategy.running:
                return

    def _wakes(self, feed: Feed, j: int, t: int) -> bool:
        wake = self.env.wake
        if not wake.slept or t >= wake.until_t:
            return True
        symbol = feed.symbol
        for _, fired, _ in self.env.wake_signals.get(symbol, ()):
            if fired[j]:
                return True
        if wake.above is not None and feed.h[j] >= wake.above.get(symbol, NEVER):
            return True
        return wake.below is not None and feed.l[j] <= wake.below.get(symbol, -NEVER)

    def _next_event_t(self) -> float:
        best = NEVER
        wake = self.env.wake
        next_fill_index = self.account.next_fill_index
        for feed in self.feeds:
            k = feed.cursor
            n = feed.n
            if k >= n:
                continue
            # Cheapest first: each answer bounds the searches after it.
            j = self._next_scheduled_wake(feed, k, n, wake)
            fill = next_fill_index(feed.symbol, k, min(n, max(j + 1, k + MIN_FILL_SEARCH)))
            if 0 <= fill < j:
                j = fill
            j = self._next_level_wake(feed, k, j, wake)
            if j < n and feed.t_end_list[j] < best:
                best = feed.t_end_list[j]
        return best

    def _next_scheduled_wake(self, feed: Feed, k: int, n: int, wake: _Wake) -> int:
        """The first bar from k on that wakes the strategy by time or signal, else ``n``."""
        if not wake.slept:
            return k
        best = n
        if wake.until_t != NEVER:
            best = bisect.bisect_left(feed.t_end_list, wake.until_t, k, best)
        for _, _, events in self.env.wake_signals.get(feed.symbol, ()):
            p = bisect.bisect_left(events, k)
            if p < len(events) and events[p] < best:
                best = events[p]
        return best

    def _next_level_wake(self, feed: Feed, k: int, stop: int, wake: _Wake) -> int:
        """The first bar in [k, stop) trading at a level the strategy sleeps on, else ``stop``."""
        best = stop
        symbol = feed.symbol
        if wake.above is not None and symbol in wake.above:
            level = wake.above[symbol]
            hit = first_index(lambda i, e: feed.h[i:e] >= level, k, best)
            if hit >= 0:
                best = hit
        if wake.below is not None and symbol in wake.below:
            level = wake.below[symbol]
            hit = first_index(lambda i, e: feed.l[i:e] <= level, k, best)
            if hit >= 0:
                best = hit
        return best

    def _track_exposure(self, t: int) -> None:
        holding = self.account.holds_positions
        if holding and self._exposed_since is None:
            self._exposed_since = t
        elif not holding and self._exposed_since is not None:
            self.exposure_seconds += t - self._exposed_since
            self._exposed_since = None

    def close_exposure(self, t: int) -> None:
        """Count exposure up to ``t`` (the end of the run)."""
        if self._exposed_since is not None:
            self.exposure_seconds += t - self._exposed_since
            self._exposed_since = t
