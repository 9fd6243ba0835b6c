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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import numpy as np

from tc2.analysis.judge import ModelJudge, known_models
from tc2.analysis.models import TrainedModel
from tc2.analysis.spot import ModelData
from tc2.data.adjusted_bars import CLOSE_SEARCH_SESSIONS
from tc2.data.adjustments import (
    Adjustment,
    CorporateAction,
    adjust_columns,
    day_factors,
)
from tc2.data.bars import Resolution
from tc2.data.resample import session_hours
from tc2.data.session_cache import SessionCache
from tc2.data.store import BarSeries, PriceStore
from tc2.env.clock import EpochClock
from tc2.env.env_type import EnvType
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import NEW_YORK, MarketCalendar, new_york_epoch
from tc2.errors import DataError, ValidationFailed
from tc2.simulation.metrics import DayOutcome
from tc2.simulation.records import (
    NotViable,
    RunRecord,
)
from tc2.simulation.run_settings import (
    CLOSED_AT_END,
    LIQUIDATED_BEFORE_CLOSE,
    day_run_stop_t,
)
from tc2.simulation.run_settings import SimulationSettings as SimulationSettings
from tc2.simulation.strategy_run import StrategyRun
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols, run_resolution

DEFAULT_WARMUP_DAYS = 1
NOT_A_SESSION_MESSAGE = "{day} is not a trading session"
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
        run = StrategyRun(
            strategy_class=strategy_class,
            symbols=symbols,
            params=request.params,
            bars=bars,
            settings=request.settings,
            exec_env=self.exec_env,
            day=day,
            models=self.models,
        )
        self.gate(run, day)
        # A day strategy stops 15 minutes before the close and is liquidated then, as the live
        # day trader does; its market orders fill on the bars after, until the close.
        stop_t = day_run_stop_t(close_t) if run.strategy.kind is StrategyKind.DAY else close_t
        windows = self.windows(strategy_class, day, request.start_time, open_t, stop_t)
        run.kernel.advance_to(open_t)
        started = run.start_when_viable(windows)
        if started is not None:
            run.kernel.run(stop_t=stop_t)
            run.stop_strategy(LIQUIDATED_BEFORE_CLOSE if stop_t < close_t else None)
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
        run = StrategyRun(
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
        self, run: StrategyRun, strategy_class: type[Strategy], day: date, *, last: bool
    ) -> DayOutcome:
        open_t, close_t = session_hours(day, self.calendar)
        before = run.snapshot()
        if open_t > run.env.now_t:
            run.kernel.advance_to(open_t)
        viable_today = run.started_t is not None and run.strategy.running
        if run.started_t is None:
            run.begin_day()
            self.gate(run, day)
            windows = self.windows(strategy_class, day, None, open_t, close_t)
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

    def gate(self, run: StrategyRun, day: date) -> None:
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

    def windows(
        self,
        strategy_class: type[Strategy],
        day: date,
        start_time: time | None,
        open_t: int,
        close_t: int,
    ) -> list[tuple[int, int]]:
        """``day_windows`` (kept as a method for callers holding a simulator)."""
        return day_windows(strategy_class, day, start_time, open_t, close_t)

    def warmup_history(
        self,
        symbol: str,
        day: date,
        *,
        warmup_days: int = DEFAULT_WARMUP_DAYS,
        resolution: Resolution,
        adjustment: Adjustment,
    ) -> BarSeries:
        """The ``warmup_days`` sessions before ``day`` as ``simulate_day`` loads them
        (regular hours, back-adjusted to ``day``): a live run's history before the open."""
        days = [day]
        for _ in range(warmup_days):
            days.insert(0, self.calendar.previous_session(days[0]))
        series = self._load_sessions(symbol, days, resolution, adjustment)
        open_t = int(self.calendar.session_open(day).timestamp())
        n = int(np.searchsorted(series.t, open_t, "left"))
        return BarSeries(
            symbol=symbol,
            resolution=resolution,
            t=series.t[:n],
            o=series.o[:n],
            h=series.h[:n],
            l=series.l[:n],
            c=series.c[:n],
            v=series.v[:n],
            days=tuple(session for session in series.days if session != day),
        )


def day_windows(
    strategy_class: type[Strategy],
    day: date,
    start_time: time | None,
    open_t: int,
    end_t: int,
) -> list[tuple[int, int]]:
    """The strategy's active windows on ``day`` (epoch s), from ``start_time`` (New York) or the
    open, cut at ``end_t`` (a day run's stop time, or the close)."""
    windows = []
    earliest = open_t if start_time is None else new_york_epoch(day, start_time)
    for window in strategy_class.active_windows:
        start = max(new_york_epoch(day, window.start), open_t, earliest)
        end = min(new_york_epoch(day, window.end), end_t)
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
    run = StrategyRun(
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
