"""``LiveRun``: one strategy run driven bar by bar as a market delivers the bars.

A live run is the simulator's run (``StrategyRun``: feeds, sealed env, kernel, viability gate,
flattening, record) fed incrementally. It starts from the warm-up history (the sessions before
the day, as ``simulate_day`` loads them: ``StrategySimulator.warmup_history``) and ``advance``
appends each completed bar to the feeds and moves the run to the time given, through the same
code as a simulation:

- before the start, ``is_viable`` is polled every 30 s of the run's clock inside the strategy's
  active windows (``StrategyRun.poll_viability``, the simulator's gate); the models gate it too
  when a ``gate`` is given (``StrategySimulator.gate``);
- once started, ``ReplayKernel.run`` steps the events of the bars known so far: fills by the
  fill model at bar ends, ``on_order_update``, the wake rules, ``on_bar``;
- a day run stops ``LIQUIDATE_BEFORE_CLOSE_S`` (15 minutes) before the close, early closes
  included, or when the strategy stops itself, and is flattened: market orders filling on the
  following bars, what is left at the close closed at the last close (``finish``).

So a replay of a stored session through ``advance`` trades exactly the fills ``simulate_day``
trades on it (``tests/integration/test_backtest_equals_replay.py``), however the bars are
batched: ``advance(now_t, bars)`` handles every event up to ``now_t`` one by one.

The one rule for the caller: by ``advance(now_t, ...)`` every bar ending at or before ``now_t``
has been given (in this call or an earlier one). A bar given later than that (its end is not
after the run's clock any more) is dropped and counted in ``late_bars``: showing it now would
move the clock backward. Bars of other symbols or resolutions, and bars outside the session's
regular hours, are ignored (``ignored_bars``), as the simulator never loads them.

Every order the strategy or the flattening places goes through a ``RecordingAccount``: recorded
(``TradeRecorder.order_intended``) with a deterministic client order id before the account sees
it; fills and status changes are recorded after each ``advance``; the run is recorded by
``run_started`` (at construction) and ``run_ended`` (``finish``).

The account (``MarketAccount``) is the replay market's ``VirtualAccount`` by default (orders
filled by the fill model on each arriving bar, as in a simulation), or a broker's through
``BrokerMarket`` (``account=``): nothing fills on a bar there, the broker's fills (its
``drain_updates``) reach ``on_order_update`` at the next ``advance``, and the flattening's
market orders are left working at the broker when the run finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, time
from enum import StrEnum
from typing import Any

import numpy as np

from tc2.analysis.models import TrainedModel
from tc2.data.providers.stream import StreamBar
from tc2.data.store import BarSeries
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import DataError, ExecutionError, ValidationFailed
from tc2.execution.account import Account
from tc2.execution.market import MarketAccount
from tc2.execution.recording_account import RecordingAccount
from tc2.execution.risk_account import RiskAccount
from tc2.execution.trade_records import RunStart, TradeRecorder, TradingMode
from tc2.execution.trading_schedule import day_stop_t
from tc2.simulation.kernel import USER_SIGNAL
from tc2.simulation.records import RunRecord
from tc2.simulation.run_settings import (
    LIQUIDATED_BEFORE_CLOSE,
    SimulationSettings,
)
from tc2.simulation.simulator import day_windows
from tc2.simulation.strategy_run import StrategyRun, bar_ends, viability_checks
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols, run_resolution

NOT_A_SESSION_MESSAGE = "{day} is not a trading session"
FUTURE_BAR_MESSAGE = (
    "a bar of {symbol} starting at {t} ends at {end_t}, after the time given ({now_t}): "
    "a live run takes completed bars only"
)
BACKWARD_MESSAGE = "a live run moves forward only: it is at {current}, was asked for {requested}"
FINISHED_MESSAGE = "the run of {strategy} is finished; start a new one"
WRONG_HISTORY_MESSAGE = "history of {symbol} is {given} bars, the run trades on {wanted} bars"

ModelGate = Callable[[StrategyRun, date], None]
"""Lets the run's analysis models judge its symbols for a day (``StrategySimulator.gate``)."""


class Phase(StrEnum):
    """Where a live run stands."""

    WAITING = "waiting"  # polling is_viable in the active windows
    RUNNING = "running"  # started: the kernel steps the strategy
    LIQUIDATING = "liquidating"  # stopped: the flattening orders fill on the coming bars
    ENDED = "ended"  # never viable, or a swing run past its close: waits for finish
    FINISHED = "finished"  # finish returned the record


class LiveRun:
    """One strategy run on one session, advanced as its bars complete.

    Parameters
    ----------
    strategy_class, symbols, params, settings, models
        As a ``DayRequest``: the strategy, its symbols (resolved as the simulator does), its
        parameters, the account's settings (fill model, cash, margin, shorting, resolution) and
        the trained models it may require.
    exec_env
        The run's environment (its calendar gives the session's hours).
    day
        The session traded (New York date).
    history
        The bars before the session by symbol, oldest first, at the run's resolution
        (``StrategySimulator.warmup_history``); a symbol left out starts with none.
    recorder
        Where the run, its orders and its fills are recorded.
    run_key
        Names the run stably across restarts (batch, strategy, symbols, day); seeds the
        deterministic client order ids.
    batch_id
        The program start (or job) the run belongs to.
    mode
        ``REPLAY`` on the replay market.
    start_time
        New York time before which the run does not start (as ``DayRequest.start_time``).
    gate
        Lets the strategy's analysis models judge its symbols (``StrategySimulator.gate``);
        None runs without model filters.
    account
        Where orders go: None for the replay market's ``VirtualAccount`` of ``settings``, or a
        broker's ``BrokerMarket`` (with ``mode`` ``PAPER`` or ``LIVE``), or a function making
        that account from the run's id (a broker records its orders under the run, whose id
        exists only once the run is recorded here).
    risk
        Wraps the recording facade in the trader's ``RiskAccount`` (outside it, so a refused
        order is never an intent); its ``enforce`` runs at every ``advance``. None: no limits.

    Raises
    ------
    ValidationFailed
        If ``day`` is not a session, or the resolution or a parameter is invalid.
    ConfigurationError
        If a required trained model is missing; ``LookAheadError`` if one saw the day.
    DataError
        If a history is at another resolution.
    """

    def __init__(
        self,
        *,
        strategy_class: type[Strategy],
        symbols: Sequence[str],
        settings: SimulationSettings,
        exec_env: ExecEnv,
        day: date,
        history: Mapping[str, BarSeries],
        recorder: TradeRecorder,
        run_key: str,
        batch_id: str,
        params: Mapping[str, Any] | None = None,
        models: Mapping[tuple[str, str], TrainedModel] | None = None,
        mode: TradingMode = TradingMode.REPLAY,
        start_time: time | None = None,
        gate: ModelGate | None = None,
        account: MarketAccount | Callable[[int], MarketAccount] | None = None,
        risk: Callable[[Account], RiskAccount] | None = None,
    ) -> None:
        calendar = exec_env.calendar
        if not calendar.is_session(day):
            message = NOT_A_SESSION_MESSAGE.format(day=day)
            raise ValidationFailed(message, {"day": [message]})
        self.day = day
        self.open_t = int(calendar.session_open(day).timestamp())
        self.close_t = int(calendar.session_close(day).timestamp())
        chosen = resolve_symbols(strategy_class, symbols)
        self.resolution = run_resolution(strategy_class, settings.resolution)
        self.step = self.resolution.seconds
        bars = {}
        for symbol in chosen:
            series = history.get(symbol) or BarSeries.empty(symbol, self.resolution)
            if series.resolution is not self.resolution:
                raise DataError(
                    WRONG_HISTORY_MESSAGE.format(
                        symbol=symbol,
                        given=series.resolution.value,
                        wanted=self.resolution.value,
                    )
                )
            bars[symbol] = series
        self.recorder = recorder
        self.run_id = recorder.run_started(
            RunStart(
                batch_id=batch_id,
                strategy=strategy_class.strategy_id(),
                # The parameters as the run uses them (defaults filled in, checked).
                parameters=strategy_class.resolve_params(params),
                mode=mode,
                symbols=chosen,
                # A run the trader picked after the open starts then (its windows begin
                # there), and a reconciliation re-runs it from the same time.
                start_t=self.open_t
                if start_time is None
                else max(self.open_t, new_york_epoch(day, start_time)),
                settings=settings.to_dict(),
            )
        )
        self._run: StrategyRun | None = None
        facades: list[RecordingAccount] = []
        self.risk_account: RiskAccount | None = None
        if callable(account):
            account = account(self.run_id)

        def recording(market: MarketAccount) -> Account:
            facade = RecordingAccount(
                market, recorder=recorder, run_id=self.run_id, run_key=run_key, now=self._clock_t
            )
            facades.append(facade)
            if risk is None:
                return facade
            self.risk_account = risk(facade)
            return self.risk_account

        self.run = StrategyRun(
            strategy_class=strategy_class,
            symbols=chosen,
            params=params,
            bars=bars,
            settings=settings,
            exec_env=exec_env,
            day=day,
            models=dict(models or {}),
            orders=recording,
            account=account,
        )
        self._run = self.run
        self.orders: RecordingAccount = facades[0]
        if gate is not None:
            gate(self.run, day)
        self.kind = self.run.strategy.kind
        self.stop_t = day_stop_t(self.close_t) if self.kind is StrategyKind.DAY else self.close_t
        windows = day_windows(strategy_class, day, start_time, self.open_t, self.stop_t)
        self._checks = iter(viability_checks(windows))
        self._next_check: int | None = next(self._checks, None)
        self.phase = Phase.WAITING
        self.late_bars = 0
        self.ignored_bars = 0
        self.record: RunRecord | None = None

    # -- the run's clock --------------------------------------------------------------------

    @property
    def now_t(self) -> int:
        """The run's clock (epoch s): the latest time it was advanced to (or an event in it)."""
        return self.run.env.now_t

    @property
    def started(self) -> bool:
        """Whether the strategy started (became viable)."""
        return self.run.started_t is not None

    def _clock_t(self) -> int:
        return self._run.env.now_t if self._run is not None else self.open_t

    # -- driving ----------------------------------------------------------------------------

    def advance(self, now_t: int, bars: Iterable[StreamBar] = ()) -> None:
        """Take the completed ``bars`` and run everything that happens up to ``now_t``.

        Every bar ending at or before ``now_t`` must have been given by now (this call or an
        earlier one). Viability checks, strategy events, fills and liquidation happen at their
        own times within ``(previous now_t, now_t]``, in order.

        Raises
        ------
        DataError
            If a bar ends after ``now_t``.
        ExecutionError
            If the run is finished, or ``now_t`` is before the run's clock.
        StrategyError, LookAheadError
            As a simulation: the strategy failed or peeked ahead.
        """
        if self.phase is Phase.FINISHED:
            raise ExecutionError(FINISHED_MESSAGE.format(strategy=self.run.strategy.strategy_id()))
        if now_t < self.now_t:
            raise ExecutionError(BACKWARD_MESSAGE.format(current=self.now_t, requested=now_t))
        self._append(bars, now_t)
        run = self.run
        if self.risk_account is not None:
            canceled = self.risk_account.enforce()  # HALTED: nothing of the run keeps working
            if canceled:
                self.orders.sync()
        if self.phase is Phase.WAITING:
            self._poll(now_t)
        if self.phase is Phase.RUNNING:
            until = min(now_t, self.stop_t)
            run.kernel.run(stop_t=until)
            if run.strategy.running:
                run.kernel.deliver_updates()  # a broker's fills between bar events
            if not run.strategy.running:
                self._stop(None)
            elif until == self.stop_t:
                self._stop(LIQUIDATED_BEFORE_CLOSE)
        if self.phase is Phase.LIQUIDATING:
            run.fill_flatten_orders(min(now_t, self.close_t))
            run.account.drain_updates()  # a broker's fills of them: the ledger, no hooks
        if now_t > self.now_t and self.phase is not Phase.RUNNING:
            # Marks and equity follow the market; nothing else happens between events.
            run.kernel.advance_to(now_t)
        self.orders.sync()

    def liquidate(self, reason: str) -> None:
        """Stop the strategy now and flatten (a stop request, a force-exit, the program ending).

        A run that has not started will not start; one that is already liquidating or ended is
        left as it is.
        """
        if self.phase is Phase.WAITING:
            strategy = self.run.strategy
            strategy.running = False
            strategy.stop_reason = reason
            self.phase = Phase.ENDED
        elif self.phase is Phase.RUNNING:
            self._stop(reason)
        self.orders.sync()

    def finish(self, end_t: int | None = None) -> RunRecord:
        """End the run at ``end_t`` (default the close) and return its record.

        A day run not flat yet is flattened first (its market orders fill on the bars known up
        to ``end_t``; what is left is closed at the last close). The record is the simulator's
        ``RunRecord``; the recorder gets the last fills and ``run_ended``.

        Raises
        ------
        ExecutionError
            If the run is finished already.
        """
        if self.phase is Phase.FINISHED:
            raise ExecutionError(FINISHED_MESSAGE.format(strategy=self.run.strategy.strategy_id()))
        run = self.run
        end_t = max(self.close_t if end_t is None else end_t, self.now_t)
        if run.started_t is None and run.strategy.running:
            run.never_viable()
        record = run.finish(
            end_t=end_t, session_seconds=self.close_t - self.open_t, end_day=self.day
        )
        self.orders.sync()
        for order in run.account.orders:
            if not self.orders.knows(order.client_order_id):
                self.orders.adopt(order)  # closed at the last close by the account itself
        self.recorder.run_ended(self.run_id, end_t=end_t, reason=record.stop_reason)
        self.phase = Phase.FINISHED
        self.record = record
        return record

    # -- internals --------------------------------------------------------------------------

    def _poll(self, now_t: int) -> None:
        """The viability checks due by ``now_t``, as ``StrategyRun.start_when_viable``."""
        run = self.run
        if self.open_t <= now_t and run.env.now_t < self.open_t:
            run.kernel.advance_to(self.open_t)  # as simulate_day, before its first check
        while self._next_check is not None and self._next_check <= now_t:
            viable = run.poll_viability(self._next_check)
            if viable:
                self.phase = Phase.RUNNING
                return
            if viable is None:
                self._next_check = None
                break
            self._next_check = next(self._checks, None)
        if self._next_check is None and self.open_t <= now_t:
            run.never_viable()
            self.phase = Phase.ENDED

    def _stop(self, reason: str | None) -> None:
        run = self.run
        run.stop_strategy(reason)
        if self.kind is StrategyKind.DAY:
            run.begin_flatten()
            self.phase = Phase.LIQUIDATING
        else:
            self.phase = Phase.ENDED

    def _append(self, bars: Iterable[StreamBar], now_t: int) -> None:
        """Grow the feeds by the completed bars; refresh what was computed over them."""
        step = self.step
        feeds = self.run.port.feeds
        fresh: dict[str, list[StreamBar]] = {}
        for bar in bars:
            if bar.resolution is not self.resolution or bar.symbol not in feeds:
                self.ignored_bars += 1
                continue
            end_t = bar.t + step
            if end_t > now_t:
                raise DataError(
                    FUTURE_BAR_MESSAGE.format(symbol=bar.symbol, t=bar.t, end_t=end_t, now_t=now_t)
                )
            if bar.t < self.open_t or end_t > self.close_t:
                self.ignored_bars += 1  # outside the regular session, as the simulator loads
                continue
            fresh.setdefault(bar.symbol, []).append(bar)
        clock_t = self.now_t
        for symbol, given in fresh.items():
            feed = feeds[symbol]
            last_end = feed.t_end_list[-1] if feed.n else -1
            kept = []
            for bar in sorted(given, key=lambda item: item.t):
                if bar.t < last_end or bar.t + step <= clock_t:
                    self.late_bars += 1  # a duplicate, or too late to be shown in order
                    continue
                kept.append(bar)
                last_end = bar.t + step
            if not kept:
                continue
            series = _series(symbol, self.resolution, kept, self.day)
            feed.grow(series, t_end=bar_ends(series, self.run.port.env.exec_env.calendar))
            self.run.account.attach(symbol, feed.bars)
            signals = self.run.port.wake_signals.get(symbol)
            if signals:
                self.run.port.wake_signals[symbol] = [
                    entry if entry[1] is USER_SIGNAL else feed.signal(entry[0]) for entry in signals
                ]


def _series(symbol: str, resolution: Any, bars: Sequence[StreamBar], day: date) -> BarSeries:
    return BarSeries(
        symbol=symbol,
        resolution=resolution,
        t=np.array([bar.t for bar in bars], dtype=np.int64),
        o=np.array([bar.o for bar in bars]),
        h=np.array([bar.h for bar in bars]),
        l=np.array([bar.l for bar in bars]),
        c=np.array([bar.c for bar in bars]),
        v=np.array([bar.v for bar in bars]),
        days=(day,),
    )
