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
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.analysis.grades import ModelGrade
from tc2.analysis.signals import Memo, Series, Signal
from tc2.data.bars import Resolution
from tc2.data.search import first_index
from tc2.data.store import BarSeries
from tc2.env.clock import EpochClock
from tc2.errors import DataError, LookAheadError, StrategyError, TC2Error
from tc2.execution.account import Account
from tc2.execution.market import MarketAccount
from tc2.simulation.causal import PrefixValues, computed_by_engine, evaluate_on_prefix
from tc2.simulation.sealed_env import ACTIVE_PORT, SimulationEnv
from tc2.strategy.base import Strategy
from tc2.strategy.env import Bar

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
USER_SIGNAL: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
"""In place of the per-bar array of a user signal, which is asked at each bar instead."""


def _empty_columns(capacity: int) -> tuple[np.ndarray, ...]:
    """t, o, h, l, c, v columns of ``capacity`` rows not shown yet (zeros and NaN)."""
    return (np.zeros(capacity, dtype=np.int64), *(np.full(capacity, np.nan) for _ in range(5)))


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
        "seen_columns",
        "seen_count",
        "signals",
        "symbol",
        "t",
        "t_end",
        "t_end_list",
        "user",
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
        # The bars the strategy has been shown, copied out of the run's arrays as they end, so
        # no array it is given (nor its ``.base``) holds a later bar; grown by doubling.
        self.seen_columns: tuple[np.ndarray, ...] = _empty_columns(0)
        self.seen_count = 0
        self.user: dict[int, PrefixValues] = {}  # user specs by identity: values on the prefix

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

    def seen(self, start: int, stop: int) -> BarSeries:
        """Bars ``start``..``stop`` (ended ones), as read-only views of the copy shown so far."""
        if stop > self.seen_count:
            self._show_up_to(stop)
        t, o, h, l, c, v = self.seen_columns  # noqa: E741
        return BarSeries(
            symbol=self.symbol,
            resolution=self.bars.resolution,
            t=t[start:stop],
            o=o[start:stop],
            h=h[start:stop],
            l=l[start:stop],
            c=c[start:stop],
            v=v[start:stop],
        )

    def _show_up_to(self, stop: int) -> None:
        shown = self.seen_count
        columns = self.seen_columns
        if stop > columns[0].shape[0]:
            capacity = max(64, 1 << (stop - 1).bit_length())
            grown = _empty_columns(capacity)
            for new, old in zip(grown, columns, strict=True):
                new[:shown] = old[:shown]
            columns = self.seen_columns = grown
        sources = (self.t, self.o, self.h, self.l, self.c, self.v)
        for column, source in zip(columns, sources, strict=True):
            column[shown:stop] = source[shown:stop]
        self.seen_count = stop

    def user_values(self, spec: Series | Signal, now_t: int) -> np.ndarray:
        """A user spec's values on the bars ended so far, checked for look-ahead (``causal``)."""
        known = self.user.get(id(spec))
        if known is not None and known.count == self.cursor:
            return known.values
        # The entry keeps the spec, so its id cannot be reused while cached.
        known = self.user[id(spec)] = evaluate_on_prefix(
            spec, self.seen(0, self.cursor), known, now_t=now_t
        )
        return known.values

    def grow(self, bars: BarSeries, *, t_end: IntArray | None = None) -> None:
        """Append ``bars`` (later than every bar held) as they complete in a live run.

        The caches computed over the held bars (``memo``, ``signals``) are dropped and computed
        again over the longer series on their next use. Indicators and signals are causal, so
        the values of earlier bars do not change: only bars that have ended are ever appended,
        and the cursor never passes a bar whose end is after the run's clock.

        Raises
        ------
        DataError
            If a new bar starts before the end of the last bar held, or the new bars are not
            ``step`` apart.
        """
        if not len(bars):
            return
        step = self.bars.resolution.seconds
        if self.n and int(bars.t[0]) < int(self.t_end[-1]):
            raise DataError(
                f"bars of {self.symbol} must grow forward: a bar starting at {int(bars.t[0])} "
                f"comes before the end of the last one held ({int(self.t_end[-1])})"
            )
        least = step if t_end is None else 1
        if len(bars) > 1 and not bool(np.all(np.diff(bars.t) >= least)):
            raise DataError(
                f"bars of {self.symbol} must start at increasing times at least {least} s apart"
            )
        added_end = bars.t + step if t_end is None else np.asarray(t_end, np.int64)
        held = self.bars
        self.bars = BarSeries(
            symbol=self.symbol,
            resolution=held.resolution,
            **{
                name: np.concatenate((getattr(held, name), getattr(bars, name)))
                for name in ("t", "o", "h", "l", "c", "v")
            },
            days=(*held.days, *(day for day in bars.days if day not in held.days)),
        )
        self.t = self.bars.t
        self.n = len(self.t)
        self.t_end = np.concatenate((self.t_end, added_end))
        self.t_end_list.extend(added_end.tolist())
        grown = self.bars
        self.o, self.h, self.l, self.c, self.v = grown.o, grown.h, grown.l, grown.c, grown.v
        self.memo = {}
        self.signals = {}

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


class ReplayPort:
    """The engine's side of a strategy's ``SimulationEnv``: feeds, account, clock, wake-ups.

    The strategy never holds this object (``tc2.simulation.sealed_env`` says why); its env and
    account reach it through ``ACTIVE_PORT`` while a hook runs, and what it hands back is the
    past only.
    """

    def __init__(
        self,
        *,
        env: SimulationEnv,
        token: object,
        account: MarketAccount,
        clock: EpochClock,
        feeds: Mapping[str, Feed],
        resolution: Resolution,
        orders: Account | None = None,
    ) -> None:
        self.env = env
        self.token = token
        # What the strategy's orders go through (a recording facade in live runs), and the
        # account that fills them on the bars (``market``, the engine's side).
        self.account: Account = account if orders is None else orders
        self.market = account
        self.clock = clock
        self.feeds = dict(feeds)
        self.step = resolution.seconds
        self.wake = _Wake()
        self.wake_signals: dict[str, list[SignalEntry]] = {}
        # Set by the simulator when the run's analysis models judge: (model, symbol) -> grade.
        self.grader: Callable[[str, str], ModelGrade | None] | None = None

    @property
    def now_t(self) -> int:
        return self.clock.t

    @contextmanager
    def published(self) -> Iterator[None]:
        """Let the strategy's env and account answer while strategy code runs outside a hook."""
        active = ACTIVE_PORT.set(self)
        try:
            yield
        finally:
            ACTIVE_PORT.reset(active)

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

    def bars(self, symbol: str, count: int | None) -> BarSeries:
        feed = self._feed(symbol)
        start = 0 if count is None else max(feed.cursor - count, 0)
        return feed.seen(start, feed.cursor)

    def bars_between(self, symbol: str, start_t: int, end_t: int) -> BarSeries:
        feed = self._feed(symbol)
        if end_t > self.clock.t:
            raise LookAheadError(
                FUTURE_BARS_MESSAGE.format(symbol=symbol, end_t=end_t, now_t=self.clock.t)
            )
        seen_t = feed.t[: feed.cursor]
        start = int(np.searchsorted(seen_t, start_t, "left"))
        stop = int(np.searchsorted(seen_t, end_t - self.step, "right"))
        return feed.seen(start, max(start, stop))

    def bar_at(self, symbol: str, t: int) -> Bar | None:
        feed = self._feed(symbol)
        # Only the bars already shown are searched: a bar that has not ended is not there.
        j = int(np.searchsorted(feed.t[: feed.cursor], t, "left"))
        found = j < feed.cursor and feed.t[j] == t
        end_t = int(feed.t_end[j]) if found else t + self.step
        if end_t > self.clock.t:
            raise LookAheadError(
                OPEN_BAR_MESSAGE.format(symbol=symbol, t=t, end_t=end_t, now_t=self.clock.t)
            )
        return feed.bar(j) if found else None

    def indicator(self, symbol: str, series: Series) -> float:
        feed = self._feed(symbol)
        if not feed.cursor:
            return math.nan
        if not computed_by_engine(series):
            return float(feed.user_values(series, self.clock.t)[feed.cursor - 1])
        values = feed.memo.get(series)
        if values is None:
            values = feed.memo[series] = series.compute(feed.bars)
        return float(values[feed.cursor - 1])

    def fired(self, symbol: str, signal: Signal) -> bool:
        feed = self.feeds.get(symbol) or self._feed(symbol)
        if not feed.cursor:
            return False
        entry = feed.signals.get(id(signal))
        if entry is None:
            if not computed_by_engine(signal):
                return bool(feed.user_values(signal, self.clock.t)[feed.cursor - 1])
            entry = feed.signal(signal)
        return bool(entry[1][feed.cursor - 1])

    def sleep(
        self,
        *,
        until_t: int | None,
        above: float | None,
        below: float | None,
        symbol: str | None,
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
        feed = self._feed(symbol)
        if computed_by_engine(signal):
            entry = feed.signal(signal)
        else:
            # User code never sees later bars, so it cannot say in advance where it fires:
            # the kernel asks it at the end of every bar (``USER_SIGNAL`` marks the entry).
            if feed.cursor:
                feed.user_values(signal, self.clock.t)  # refuse look-ahead at once
            entry = (signal, USER_SIGNAL, [])
        signals = self.wake_signals.setdefault(symbol, [])
        if all(existing[0] is not signal for existing in signals):
            signals.append(entry)

    def model_grade(self, name: str, symbol: str) -> ModelGrade | None:
        return self.grader(name, symbol) if self.grader is not None else None


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
    """Runs a strategy from ``start_t`` until it stops or ``stop_t``.

    Parameters
    ----------
    strategy
        The strategy, built on the ``SimulationEnv`` of ``port``.
    port
        The engine's side of that env (feeds, account, clock).
    """

    def __init__(self, *, strategy: Strategy, port: ReplayPort) -> None:
        self.strategy = strategy
        self.port = port
        self.account = port.market
        self.feeds = list(port.feeds.values())
        self.clock = port.clock
        self.env = port.env
        self.events = 0
        self._exposed_since: int | None = None
        self.exposure_seconds = 0.0

    def advance_to(self, t: int) -> None:
        """Make every bar ended by ``t`` visible and move the clock (no fills, no hooks)."""
        self.clock.set(t)
        self.env._now_t = t  # what the strategy reads; the port gates on its own clock
        self.account.set_time(t)
        for feed in self.feeds:
            cursor = bisect.bisect_right(feed.t_end_list, t, feed.cursor)
            if cursor != feed.cursor:
                feed.cursor = cursor
                self.account.mark(feed.symbol, float(feed.c[cursor - 1]))

    def deliver_updates(self) -> None:
        """Hand the strategy the order changes its account reported outside the bar events
        (a broker's fills, which arrive on their own); the virtual account has none then."""
        updates = self.account.drain_updates()
        if not updates:
            return
        self.port.wake = _Wake()
        for order in updates:
            self.call("on_order_update", self.strategy.on_order_update, order)
            if not self.strategy.running:
                return

    def call(self, hook: str, function: Callable[..., Any], *args: Any) -> Any:
        """Call strategy code through the guard: crashes become ``StrategyError``.

        Only here is the run's port published, so the strategy's env answers during its hooks.
        """
        active = ACTIVE_PORT.set(self.port)
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
        finally:
            ACTIVE_PORT.reset(active)

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
        port = self.port
        strategy = self.strategy
        updates = account.drain_updates()
        if updates:
            # An order event is a wake-up: what the strategy sleeps on from here decides
            # whether this bar also reaches on_bar.
            port.wake = _Wake()
            for order in updates:
                self.call("on_order_update", strategy.on_order_update, order)
                if not strategy.running:
                    return
        woken = [(feed, j) for feed, j in at_bar if self._wakes(feed, j, t)]
        if not woken:
            return
        port.wake = _Wake()
        for feed, j in woken:
            self.call("on_bar", strategy.on_bar, feed.symbol, feed.bar(j))
            if not strategy.running:
                return

    def _wakes(self, feed: Feed, j: int, t: int) -> bool:
        wake = self.port.wake
        if not wake.slept or t >= wake.until_t:
            return True
        symbol = feed.symbol
        for signal, fired, _ in self.port.wake_signals.get(symbol, ()):
            if fired is USER_SIGNAL:
                # Asked at the end of bar j (the cursor is j + 1), through the guard.
                if self.call("a wake_on signal", self._user_fired, feed, signal):
                    return True
            elif fired[j]:
                return True
        if wake.above is not None and feed.h[j] >= wake.above.get(symbol, NEVER):
            return True
        return wake.below is not None and feed.l[j] <= wake.below.get(symbol, -NEVER)

    def _user_fired(self, feed: Feed, signal: Signal) -> bool:
        return bool(feed.user_values(signal, self.port.clock.t)[feed.cursor - 1])

    def _next_event_t(self) -> float:
        best = NEVER
        wake = self.port.wake
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
        for _, fired, events in self.port.wake_signals.get(feed.symbol, ()):
            if fired is USER_SIGNAL:
                return k
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
