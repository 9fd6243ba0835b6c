"""``StrategySimulator``: one strategy, its symbols, one session, replayed honestly.

A day simulation loads the session's regular-hours bars (plus ``warmup_days`` earlier sessions
as visible history), checks the strategy's required models were trained before the day,
fast-forwards to the first active window (or ``start_time``), asks ``is_viable`` every 30 s of
virtual time until a symbol is viable or the windows end, then runs the strategy until it stops
or the close. A day strategy is then flattened: market orders fill on the following bars
through the fill model, and whatever is left at the close is closed at the last close. A swing
strategy's positions still open when the run ends are marked to market at the last close, or,
with ``close_at_end``, closed there with fees; the record's ``end_of_run`` says which. The
result is a ``RunRecord``.

``replay`` runs a strategy over bars given directly, as one continuous series (benchmarks, peer
comparisons, swing runs over several sessions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import numpy as np

from tc2.analysis.judge import ModelJudge, known_models
from tc2.analysis.models import TrainedModel, check_trained_before
from tc2.analysis.spot import ModelData
from tc2.data.adjusted_bars import CLOSE_SEARCH_SESSIONS
from tc2.data.adjustments import (
    DEFAULT_ADJUSTMENT,
    Adjustment,
    CorporateAction,
    adjust_columns,
    day_factors,
)
from tc2.data.bars import IntArray, Resolution
from tc2.data.resample import session_hours
from tc2.data.session_cache import SessionCache
from tc2.data.store import BarSeries, PriceStore
from tc2.env.clock import EpochClock
from tc2.env.env_type import EnvType
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import NEW_YORK, MarketCalendar, new_york_epoch
from tc2.errors import ConfigurationError, DataError, ValidationFailed
from tc2.execution.fill_models import DEFAULT_FILL_MODEL, fill_model_named
from tc2.execution.orders import Fill, OrderRequest, OrderType, Side, round_qty
from tc2.execution.virtual_account import DEFAULT_STARTING_CASH, VirtualAccount
from tc2.simulation.kernel import Feed, ReplayKernel, ReplayPort
from tc2.simulation.metrics import DayOutcome
from tc2.simulation.records import (
    IS_VIABLE,
    NotViable,
    RunRecord,
    describe_not_viable,
    fingerprint_of,
    round_trip_pnls,
)
from tc2.simulation.sealed_env import SimulationEnv
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols, run_resolution

VIABILITY_INTERVAL_S = 30  # TC2 re-scored symbols every 30 s of virtual time
DEFAULT_WARMUP_DAYS = 1
NOT_A_SESSION_MESSAGE = "{day} is not a trading session"
MISSING_MODEL_MESSAGE = (
    "{strategy} needs model {name} of {symbol}, which is not available; train it first"
)
NEVER_VIABLE = "never became viable in its active windows"
NO_SESSION_MESSAGE = "no trading session from {start} to {end}"
DAY_NOT_ON_FILE_MESSAGE = (
    "no {resolution} bars of {symbol} on file for {day}; collect or import them first"
)
RANGE_NOT_ON_FILE_MESSAGE = (
    "no {resolution} bars of {symbol} on file from {start} to {end}; collect or import them first"
)
NO_BAR_MESSAGE = (
    "the {resolution} bars of {symbol} on file for {when} hold no bar inside the regular session "
    "(open to close, New York), so the strategy would receive no bar; nothing was run"
)


class EndOfRun(StrEnum):
    """What happened to the positions still open when a run ended."""

    FLATTENED = "flattened_at_close"  # a day strategy: market orders, then the last close
    CLOSED = "closed_at_last_close"  # close_at_end: sold or covered at the last close, with fees
    MARKED = "marked_to_market"  # left open and valued at the last close (no exit fees)


CLOSED_AT_END = "closed at the run's last close (close_at_end)"


def end_of_run(kind: StrategyKind, close_at_end: bool) -> EndOfRun:
    """What a run of a ``kind`` strategy does with the positions it holds at its end."""
    if kind is StrategyKind.DAY:
        return EndOfRun.FLATTENED
    return EndOfRun.CLOSED if close_at_end else EndOfRun.MARKED


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationSettings:
    """How the virtual account behaves: fill model, money, margin, shorting, and what happens
    to the positions a swing run still holds at its end (``close_at_end``).

    Raises
    ------
    ConfigurationError
        If the fill model or one of its options is unknown or out of range.
    """

    fill_model: str = DEFAULT_FILL_MODEL
    participation: float | None = None
    slippage_bps: float | None = None
    starting_cash: float = DEFAULT_STARTING_CASH
    margin: float = 1.0
    allow_short: bool = False
    # The bars the strategy runs on; None: the strategy's own ``resolution``. Checked against
    # what the strategy supports when a run starts (``run_resolution``).
    resolution: Resolution | None = None
    # Whether the strategy's required analysis models gate its start. Off only to test a
    # strategy's mechanics on hand-built days that have no history to warm models from.
    model_filters: bool = True
    close_at_end: bool = False
    # Which corporate actions back-adjust the bars the strategy sees (``adjustments``).
    adjustment: Adjustment = DEFAULT_ADJUSTMENT

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "adjustment", Adjustment(self.adjustment))
        except ValueError:
            choices = ", ".join(member.value for member in Adjustment)
            raise ConfigurationError(
                f"adjustment must be one of {choices}, was {self.adjustment!r}"
            ) from None
        self.new_account()  # validates every field once, at the edge

    def new_account(self) -> VirtualAccount:
        return VirtualAccount(
            fill_model=fill_model_named(
                self.fill_model, participation=self.participation, slippage_bps=self.slippage_bps
            ),
            starting_cash=self.starting_cash,
            margin=self.margin,
            allow_short=self.allow_short,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DayRequest:
    """One day simulation: which strategy, symbols, day and settings."""

    strategy_class: type[Strategy]
    symbols: tuple[str, ...]
    day: date
    params: Mapping[str, Any] | None = None
    settings: SimulationSettings = SimulationSettings()
    warmup_days: int = DEFAULT_WARMUP_DAYS
    start_time: time | None = None  # New York; no earlier than the first active window


@dataclass(frozen=True, slots=True, kw_only=True)
class SpanRequest:
    """One continuous run over a range of sessions (swing strategies)."""

    strategy_class: type[Strategy]
    symbols: tuple[str, ...]
    start: date
    end: date
    params: Mapping[str, Any] | None = None
    settings: SimulationSettings = SimulationSettings()
    warmup_days: int = DEFAULT_WARMUP_DAYS


@dataclass(frozen=True, slots=True)
class SpanResult:
    """A span's run record, what each of its sessions contributed and, for each session before
    the strategy started, why its symbols were not viable (``not_viable``, by day)."""

    record: RunRecord
    days: tuple[DayOutcome, ...]
    not_viable: Mapping[date, tuple[NotViable, ...]]


class StrategySimulator:
    """Simulates strategies on days of bars from a price store.

    Parameters
    ----------
    store
        Where the bars are (a simulation's own namespace or LIVE's, read only).
    calendar
        The exchange calendar.
    exec_env
        The simulation's ``ExecEnv`` (its type and namespace isolate its state).
    models
        Trained models by (name, symbol) the strategies may require.
    """

    def __init__(
        self,
        *,
        store: PriceStore,
        calendar: MarketCalendar,
        exec_env: ExecEnv,
        models: Mapping[tuple[str, str], TrainedModel] | None = None,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.exec_env = exec_env
        self.models = dict(models or {})
        # Sessions read once per simulator: a day's warm-up days are the days before it.
        self.sessions = SessionCache(store, calendar)
        # One judge per set of models and weights, kept for the simulator's life: its cache of
        # day values is what makes warming models cheap day after day.
        self._judges: dict[tuple[object, ...], ModelJudge] = {}
        self._actions: dict[str, tuple[CorporateAction, ...]] = {}  # read once, as sessions

    def simulate_day(self, request: DayRequest) -> RunRecord:
        """Run ``request``; return its record.

        Raises
        ------
        ValidationFailed
            If a parameter is invalid or the day is not a session.
        DataError
            If the day's bars of a symbol are not on file.
        LookAheadError
            If a required model was trained on the day or later, or the strategy peeks ahead.
        StrategyError
            If the strategy's code fails.
        """
        day = request.day
        if not self.calendar.is_session(day):
            raise ValidationFailed(
                NOT_A_SESSION_MESSAGE.format(day=day),
                {"day": [NOT_A_SESSION_MESSAGE.format(day=day)]},
            )
        open_t = int(self.calendar.session_open(day).timestamp())
        close_t = int(self.calendar.session_close(day).timestamp())
        strategy_class = request.strategy_class
        symbols = resolve_symbols(strategy_class, request.symbols)
        resolution = run_resolution(strategy_class, request.settings.resolution)
        bars = {
            symbol: self._bars(
                symbol, day, request.warmup_days, resolution, request.settings.adjustment
            )
            for symbol in symbols
        }
        run = _Run(
            strategy_class=strategy_class,
            symbols=symbols,
            params=request.params,
            bars=bars,
            settings=request.settings,
            exec_env=self.exec_env,
            day=day,
            models=self.models,
        )
        self._gate(run, day)
        windows = self._windows(strategy_class, day, request.start_time, open_t, close_t)
        run.kernel.advance_to(open_t)
        started = run.start_when_viable(windows)
        if started is not None:
            run.kernel.run(stop_t=close_t)
        else:
            run.never_viable()
        return run.finish(end_t=close_t, session_seconds=close_t - open_t, end_day=day)

    def simulate_span(self, request: SpanRequest) -> SpanResult:
        """Run a strategy across the sessions from ``request.start`` to ``request.end``.

        The run is continuous: positions and good-till-canceled orders carry over the nights,
        day orders expire at each close, and nothing is flattened (what a swing strategy
        needs). Until the strategy starts, each session's active windows are polled for
        viability as in ``simulate_day``. A session missing from the store is skipped (its
        bars do not exist for the strategy either).

        Raises
        ------
        ValidationFailed
            If a parameter is invalid or the range holds no session.
        DataError
            If a symbol has no bars on file in the range.
        LookAheadError, StrategyError
            As ``simulate_day``.
        """
        strategy_class = request.strategy_class
        sessions = self.calendar.sessions_in_range(request.start, request.end)
        if not sessions:
            raise ValidationFailed(
                NO_SESSION_MESSAGE.format(start=request.start, end=request.end),
                {"start": [NO_SESSION_MESSAGE.format(start=request.start, end=request.end)]},
            )
        symbols = resolve_symbols(strategy_class, request.symbols)
        resolution = run_resolution(strategy_class, request.settings.resolution)
        if resolution is Resolution.DAY:
            sessions = self._with_kept_days(sessions, symbols, request.start, request.end)
        bars = {
            symbol: self._span_bars(
                symbol, sessions, request.warmup_days, resolution, request.settings.adjustment
            )
            for symbol in symbols
        }
        run = _Run(
            strategy_class=strategy_class,
            symbols=symbols,
            params=request.params,
            bars=bars,
            settings=request.settings,
            exec_env=self.exec_env,
            day=sessions[0],
            models=self.models,
        )
        days = []
        not_viable: dict[date, tuple[NotViable, ...]] = {}
        for day in sessions:
            days.append(self._span_day(run, strategy_class, day, last=day == sessions[-1]))
            if not days[-1].viable and run.started_t is None:
                not_viable[day] = run.not_viable()
        if run.started_t is None:
            run.never_viable()
        last_close = session_hours(sessions[-1], self.calendar)[1]
        record = run.finish(
            end_t=last_close,
            session_seconds=int(sum(day.session_seconds for day in days)),
            end_day=sessions[-1],
            flatten=False,
        )
        return SpanResult(record=record, days=tuple(days), not_viable=not_viable)

    def _with_kept_days(
        self, sessions: Sequence[date], symbols: Sequence[str], start: date, end: date
    ) -> list[date]:
        """The sessions plus the days that are not sessions but hold a daily bar an import kept
        (``non_session=keep``) for one of ``symbols``: a vendor's extra days, traded as sessions
        of 9:30-16:00 New York."""
        kept = {
            day
            for symbol in symbols
            for day in self.sessions.on_file(symbol, Resolution.DAY)
            if start <= day <= end and not self.calendar.is_session(day)
        }
        return sorted({*sessions, *kept})

    def _span_day(
        self, run: _Run, strategy_class: type[Strategy], day: date, *, last: bool
    ) -> DayOutcome:
        open_t, close_t = session_hours(day, self.calendar)
        before = run.snapshot()
        if open_t > run.env.now_t:
            run.kernel.advance_to(open_t)
        viable_today = run.started_t is not None and run.strategy.running
        if run.started_t is None:
            run.begin_day()
            self._gate(run, day)
            windows = self._windows(strategy_class, day, None, open_t, close_t)
            viable_today = run.start_when_viable(windows) is not None
        if run.started_t is not None and run.strategy.running:
            run.kernel.run(stop_t=close_t)
        elif close_t > run.env.now_t:
            run.kernel.advance_to(close_t)
        run.end_session(close_t)
        if last and run.settings.close_at_end:
            run.close_at_last_close(CLOSED_AT_END)  # in the last session's outcome, fees too
        return run.day_outcome_since(
            before, day=day, viable=viable_today, session_seconds=close_t - open_t
        )

    def _gate(self, run: _Run, day: date) -> None:
        """Let the strategy's analysis models judge its symbols for ``day`` (before its start)."""
        strategy = run.strategy
        names = [name for name in strategy.required_models if name in known_models()]
        if not names or not run.settings.model_filters:
            return
        weights = strategy.model_weights()
        key = (tuple(names), tuple(sorted(weights.items())))
        judge = self._judges.get(key)
        if judge is None:
            judge = self._judges[key] = ModelJudge(
                names=names, sessions=self.sessions, weights=weights
            )
        judge.prepare(strategy.symbols, day)
        run.judge = judge

        def model_data(now_t: int) -> ModelData:
            return ModelData(
                store=self.store,
                calendar=self.calendar,
                day=day,
                now_t=now_t,
                sessions=self.sessions,
            )

        run.model_data = model_data
        port = run.port
        port.grader = lambda name, symbol: judge.grade(name, symbol, model_data(port.now_t))

    def _span_bars(
        self,
        symbol: str,
        sessions: Sequence[date],
        warmup_days: int,
        resolution: Resolution,
        adjustment: Adjustment,
    ) -> BarSeries:
        days = list(sessions)
        for _ in range(warmup_days):
            days.insert(0, self.calendar.previous_session(days[0]))
        series = self._load_sessions(symbol, days, resolution, adjustment)
        names = {"resolution": resolution.value, "symbol": symbol}
        if not set(series.days) & set(sessions):
            raise DataError(
                RANGE_NOT_ON_FILE_MESSAGE.format(start=sessions[0], end=sessions[-1], **names)
            )
        first_t = session_hours(sessions[0], self.calendar)[0]
        if not np.any(series.t >= first_t):
            raise DataError(NO_BAR_MESSAGE.format(when=f"{sessions[0]} to {sessions[-1]}", **names))
        return series

    def _bars(
        self,
        symbol: str,
        day: date,
        warmup_days: int,
        resolution: Resolution,
        adjustment: Adjustment,
    ) -> BarSeries:
        days = [day]
        for _ in range(warmup_days):
            days.insert(0, self.calendar.previous_session(days[0]))
        series = self._load_sessions(symbol, days, resolution, adjustment)
        names = {"resolution": resolution.value, "symbol": symbol}
        if day not in series.days:
            raise DataError(DAY_NOT_ON_FILE_MESSAGE.format(day=day, **names))
        if not np.any(series.t >= int(self.calendar.session_open(day).timestamp())):
            raise DataError(NO_BAR_MESSAGE.format(when=day, **names))
        return series

    def _load_sessions(
        self,
        symbol: str,
        days: Sequence[date],
        resolution: Resolution,
        adjustment: Adjustment,
    ) -> BarSeries:
        """The regular-hours bars of the ``days`` on file, joined; missing days are left out.

        Prices are back-adjusted to the last of ``days`` (the run's last session) by the
        symbol's corporate actions that ``adjustment`` selects.
        """
        actions = () if adjustment is Adjustment.RAW else self._actions_of(symbol)
        pieces = []
        loaded = []
        for session in days:
            bars = self.sessions.session(symbol, session, resolution)
            if bars is not None:
                columns = bars.columns()
                if actions:
                    factors = day_factors(
                        actions,
                        day=session,
                        reference=days[-1],
                        adjustment=adjustment,
                        previous_close=lambda action: self._close_before(
                            symbol, action.ex_date, resolution
                        ),
                    )
                    columns = adjust_columns(columns, factors)
                pieces.append(columns)
                loaded.append(session)
        return BarSeries.join(
            symbol=symbol, resolution=resolution, pieces=pieces, optional=frozenset(), days=loaded
        )

    def _actions_of(self, symbol: str) -> tuple[CorporateAction, ...]:
        actions = self._actions.get(symbol)
        if actions is None:
            actions = self._actions[symbol] = self.store.load_actions(symbol)
        return actions

    def _close_before(self, symbol: str, day: date, resolution: Resolution) -> float | None:
        """``adjusted_bars.close_before``'s rule, read through the session cache."""
        session = day
        for _ in range(CLOSE_SEARCH_SESSIONS):
            session = self.calendar.previous_session(session)
            bars = self.sessions.session(symbol, session, resolution)
            if bars is not None and len(bars):
                return float(bars.c[-1])
        return None

    def _windows(
        self,
        strategy_class: type[Strategy],
        day: date,
        start_time: time | None,
        open_t: int,
        close_t: int,
    ) -> list[tuple[int, int]]:
        windows = []
        earliest = open_t if start_time is None else new_york_epoch(day, start_time)
        for window in strategy_class.active_windows:
            start = max(new_york_epoch(day, window.start), open_t, earliest)
            end = min(new_york_epoch(day, window.end), close_t)
            if start < end:
                windows.append((start, end))
        return windows


def replay(
    *,
    strategy_class: type[Strategy],
    bars: Mapping[str, BarSeries],
    params: Mapping[str, Any] | None = None,
    settings: SimulationSettings = SimulationSettings(),
    symbols: Sequence[str] = (),
    exec_env: ExecEnv | None = None,
) -> RunRecord:
    """Run a strategy over ``bars`` as one continuous series, from the first bar to the last.

    No sessions, no viability checks, no liquidation: what a peer engine does with a data feed.
    Without ``exec_env`` the run gets a SIMULATION env of its own with no Redis.

    Raises
    ------
    DataError
        If no symbol has a bar.
    """
    filled = [series for series in bars.values() if len(series)]
    if not filled:
        raise DataError(f"no bars to replay for {', '.join(bars) or 'no symbol'}")
    chosen = tuple(symbols) or tuple(bars)
    first_t = min(int(series.t[0]) for series in filled)
    last_t = max(int(series.t[-1]) for series in filled)
    if exec_env is None:
        exec_env = ExecEnv(
            env_type=EnvType.SIMULATION,
            clock=EpochClock(first_t),
            calendar=MarketCalendar.xnys(),
        )
    resolution = run_resolution(strategy_class, settings.resolution)
    last_end_t = last_t + resolution.seconds
    if resolution is Resolution.DAY:
        last_day = datetime.fromtimestamp(last_t, NEW_YORK).date()
        last_end_t = session_hours(last_day, exec_env.calendar)[1]
    day = datetime.fromtimestamp(first_t, NEW_YORK).date()
    run = _Run(
        strategy_class=strategy_class,
        symbols=chosen,
        params=params,
        bars=bars,
        # Bars given directly are taken as they are: nothing here adjusted them.
        settings=replace(settings, adjustment=Adjustment.RAW),
        exec_env=exec_env,
        day=day,
        models={},
    )
    run.kernel.advance_to(first_t)
    run.start(first_t)
    run.kernel.run(stop_t=last_end_t)
    end_day = datetime.fromtimestamp(last_t, NEW_YORK).date()
    return run.finish(
        end_t=last_end_t, session_seconds=last_end_t - first_t, end_day=end_day, flatten=False
    )


class _Run:
    """One strategy run in progress: its feeds, account, env, strategy and kernel."""

    def __init__(
        self,
        *,
        strategy_class: type[Strategy],
        symbols: Sequence[str],
        params: Mapping[str, Any] | None,
        bars: Mapping[str, BarSeries],
        settings: SimulationSettings,
        exec_env: ExecEnv,
        day: date,
        models: Mapping[tuple[str, str], TrainedModel],
    ) -> None:
        resolution = run_resolution(strategy_class, settings.resolution)
        self.resolution = resolution
        self.settings = settings
        self.day = day
        self.account = settings.new_account()
        feeds = {}
        for symbol, series in bars.items():
            feeds[symbol] = Feed(
                symbol, series, resolution.seconds, t_end=_bar_ends(series, exec_env.calendar)
            )
            self.account.attach(symbol, series)
        start_t = min((int(series.t[0]) for series in bars.values() if len(series)), default=0)
        # The strategy holds the env; only the engine holds the port (sealed_env says why).
        token = object()
        self.env = SimulationEnv(
            token=token,
            exec_env=exec_env,
            resolution=resolution,
            trading_day=day,
            start_t=start_t,
            models=models,
        )
        self.port = ReplayPort(
            env=self.env,
            token=token,
            account=self.account,
            clock=EpochClock(start_t),
            feeds=feeds,
            resolution=resolution,
        )
        with self.port.published():  # a strategy's __init__ may read its env
            self.strategy = strategy_class(env=self.env, symbols=symbols, params=params)
        _check_models(self.strategy, models, day)
        self.kernel = ReplayKernel(strategy=self.strategy, port=self.port)
        self.judge: ModelJudge | None = None
        self.model_data: Callable[[int], ModelData] | None = None
        self._judged: set[str] = set()  # symbols whose model failures are in the day's timeline
        # Why each symbol was not viable at the day's latest check, by (symbol, model).
        self._not_viable: dict[tuple[str, str], str] = {}
        self.became_viable_t: int | None = None
        self.started_t: int | None = None

    def start_when_viable(self, windows: Sequence[tuple[int, int]]) -> int | None:
        """Poll ``is_viable`` every 30 s inside the windows; start at the first viable check."""
        for window_start, window_end in windows:
            t = window_start
            while t < window_end:
                if t > self.env.now_t:
                    self.kernel.advance_to(t)
                viable = self._viable_symbols()
                if viable:
                    self.became_viable_t = t
                    self.env.note("viable", scores=viable)
                    self.start(t)
                    return t
                if self._models_rule_out_the_day():
                    return None  # what failed is fixed for the day: later checks cannot differ
                t += VIABILITY_INTERVAL_S
        return None

    def _models_rule_out_the_day(self) -> bool:
        """Every symbol failed on grades fixed for the day (forgetful models, spot models that
        do not read the day), so no later viability check today can find one viable."""
        if self.judge is None or self.model_data is None:
            return False
        data = self.model_data(self.env.now_t)
        return all(self.judge.failed_for_day(symbol, data) for symbol in self.strategy.symbols)

    def begin_day(self) -> None:
        """A new session's viability checks: forget the last one's reasons."""
        self._judged.clear()
        self._not_viable.clear()

    def not_viable(self) -> tuple[NotViable, ...]:
        """Why each symbol was not viable at the latest check of the day, model by model."""
        return tuple(
            NotViable(symbol=symbol, model=model, reason=reason)
            for (symbol, model), reason in self._not_viable.items()
        )

    def never_viable(self) -> None:
        reasons = self.not_viable()
        why = f"{NEVER_VIABLE}: {describe_not_viable(reasons)}" if reasons else NEVER_VIABLE
        self.env.note(NEVER_VIABLE, reasons=[reason.to_dict() for reason in reasons])
        self.strategy.running = False
        self.strategy.stop_reason = why

    def snapshot(self) -> _Snapshot:
        """Where the run stands now, to measure what one session adds."""
        return _Snapshot(
            equity=self.account.equity,
            fills=len(self.account.fills),
            entry_attempts=self.env.entry_attempts,
            exposure_seconds=self.kernel.exposure_seconds,
        )

    def end_session(self, close_t: int) -> None:
        """The close of one session of a span: day orders expire and the strategy hears it.

        On daily bars the strategy decides at the close, after the session: a day order it
        places then is an order for the next session and expires at that session's close.
        """
        daily = self.resolution is Resolution.DAY
        self.account.expire_day_orders(submitted_before=close_t if daily else None)
        for order in self.account.drain_updates():
            if self.strategy.running and self.started_t is not None:
                self.kernel.call("on_order_update", self.strategy.on_order_update, order)
        self.kernel.close_exposure(close_t)

    def day_outcome_since(
        self, before: _Snapshot, *, day: date, viable: bool, session_seconds: int
    ) -> DayOutcome:
        fills = self.account.fills
        closed_before = len(round_trip_pnls(fills[: before.fills]))
        pnls = round_trip_pnls(fills)[closed_before:]
        return DayOutcome(
            day=day,
            viable=viable,
            entered=_opens_a_position(fills, before.fills),
            entry_attempts=self.env.entry_attempts - before.entry_attempts,
            round_trips=len(pnls),
            profit=self.account.equity - before.equity,
            trade_pnls=pnls,
            exposure_seconds=min(
                self.kernel.exposure_seconds - before.exposure_seconds, float(session_seconds)
            ),
            session_seconds=float(session_seconds),
        )

    def _viable_symbols(self) -> dict[str, float]:
        """The viable symbols and their scores; why the others are not goes to ``not_viable``."""
        scores = {}
        reasons: dict[tuple[str, str], str] = {}
        for symbol in self.strategy.symbols:
            failed = self._model_failures(symbol)
            if failed:
                reasons.update(((symbol, model), reason) for model, reason in failed)
                continue
            score = self.kernel.call("is_viable", self.strategy.is_viable, symbol)
            if score is True or (not isinstance(score, bool) and score and float(score) > 0):
                scores[symbol] = float(score)
            else:
                said = "no" if isinstance(score, bool) or not score else f"score {score}"
                reasons[(symbol, IS_VIABLE)] = f"{self.strategy.strategy_id()} said {said}"
        self._not_viable = reasons
        return scores

    def _model_failures(self, symbol: str) -> tuple[tuple[str, str], ...]:
        """Each (model, reason) that fails ``symbol`` now; empty when its models pass it."""
        if self.judge is None or self.model_data is None:
            return ()
        verdict = self.judge.verdict(symbol, self.model_data(self.env.now_t))
        if not verdict.passed and symbol not in self._judged:
            self._judged.add(symbol)  # once per day: the reasons rarely change in 30 s
            self.env.note("models fail", symbol=symbol, failures=list(verdict.failures))
        return verdict.failed_models

    def start(self, t: int) -> None:
        self.started_t = t
        self.env.note("start")
        self.kernel.call("on_start", self.strategy.on_start)

    def finish(
        self, *, end_t: int, session_seconds: int, end_day: date, flatten: bool | None = None
    ) -> RunRecord:
        strategy = self.strategy
        if self.started_t is not None:
            self.kernel.call("on_stop", strategy.on_stop)
        if flatten is None:
            flatten = strategy.kind is StrategyKind.DAY
        if flatten:
            self._flatten(end_t)
            self.account.cancel_all()
            ending = EndOfRun.FLATTENED
        else:
            if self.settings.close_at_end:
                self.close_at_last_close(CLOSED_AT_END)
            ending = end_of_run(StrategyKind.SWING, self.settings.close_at_end)
        self.account.expire_day_orders()
        self.account.drain_updates()
        self.kernel.close_exposure(max(self.env.now_t, 0))
        return self._record(end_t, session_seconds, end_day, ending)

    def close_at_last_close(self, reason: str, note: str | None = None) -> None:
        """Cancel the open orders and close every position at its latest bar's close, paying
        the fill model's fees (outside the fill model: the bars ran out)."""
        account = self.account
        account.cancel_all()
        for feed in self.kernel.feeds:
            if account.position_qty(feed.symbol) and feed.cursor:
                last = feed.cursor - 1
                account.close_position_at(
                    feed.symbol, price=float(feed.c[last]), t=int(feed.t[last]), reason=reason
                )
                self.env.note(note or reason, symbol=feed.symbol)

    def _flatten(self, close_t: int) -> None:
        """Close what is held: market orders through the fill model, then the close itself."""
        account = self.account
        kernel = self.kernel
        account.cancel_all()
        for symbol, position in account.positions().items():
            side = Side.SELL if position.qty > 0 else Side.BUY
            request = OrderRequest(
                symbol=symbol, side=side, qty=abs(position.qty), type=OrderType.MARKET
            )
            account.submit(request)
            self.env.note("flatten at the end of the run", symbol=symbol, qty=position.qty)
        while account.open_orders():
            t = min(
                (
                    int(feed.t_end[j])
                    for feed in kernel.feeds
                    if (j := account.next_fill_index(feed.symbol, feed.cursor)) >= 0
                ),
                default=None,
            )
            if t is None or t > close_t:
                break
            kernel.advance_to(t)
            for feed in kernel.feeds:
                if feed.cursor and feed.t_end[feed.cursor - 1] == t:
                    account.execute_bar(feed.symbol, feed.cursor - 1)
            account.drain_updates()
        account.cancel_all()
        if close_t > self.env.now_t:
            kernel.advance_to(close_t)
        self.close_at_last_close(
            "closed at the last close of the session", "closed at the session's last close"
        )

    def _record(
        self, end_t: int, session_seconds: int, end_day: date, ending: EndOfRun
    ) -> RunRecord:
        account = self.account
        strategy = self.strategy
        fills = account.fills
        marks = {feed.symbol: _last_close(feed) for feed in self.kernel.feeds}
        return RunRecord(
            strategy=strategy.strategy_id(),
            params=strategy.p.as_dict(),
            symbols=strategy.symbols,
            day=self.day,
            end_day=end_day,
            kind=strategy.kind.value,
            resolution=self.resolution.value,
            fill_model=account.fill_model.name,
            allow_short=account.allow_short,
            end_of_run=ending.value,
            adjustment=self.settings.adjustment.value,
            starting_cash=account.starting_cash,
            ending_equity=account.equity,
            fees=sum(fill.fee for fill in fills),
            viable=self.became_viable_t is not None or self.started_t is not None,
            became_viable_t=self.became_viable_t,
            started_t=self.started_t,
            ended_t=end_t,
            stop_reason=strategy.stop_reason or "the session ended",
            not_viable=self.not_viable() if self.started_t is None else (),
            order_log=tuple(account.orders),
            fill_log=tuple(fills),
            positions=[
                position.to_dict(marks.get(symbol))
                for symbol, position in sorted(account.all_positions().items())
            ],
            timeline=[decision.to_dict() for decision in self.env.timeline],
            timeline_dropped=self.env.timeline_dropped,
            # A strategy that never started never ran on_start, where its state is set up.
            custom=(
                self.kernel.call("make_execution_result", strategy.make_execution_result)
                if self.started_t is not None
                else {}
            ),
            entry_attempts=self.env.entry_attempts,
            trade_pnls=round_trip_pnls(fills),
            exposure_seconds=float(self.kernel.exposure_seconds),
            session_seconds=float(session_seconds),
            events=self.kernel.events,
            fingerprint=fingerprint_of(fills),
        )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    equity: float
    fills: int
    entry_attempts: int
    exposure_seconds: float


def _opens_a_position(fills: Sequence[Fill], start: int) -> bool:
    """Whether a fill from index ``start`` on opened or added to a position."""
    held: dict[str, float] = {}
    for index, fill in enumerate(fills):
        qty = held.get(fill.symbol, 0)
        if index >= start and (qty == 0 or (qty > 0) == (fill.side.sign > 0)):
            return True
        held[fill.symbol] = round_qty(qty + fill.side.sign * fill.qty)
    return False


def _bar_ends(series: BarSeries, calendar: MarketCalendar) -> IntArray | None:
    """When each daily bar ends: its session's close (None: intraday bars end a step later)."""
    if series.resolution is not Resolution.DAY:
        return None
    days = [datetime.fromtimestamp(int(t), NEW_YORK).date() for t in series.t]
    return np.array([session_hours(day, calendar)[1] for day in days], dtype=np.int64)


def _last_close(feed: Feed) -> float | None:
    return float(feed.c[feed.cursor - 1]) if feed.cursor else None


def _check_models(
    strategy: Strategy, models: Mapping[tuple[str, str], TrainedModel], day: date
) -> None:
    for name in strategy.required_models:
        if name in known_models() and not any(key[0] == name for key in models):
            continue  # an analysis model: the run's ModelJudge warms and checks it
        for symbol in strategy.symbols:
            model = models.get((name, symbol))
            if model is None:
                raise ConfigurationError(
                    MISSING_MODEL_MESSAGE.format(
                        strategy=strategy.strategy_id(), name=name, symbol=symbol
                    )
                )
            check_trained_before(model, day)
