"""What a trader is built from: the runs it plans, where it keeps them, where its bars come from.

A trader (``DayTrader``) takes its dependencies injected, so its loop is tested with fakes and
the program wires the real ones (``webpanel.trading.traders``):

- ``TraderJournal``: the runs the trader decided to start in a session (``PlannedRun``), written
  *before* the run exists. After a crash the restarted trader reads them back and re-creates
  each run with the same ``run_key`` (so the same client order ids) and the same start time,
  then catches it up on the session's bars so far (``DayTrader`` docstring).
  ``RedisJournal`` keeps them in Redis (which outlives a trader process), ``MemoryJournal`` in
  memory.
- ``BarSource``: the session's completed bars up to a time. ``StoreBarSource`` reads a stored
  session (the replay market plays stored sessions, so a bar is complete once the replay clock
  passes its end: exactly what the replay stream publishes); a live market reads the stream
  cache.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol

import numpy as np

from tc2.data.adjustments import Adjustment
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.stream import StreamBar
from tc2.data.store import BarSeries, DayNotOnFile, PriceStore
from tc2.env import ExecEnv
from tc2.env.market_calendar import NEW_YORK
from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    RunStart,
    TradeFill,
    TradeRecorder,
    TradingMode,
)
from tc2.logs import FeedLogger

JOURNAL_TTL_S = 8 * 24 * 3600  # a week of sessions is enough to resume any crash


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRun:
    """A run a trader decided to start, journaled before it is created.

    Parameters
    ----------
    run_key
        Names the run across restarts; seeds its client order ids.
    strategy
        The strategy's registered id.
    symbols
        What the run trades (the chosen pair's symbol, or a fixed-symbols strategy's set).
    day
        The session (New York date).
    session
        The session's label: the day, plus the replay's pass over it (``2026-11-10#2``).
    start_t
        The trader's clock when it chose the run (epoch s): the run's windows begin there, so
        a run never acts on a past it was not there for.
    """

    run_key: str
    strategy: str
    symbols: tuple[str, ...]
    day: date
    session: str
    start_t: int

    @property
    def start_time(self) -> time:
        """``start_t`` as New York wall time (``LiveRun``'s ``start_time``)."""
        return datetime.fromtimestamp(self.start_t, UTC).astimezone(NEW_YORK).time()

    def to_json(self) -> str:
        document = asdict(self)
        document["day"] = self.day.isoformat()
        document["symbols"] = list(self.symbols)
        return json.dumps(document)

    @classmethod
    def from_json(cls, raw: str | bytes) -> PlannedRun:
        document = json.loads(raw)
        return cls(
            run_key=str(document["run_key"]),
            strategy=str(document["strategy"]),
            symbols=tuple(document["symbols"]),
            day=date.fromisoformat(document["day"]),
            session=str(document["session"]),
            start_t=int(document["start_t"]),
        )


def planned_run_key(*, batch_id: str, strategy: str, symbols: Sequence[str], session: str) -> str:
    """The run key of a strategy's run on ``symbols`` in ``session`` of a program start."""
    return f"{batch_id}:{session}:{strategy}:{'+'.join(symbols)}"


class TraderJournal(Protocol):
    """Where a trader writes the runs it starts, before it starts them."""

    def planned(self, session: str) -> list[PlannedRun]:
        """The runs planned in ``session``, in the order they were planned."""
        ...

    def plan(self, run: PlannedRun) -> None:
        """Write ``run`` (a known ``run_key`` changes nothing)."""
        ...

    def open_sessions(self) -> list[str]:
        """Sessions with planned runs that were not closed (``close``), oldest first."""
        ...

    def close(self, session: str) -> None:
        """Mark ``session``'s runs finished and consolidated."""
        ...


class MemoryJournal:
    """A ``TraderJournal`` in memory (unit tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: dict[str, list[PlannedRun]] = {}
        self.closed: set[str] = set()

    def planned(self, session: str) -> list[PlannedRun]:
        with self._lock:
            return list(self.runs.get(session, ()))

    def plan(self, run: PlannedRun) -> None:
        with self._lock:
            runs = self.runs.setdefault(run.session, [])
            if all(known.run_key != run.run_key for known in runs):
                runs.append(run)

    def open_sessions(self) -> list[str]:
        with self._lock:
            return [label for label in self.runs if label not in self.closed]

    def close(self, session: str) -> None:
        with self._lock:
            self.closed.add(session)


class RedisJournal:
    """A ``TraderJournal`` in Redis: one list per trader, program start and session.

    Parameters
    ----------
    env
        The trader's environment (its Redis and key namespace).
    trader
        The trader's name (``day``, ``swing``).
    batch_id
        The program start: a new start plans its own runs.
    """

    def __init__(self, env: ExecEnv, *, trader: str, batch_id: str) -> None:
        self.env = env
        self.trader = trader
        self.batch_id = batch_id

    def _key(self, session: str) -> str:
        return self.env.key("trading", "journal", self.trader, self.batch_id, session)

    def planned(self, session: str) -> list[PlannedRun]:
        raws = self.env.redis.lrange(self._key(session), 0, -1)
        runs: list[PlannedRun] = []
        for raw in raws:
            run = PlannedRun.from_json(raw)
            if all(known.run_key != run.run_key for known in runs):
                runs.append(run)
        return runs

    def plan(self, run: PlannedRun) -> None:
        if any(known.run_key == run.run_key for known in self.planned(run.session)):
            return
        key = self._key(run.session)
        sessions = self._sessions_key()
        pipe = self.env.redis.pipeline(transaction=True)
        pipe.rpush(key, run.to_json())
        pipe.expire(key, JOURNAL_TTL_S)
        # Oldest first: scored by the first run's start.
        pipe.zadd(sessions, {run.session: run.start_t}, nx=True)
        pipe.expire(sessions, JOURNAL_TTL_S)
        pipe.execute()

    def _sessions_key(self) -> str:
        return self.env.key("trading", "journal", self.trader, self.batch_id, "open")

    def open_sessions(self) -> list[str]:
        labels = self.env.redis.zrange(self._sessions_key(), 0, -1)
        return [label.decode() if isinstance(label, bytes) else str(label) for label in labels]

    def close(self, session: str) -> None:
        self.env.redis.zrem(self._sessions_key(), session)


class BarSource(Protocol):
    """A session's completed bars."""

    def completed(
        self, *, symbol: str, day: date, resolution: Resolution, after_t: int, until_t: int
    ) -> list[StreamBar]:
        """The bars of ``symbol`` on ``day`` ending in ``(after_t, until_t]``, oldest first."""
        ...


class StoreBarSource:
    """Completed bars of stored sessions (the replay market's): a bar is complete once the
    clock is past its end. Each session is read once and kept.

    Parameters
    ----------
    store
        Where the sessions are.
    """

    def __init__(self, store: PriceStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._days: dict[tuple[str, date, Resolution], SymbolDay | None] = {}

    def _day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay | None:
        key = (symbol, day, resolution)
        with self._lock:
            if key not in self._days:
                if len(self._days) > 64:
                    self._days.clear()  # sessions move on; keep memory bounded
                try:
                    self._days[key] = self.store.load_day(symbol, day, resolution)
                except DayNotOnFile:
                    self._days[key] = None
            return self._days[key]

    def completed(
        self, *, symbol: str, day: date, resolution: Resolution, after_t: int, until_t: int
    ) -> list[StreamBar]:
        return completed_bars(
            self._day(symbol, day, resolution),
            symbol=symbol,
            resolution=resolution,
            after_t=after_t,
            until_t=until_t,
        )


def completed_bars(
    bars: SymbolDay | None, *, symbol: str, resolution: Resolution, after_t: int, until_t: int
) -> list[StreamBar]:
    """The bars of a day ending in ``(after_t, until_t]``, oldest first, as stream bars."""
    if bars is None or until_t <= after_t:
        return []
    step = resolution.seconds
    ends = bars.t + step
    first = int(np.searchsorted(ends, after_t, "right"))
    last = int(np.searchsorted(ends, until_t, "right"))
    return [
        StreamBar(
            symbol=symbol,
            resolution=resolution,
            t=int(bars.t[i]),
            o=float(bars.o[i]),
            h=float(bars.h[i]),
            l=float(bars.l[i]),
            c=float(bars.c[i]),
            v=float(bars.v[i]),
        )
        for i in range(first, last)
    ]


class LoggedRecorder:
    """A ``TradeRecorder`` that also logs each new fill and each run's end (the trader's feed
    says what it traded, not only the tables)."""

    def __init__(self, recorder: TradeRecorder, *, log: FeedLogger, mode: str) -> None:
        self.inner = recorder
        self._log = log
        self._mode = mode

    def run_started(self, start: RunStart) -> int:
        return self.inner.run_started(start)

    def run_ended(self, run_id: int, *, end_t: int, reason: str) -> None:
        self.inner.run_ended(run_id, end_t=end_t, reason=reason)
        when = datetime.fromtimestamp(end_t, UTC).astimezone(NEW_YORK)
        self._log.info(f"run {run_id} ended at {when:%Y-%m-%d %H:%M:%S} New York: {reason}")

    def order_intended(self, intent: OrderIntent) -> None:
        self.inner.order_intended(intent)

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        self.inner.order_updated(
            client_order_id, status=status, broker_order_id=broker_order_id, reason=reason
        )

    def fill_recorded(self, fill: TradeFill) -> bool:
        new = self.inner.fill_recorded(fill)
        if new:
            when = datetime.fromtimestamp(fill.t, UTC).astimezone(NEW_YORK)
            self._log.info(
                f"{self._mode} fill: {fill.side.value} {fill.qty:g} {fill.symbol} "
                f"@ {fill.price:.4f} at {when:%Y-%m-%d %H:%M:%S} New York "
                f"(run {fill.run_id}, {fill.client_order_id})"
            )
        return new

    def orders_in_flight(self, mode: TradingMode) -> list[OrderIntent]:
        return self.inner.orders_in_flight(mode)


HistorySource = Callable[[str, date, Resolution, Adjustment], BarSeries]
"""The sessions before a day, as a run's warm-up (``StrategySimulator.warmup_history``)."""
