"""``StrategyEvaluator``: one strategy over symbols and a date range, in parallel processes.

A day strategy is simulated once per (symbol, session), each symbol on an account of its own
with ``starting_cash`` (a strategy with ``fixed_symbols`` runs once per session on its symbol
set). A swing strategy runs once per symbol, continuously over the whole range
(``StrategySimulator.simulate_span``). The work is cut into chunks that worker processes
(``spawn``, so nothing inherited can differ between machines) simulate with their own store
connection; results come back as compact ``EvaluatedDay`` rows, in a fixed order whatever the
scheduling, so the evaluation's fingerprint depends on its inputs only.

Whatever a strategy does in a worker cannot take the evaluation down (``worker_pool``): an
exception, even one that cannot be pickled, ends its symbol-day with the error recorded
(``DayError``: type, message, where); a worker that exits, is killed or overruns
``day_time_limit`` fails the symbol-day it was on, and a new worker carries on with the rest.
With ``on_error=stop`` the first failure fails the evaluation instead.

Metrics (conventions in ``docs/METRICS.md``): TC2's figures count symbol-days, as TC2 did; the
standard set and the equity curve treat all symbols as one portfolio whose initial equity is
``starting_cash`` per symbol run, each day's profit the sum over its symbols.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env.clock import EpochClock
from tc2.env.env_type import EnvType
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import MarketCalendar
from tc2.errors import DataError, LookAheadError, StrategyError, ValidationFailed
from tc2.execution.orders import Fill
from tc2.simulation.metrics import (
    DayOutcome,
    EquityCurve,
    PerformanceMetrics,
    Tc2Metrics,
    equity_curve,
    performance_metrics,
    tc2_metrics,
)
from tc2.simulation.records import NotViable, fingerprint_of
from tc2.simulation.simulator import (
    DEFAULT_WARMUP_DAYS,
    NO_SESSION_MESSAGE,
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.simulation.worker_pool import Lost, run_pieces
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols
from tc2.strategy.registry import load_strategy

MAX_SESSIONS = 2_520  # ten years of sessions per evaluation
END_BEFORE_START_MESSAGE = "must not be before start {start}, was {end}"
CHUNKS_PER_PROCESS = 4  # enough pieces to balance uneven days, few enough to keep overhead low
# Seconds one symbol-day may take in a worker process (a swing run: per session). Far beyond
# any honest day (a 1 s-bar day runs in seconds); what overruns it is stuck.
DEFAULT_DAY_TIME_LIMIT = 600.0

EvaluationProgress = Callable[[int, int], None]
"""Called with (symbol-days done, symbol-days in all) as chunks finish."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreLocation:
    """Where worker processes find the bars: picklable, opened once per process."""

    data_dir: Path
    url: str = ""
    env_type: EnvType = EnvType.LIVE

    def open(self) -> PriceStore:
        return price_store_for(self.env_type, data_dir=self.data_dir, url=self.url)


class OnError(StrEnum):
    """What a failed symbol-day does to the evaluation."""

    CONTINUE = "continue"  # record the error on its row and evaluate the rest
    STOP = "stop"  # fail the evaluation at once with that error


@dataclass(frozen=True, slots=True)
class DayError:
    """Why a symbol-day failed: the error's type, its message and where it was raised.

    ``type`` is the class name of the original error (a strategy's own exception class, or
    ``OrderRejected``, ...), or ``WorkerDied`` / ``TimeLimit`` when the worker process running
    the day died or was stopped. ``where`` is ``file:line in function`` of the innermost frame in
    the strategy's code (the innermost frame at all when none is).
    """

    type: str
    message: str
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message, "where": self.where}


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationRequest:
    """A strategy (registry name or ``file.py:Class``), symbols, a date range and settings."""

    strategy: str
    symbols: tuple[str, ...]
    start: date
    end: date
    params: Mapping[str, Any] | None = None
    settings: SimulationSettings = SimulationSettings()
    warmup_days: int = DEFAULT_WARMUP_DAYS
    on_error: OnError = OnError.CONTINUE


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluatedDay:
    """What one session of one symbol run did, or why it was not simulated (``skipped``: its
    bars are not on file) or failed (``error``)."""

    day: date
    symbols: tuple[str, ...]
    viable: bool = False
    entered: bool = False
    entry_attempts: int = 0
    round_trips: int = 0
    profit: float = 0.0
    fees: float = 0.0
    fills: int = 0
    trade_pnls: tuple[float, ...] = ()
    exposure_seconds: float = 0.0
    session_seconds: float = 0.0
    stop_reason: str = ""
    not_viable: tuple[NotViable, ...] = ()  # why a day that was not viable was not, by model
    fingerprint: str = ""
    skipped: str | None = None
    error: DayError | None = None

    @property
    def simulated(self) -> bool:
        return self.skipped is None and self.error is None

    def outcome(self) -> DayOutcome:
        return DayOutcome(
            day=self.day,
            viable=self.viable,
            entered=self.entered,
            entry_attempts=self.entry_attempts,
            round_trips=self.round_trips,
            profit=self.profit,
            trade_pnls=self.trade_pnls,
            exposure_seconds=self.exposure_seconds,
            session_seconds=self.session_seconds,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "symbols": list(self.symbols),
            "viable": self.viable,
            "entered": self.entered,
            "entry_attempts": self.entry_attempts,
            "round_trips": self.round_trips,
            "profit": self.profit,
            "fees": self.fees,
            "fills": self.fills,
            "trade_pnls": list(self.trade_pnls),
            "exposure_seconds": self.exposure_seconds,
            "session_seconds": self.session_seconds,
            "stop_reason": self.stop_reason,
            "not_viable": [reason.to_dict() for reason in self.not_viable],
            "fingerprint": self.fingerprint,
            "skipped": self.skipped,
            "error": self.error.to_dict() if self.error else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """An evaluation's per-day rows, its metrics, equity curve and fingerprint."""

    strategy: str
    kind: str
    params: dict[str, Any]
    symbols: tuple[str, ...]
    start: date
    end: date
    fill_model: str
    initial_equity: float
    days: tuple[EvaluatedDay, ...]
    tc2: Tc2Metrics
    performance: PerformanceMetrics | None  # None when no day could be simulated
    equity: EquityCurve | None
    fingerprint: str
    elapsed_seconds: float = field(compare=False)  # wall clock: not part of the result proper

    @property
    def skipped(self) -> list[EvaluatedDay]:
        return [day for day in self.days if day.skipped]

    @property
    def failed(self) -> list[EvaluatedDay]:
        return [day for day in self.days if day.error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "kind": self.kind,
            "params": self.params,
            "symbols": list(self.symbols),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "fill_model": self.fill_model,
            "initial_equity": self.initial_equity,
            "tc2_metrics": _as_dict(self.tc2),
            "performance": _as_dict(self.performance) if self.performance else None,
            "equity_curve": (
                {
                    "days": [day.isoformat() for day in self.equity.days],
                    "equity": list(self.equity.equity),
                    "drawdown": list(self.equity.drawdown),
                }
                if self.equity
                else None
            ),
            "days": [day.to_dict() for day in self.days],
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "fingerprint": self.fingerprint,
            "elapsed_seconds": self.elapsed_seconds,
        }


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Work for one worker call: a symbol set on some sessions (day) or all of them (swing)."""

    strategy: str
    symbols: tuple[str, ...]
    days: tuple[date, ...]
    params: Mapping[str, Any] | None
    settings: SimulationSettings
    warmup_days: int
    swing: bool

    @property
    def units(self) -> int:
        """What a worker reports one at a time: each day, or a swing run's whole span."""
        return 1 if self.swing else len(self.days)

    def after(self, unit: int) -> _Chunk | None:
        """The days after the ``unit``-th (None when none is left, or for a swing run)."""
        rest = self.days[unit + 1 :]
        return None if self.swing or not rest else replace(self, days=rest)


class StrategyEvaluator:
    """Evaluates strategies on the bars of one store, over as many processes as asked.

    Parameters
    ----------
    store
        Where the bars are; each worker process opens it once.
    calendar
        The exchange calendar.
    processes
        Worker processes; 1 runs in this process (where nothing guards against a strategy
        that exits or hangs), None uses every core.
    day_time_limit
        Seconds a symbol-day may run in a worker process before it is stopped and recorded as
        failed (a swing run: this per session); None for no limit.
    """

    def __init__(
        self,
        *,
        store: StoreLocation,
        calendar: MarketCalendar,
        processes: int | None = None,
        day_time_limit: float | None = DEFAULT_DAY_TIME_LIMIT,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.processes = max(1, processes if processes is not None else os.cpu_count() or 1)
        self.day_time_limit = day_time_limit

    def check(
        self, request: EvaluationRequest, *, strategy_class: type[Strategy] | None = None
    ) -> tuple[type[Strategy], list[date]]:
        """Validate ``request`` without simulating; return the strategy and the sessions.

        ``strategy_class`` is checked instead of loading ``request.strategy`` (a web process
        passes the stand-in of a strategy file it must not import).

        Raises
        ------
        ConfigurationError
            If the strategy cannot be loaded.
        ValidationFailed
            If a parameter is unknown or out of bounds, the symbols are empty, ``end`` is
            before ``start`` or the range holds no session (or too many).
        """
        strategy_class = strategy_class or load_strategy(request.strategy)
        strategy_class.resolve_params(request.params)
        resolve_symbols(strategy_class, request.symbols)
        problems = range_problems(self.calendar, request.start, request.end)
        if problems:
            raise ValidationFailed("the date range is invalid", problems)
        sessions = self.calendar.sessions_in_range(request.start, request.end)
        return strategy_class, sessions

    def evaluate(
        self, request: EvaluationRequest, *, progress: EvaluationProgress | None = None
    ) -> Evaluation:
        """Simulate every (symbol, session) of ``request``; return the evaluation.

        Raises
        ------
        ConfigurationError, ValidationFailed
            As ``check``.
        StrategyError, LookAheadError
            With ``on_error=stop``, if the strategy fails on some day (the message names the
            symbols, the day, the error and where it was raised).
        """
        began = time.perf_counter()
        strategy_class, sessions = self.check(request)
        groups = _symbol_groups(strategy_class, request.symbols)
        chunks = self._chunks(strategy_class, request, groups, sessions)
        total = len(groups) * len(sessions)
        rows = self._run(chunks, total, progress, request.on_error)
        rows.sort(key=lambda row: (row.day, row.symbols))
        simulated = [row for row in rows if row.simulated]
        initial_equity = request.settings.starting_cash * len(groups)
        portfolio = _portfolio_days(simulated)
        return Evaluation(
            strategy=strategy_class.strategy_id(),
            kind=strategy_class.kind.value,
            params=strategy_class.resolve_params(request.params),
            symbols=tuple(symbol for group in groups for symbol in group),
            start=request.start,
            end=request.end,
            fill_model=request.settings.fill_model,
            initial_equity=initial_equity,
            days=tuple(rows),
            tc2=tc2_metrics([row.outcome() for row in simulated]),
            performance=(
                performance_metrics(outcomes=portfolio, initial_equity=initial_equity)
                if portfolio
                else None
            ),
            equity=(
                equity_curve(outcomes=portfolio, initial_equity=initial_equity)
                if portfolio
                else None
            ),
            fingerprint=_fingerprint(rows),
            elapsed_seconds=time.perf_counter() - began,
        )

    def _chunks(
        self,
        strategy_class: type[Strategy],
        request: EvaluationRequest,
        groups: Sequence[tuple[str, ...]],
        sessions: Sequence[date],
    ) -> list[_Chunk]:
        def chunk(symbols: tuple[str, ...], days: Sequence[date]) -> _Chunk:
            return _Chunk(
                strategy=request.strategy,
                symbols=symbols,
                days=tuple(days),
                params=request.params,
                settings=request.settings,
                warmup_days=request.warmup_days,
                swing=strategy_class.kind is StrategyKind.SWING,
            )

        if strategy_class.kind is StrategyKind.SWING:
            return [chunk(group, sessions) for group in groups]
        pieces = self.processes * CHUNKS_PER_PROCESS
        size = max(1, math.ceil(len(groups) * len(sessions) / pieces))
        return [
            chunk(group, sessions[i : i + size])
            for group in groups
            for i in range(0, len(sessions), size)
        ]

    def _run(
        self,
        chunks: Sequence[_Chunk],
        total: int,
        progress: EvaluationProgress | None,
        on_error: OnError,
    ) -> list[EvaluatedDay]:
        rows: list[EvaluatedDay] = []
        report = progress or (lambda done, total: None)
        report(0, total)

        def take(batch: list[EvaluatedDay]) -> None:
            for row in batch:
                if row.error is not None and on_error is OnError.STOP:
                    raise _failure(row)
            rows.extend(batch)
            report(len(rows), total)

        if self.processes == 1:
            for piece in chunks:
                for batch in _chunk_rows(piece, self.store, self.calendar):
                    take(batch)
            return rows

        def lost(what: Lost) -> None:
            piece: _Chunk = what.piece
            days = piece.days if piece.swing else piece.days[what.unit : what.unit + 1]
            error = DayError(type=what.kind, message=what.reason)
            take([EvaluatedDay(day=day, symbols=piece.symbols, error=error) for day in days])

        limit = self.day_time_limit
        run_pieces(
            chunks,
            processes=self.processes,
            work=_work,
            context=(self.store, self.calendar),
            units=lambda piece: piece.units,
            remainder=lambda piece, unit: piece.after(unit),
            time_limit=lambda piece: (
                None if limit is None else limit * len(piece.days) / piece.units
            ),
            on_results=take,
            on_lost=lost,
        )
        return rows


def _failure(row: EvaluatedDay) -> StrategyError:
    """The error an ``on_error=stop`` evaluation fails with, naming the symbol-day."""
    assert row.error is not None
    error = row.error
    where = f" (at {error.where})" if error.where else ""
    message = f"{','.join(row.symbols)} on {row.day}: {error.type}: {error.message}{where}"
    return (
        LookAheadError(message) if error.type == LookAheadError.__name__ else StrategyError(message)
    )


def range_problems(calendar: MarketCalendar, start: date, end: date) -> dict[str, list[str]]:
    """What is wrong with evaluating ``start``..``end``, as field errors (``start``/``end``)."""
    if end < start:
        return {"end": [END_BEFORE_START_MESSAGE.format(start=start, end=end)]}
    sessions = calendar.sessions_in_range(start, end)
    if not sessions:
        return {"start": [NO_SESSION_MESSAGE.format(start=start, end=end)]}
    if len(sessions) > MAX_SESSIONS:
        return {"end": [f"at most {MAX_SESSIONS} sessions, the range has {len(sessions)}"]}
    return {}


def _symbol_groups(strategy_class: type[Strategy], symbols: Sequence[str]) -> list[tuple[str, ...]]:
    chosen = resolve_symbols(strategy_class, symbols)
    return [chosen] if strategy_class.fixed_symbols else [(symbol,) for symbol in chosen]


def _portfolio_days(rows: Sequence[EvaluatedDay]) -> list[DayOutcome]:
    """One outcome per session: the sum of its symbol runs."""
    by_day: dict[date, list[EvaluatedDay]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    return [
        DayOutcome(
            day=day,
            viable=any(row.viable for row in group),
            entered=any(row.entered for row in group),
            entry_attempts=sum(row.entry_attempts for row in group),
            round_trips=sum(row.round_trips for row in group),
            profit=math.fsum(row.profit for row in group),
            trade_pnls=tuple(pnl for row in group for pnl in row.trade_pnls),
            exposure_seconds=math.fsum(row.exposure_seconds for row in group),
            session_seconds=math.fsum(row.session_seconds for row in group),
        )
        for day, group in sorted(by_day.items())
    ]


def _fingerprint(rows: Sequence[EvaluatedDay]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(
            f"{row.day}|{','.join(row.symbols)}|{row.fingerprint}|{row.skipped or ''}"
            f"{_error_key(row.error)}\n".encode()
        )
    return digest.hexdigest()


def _error_key(error: DayError | None) -> str:
    # Only failures a fingerprint can repeat: an error's type and message follow from the
    # inputs, a dead or stopped worker's do not change a fingerprint of rows that have none.
    return f"|{error.type}: {error.message}" if error else ""


def _as_dict(metrics: Tc2Metrics | PerformanceMetrics) -> dict[str, Any]:
    return {name: getattr(metrics, name) for name in metrics.__dataclass_fields__}


# ---- worker side ----------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _work(piece: _Chunk, context: tuple[StoreLocation, MarketCalendar]) -> Iterator[list[Any]]:
    """A worker process's work (``worker_pool``): the chunk's rows, day by day."""
    store, calendar = context
    yield from _chunk_rows(piece, store, calendar)


def _simulator(location: StoreLocation, calendar: MarketCalendar) -> StrategySimulator:
    cached = _WORKER.get("simulator")
    if cached is None or _WORKER.get("simulator_for") != (location, calendar):
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar)
        cached = StrategySimulator(store=location.open(), calendar=calendar, exec_env=env)
        _WORKER["simulator"], _WORKER["simulator_for"] = cached, (location, calendar)
    return cached


def _chunk_rows(
    piece: _Chunk, location: StoreLocation, calendar: MarketCalendar
) -> Iterator[list[EvaluatedDay]]:
    """The rows of ``piece``: one list per day (a swing run: one list of all its days).

    A day whose bars are missing is skipped; any other error of any kind (the strategy's, the
    account's, one that cannot be pickled) fails the day, recorded as plain text.
    """
    try:
        simulator = _simulator(location, calendar)
        strategy_class = load_strategy(piece.strategy)
    except Exception as error:
        failed = _day_error(error)
        yield [EvaluatedDay(day=day, symbols=piece.symbols, error=failed) for day in piece.days]
        return
    if piece.swing:
        yield _simulate_swing(simulator, strategy_class, piece)
        return
    for day in piece.days:
        request = DayRequest(
            strategy_class=strategy_class,
            symbols=piece.symbols,
            day=day,
            params=piece.params,
            settings=piece.settings,
            warmup_days=piece.warmup_days,
        )
        try:
            record = simulator.simulate_day(request)
        except DataError as error:
            yield [EvaluatedDay(day=day, symbols=piece.symbols, skipped=str(error))]
            continue
        except (Exception, SystemExit) as error:
            yield [EvaluatedDay(day=day, symbols=piece.symbols, error=_day_error(error))]
            continue
        yield [
            _row(
                record.day_outcome(),
                piece.symbols,
                fills=record.fill_log,
                stop_reason=record.stop_reason,
                not_viable=record.not_viable,
            )
        ]


def _day_error(error: BaseException) -> DayError:
    """``error`` as plain text: the original error's type, the message, the strategy's line."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    frames = traceback.extract_tb(root.__traceback__)
    engine = Path(__file__).resolve().parents[1]
    builtin = engine / "strategy" / "builtin"

    def in_strategy(frame: traceback.FrameSummary) -> bool:
        path = Path(frame.filename).resolve()
        return not path.is_relative_to(engine) or path.is_relative_to(builtin)

    chosen = next((f for f in reversed(frames) if in_strategy(f)), frames[-1] if frames else None)
    where = f"{chosen.filename}:{chosen.lineno} in {chosen.name}" if chosen else ""
    return DayError(type=type(root).__name__, message=_text(error), where=where)


def _text(error: BaseException) -> str:
    try:
        return str(error) or type(error).__name__
    except Exception:  # a user's __str__ may fail too
        return type(error).__name__


def _simulate_swing(
    simulator: StrategySimulator, strategy_class: type[Strategy], piece: _Chunk
) -> list[EvaluatedDay]:
    request = SpanRequest(
        strategy_class=strategy_class,
        symbols=piece.symbols,
        start=piece.days[0],
        end=piece.days[-1],
        params=piece.params,
        settings=piece.settings,
        warmup_days=piece.warmup_days,
    )
    try:
        span = simulator.simulate_span(request)
    except DataError as error:
        skipped = str(error)
        return [EvaluatedDay(day=day, symbols=piece.symbols, skipped=skipped) for day in piece.days]
    except (Exception, SystemExit) as error:
        failed = _day_error(error)
        return [EvaluatedDay(day=day, symbols=piece.symbols, error=failed) for day in piece.days]
    fills_by_day: dict[date, list[Fill]] = {}
    for fill in span.record.fill_log:
        fills_by_day.setdefault(_fill_day(fill, simulator.calendar), []).append(fill)
    return [
        _row(
            outcome,
            piece.symbols,
            fills=fills_by_day.get(outcome.day, []),
            stop_reason=span.record.stop_reason,
            not_viable=span.not_viable.get(outcome.day, ()),
        )
        for outcome in span.days
    ]


def _row(
    outcome: DayOutcome,
    symbols: tuple[str, ...],
    *,
    fills: Sequence[Fill],
    stop_reason: str,
    not_viable: tuple[NotViable, ...],
) -> EvaluatedDay:
    return EvaluatedDay(
        day=outcome.day,
        symbols=symbols,
        viable=outcome.viable,
        entered=outcome.entered,
        entry_attempts=outcome.entry_attempts,
        round_trips=outcome.round_trips,
        profit=outcome.profit,
        fees=math.fsum(fill.fee for fill in fills),
        fills=len(fills),
        trade_pnls=outcome.trade_pnls,
        exposure_seconds=outcome.exposure_seconds,
        session_seconds=outcome.session_seconds,
        stop_reason=stop_reason,
        not_viable=not_viable,
        fingerprint=fingerprint_of(fills),
    )


def _fill_day(fill: Fill, calendar: MarketCalendar) -> date:
    session = calendar.session_for(datetime.fromtimestamp(fill.t, UTC))
    if session is None:
        raise DataError(f"fill at {fill.t} is outside every session")
    return session
