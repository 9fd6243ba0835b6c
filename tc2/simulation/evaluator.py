"""``StrategyEvaluator``: one strategy over symbols and a date range, in parallel processes.

A day strategy is simulated once per (symbol, session), each symbol on an account of its own
with ``starting_cash`` (a strategy with ``fixed_symbols`` runs once per session on its symbol
set). A swing strategy runs once per symbol, continuously over the whole range
(``StrategySimulator.simulate_span``). With ``accounts=shared`` (portfolio mode) all the
symbols run together instead, once per session (swing: once over the range), on one account
with ``starting_cash``, so their positions compete for its buying power; within a bar the
symbols are handled in alphabetical order, so the result depends on the inputs only.

The work is cut into chunks that worker processes (``spawn``, so nothing inherited can differ
between machines; ``evaluation_days`` is their side) simulate with their own store connection;
results come back as compact ``EvaluatedDay`` rows, in a fixed order whatever the
scheduling, so the evaluation's fingerprint depends on its inputs only.

Whatever a strategy does in a worker cannot take the evaluation down (``worker_pool``): an
exception, even one that cannot be pickled, ends its symbol-day with the error recorded
(``DayError``: type, message, where); a worker that exits, is killed or overruns
``day_time_limit`` fails the symbol-day it was on, and a new worker carries on with the rest.
With ``on_error=stop`` the first failure fails the evaluation instead.

Metrics (conventions in ``docs/METRICS.md``): TC2's figures count symbol-days, as TC2 did; the
standard set and the equity curve treat all symbols as one portfolio whose initial equity is
``starting_cash`` per symbol run (shared: ``starting_cash``), each day's profit the sum over its
symbol runs; they say which (``accounts``). Each evaluation also shows a benchmark held over its
sessions (``benchmark``).
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from tc2.data.session_cache import SessionCache
from tc2.env.market_calendar import MarketCalendar
from tc2.errors import DataError, LookAheadError, StrategyError, ValidationFailed
from tc2.simulation.benchmark import (
    DEFAULT_BENCHMARK,
    BenchmarkLine,
    benchmark_line,
    session_prices,
)
from tc2.simulation.evaluation_days import Chunk, chunk_rows, work
from tc2.simulation.evaluation_days import DayError as DayError
from tc2.simulation.evaluation_days import EvaluatedDay as EvaluatedDay
from tc2.simulation.evaluation_days import StoreLocation as StoreLocation
from tc2.simulation.metrics import (
    DayOutcome,
    EquityCurve,
    PerformanceMetrics,
    Tc2Metrics,
    equity_curve,
    performance_metrics,
    tc2_metrics,
)
from tc2.simulation.run_settings import EndOfRun, SimulationSettings, end_of_run
from tc2.simulation.simulator import DEFAULT_WARMUP_DAYS, NO_SESSION_MESSAGE
from tc2.simulation.worker_pool import Lost, run_pieces
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols, run_resolution
from tc2.strategy.registry import load_strategy

MAX_SESSIONS = 2_520  # ten years of sessions per evaluation
END_BEFORE_START_MESSAGE = "must not be before start {start}, was {end}"
NOTHING_SIMULATED_MESSAGE = (
    "no symbol-day could be simulated, so the strategy received no bar: {reason}"
    " ({count} symbol-days skipped)"
)
CHUNKS_PER_PROCESS = 4  # enough pieces to balance uneven days, few enough to keep overhead low
# Seconds one symbol-day may take in a worker process (a swing run: per session). Far beyond
# any honest day (a 1 s-bar day runs in seconds); what overruns it is stuck.
DEFAULT_DAY_TIME_LIMIT = 600.0
NO_RESULT_MESSAGE = "no result came back from its worker process"

EvaluationProgress = Callable[[int, int], None]
"""Called with (symbol-days done, symbol-days in all) as chunks finish."""


class Accounts(StrEnum):
    """How an evaluation's symbols share money."""

    PER_SYMBOL = "per_symbol"  # each symbol run on an account of its own with starting_cash
    SHARED = "shared"  # one run of all the symbols on one account with starting_cash


class OnError(StrEnum):
    """What a failed symbol-day does to the evaluation."""

    CONTINUE = "continue"  # record the error on its row and evaluate the rest
    STOP = "stop"  # fail the evaluation at once with that error


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
    risk_free_rate: float = 0.0  # annual, for the Sharpe and Sortino ratios
    on_error: OnError = OnError.CONTINUE
    accounts: Accounts = Accounts.PER_SYMBOL
    benchmark: str = DEFAULT_BENCHMARK  # bought and held over the sessions, for comparison


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
    resolution: str
    adjustment: str  # raw, split or all (see tc2.data.adjustments)
    accounts: Accounts
    initial_equity: float
    days: tuple[EvaluatedDay, ...]
    tc2: Tc2Metrics
    performance: PerformanceMetrics | None  # None when no day could be simulated
    equity: EquityCurve | None
    benchmark: BenchmarkLine | None  # None when no day could be simulated
    fingerprint: str
    elapsed_seconds: float = field(compare=False)  # wall clock: not part of the result proper
    allow_short: bool = False
    end_of_run: str = EndOfRun.FLATTENED.value  # what became of positions open at the end
    risk_free_rate: float = 0.0  # annual, as the Sharpe and Sortino ratios used it

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
            "allow_short": self.allow_short,
            "end_of_run": self.end_of_run,
            "risk_free_rate": self.risk_free_rate,
            "resolution": self.resolution,
            "adjustment": self.adjustment,
            "accounts": self.accounts.value,
            "initial_equity": self.initial_equity,
            "tc2_metrics": _as_dict(self.tc2),
            "performance": _as_dict(self.performance) if self.performance else None,
            "equity_curve": (
                {
                    "accounts": self.accounts.value,
                    "days": [day.isoformat() for day in self.equity.days],
                    "equity": list(self.equity.equity),
                    "drawdown": list(self.equity.drawdown),
                }
                if self.equity
                else None
            ),
            "benchmark": self.benchmark.to_dict() if self.benchmark else None,
            "days": [day.to_dict() for day in self.days],
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "fingerprint": self.fingerprint,
            "elapsed_seconds": self.elapsed_seconds,
        }


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
        self._sessions: SessionCache | None = None  # the benchmark's bars, read in this process

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
        run_resolution(strategy_class, request.settings.resolution)
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
        groups = _symbol_groups(strategy_class, request.symbols, request.accounts)
        chunks = self._chunks(strategy_class, request, groups, sessions)
        total = len(groups) * len(sessions)
        rows = self._run(chunks, total, progress, request.on_error)
        rows.sort(key=lambda row: (row.day, row.symbols))
        simulated = [row for row in rows if row.simulated]
        if rows and all(row.skipped for row in rows):
            # Never an empty success: say why no bar reached the strategy.
            raise DataError(
                NOTHING_SIMULATED_MESSAGE.format(reason=rows[0].skipped, count=len(rows))
            )
        initial_equity = request.settings.starting_cash * len(groups)
        portfolio = _portfolio_days(simulated)
        equity = (
            equity_curve(outcomes=portfolio, initial_equity=initial_equity) if portfolio else None
        )
        return Evaluation(
            strategy=strategy_class.strategy_id(),
            kind=strategy_class.kind.value,
            params=strategy_class.resolve_params(request.params),
            symbols=tuple(symbol for group in groups for symbol in group),
            start=request.start,
            end=request.end,
            fill_model=request.settings.fill_model,
            resolution=run_resolution(strategy_class, request.settings.resolution).value,
            adjustment=request.settings.adjustment.value,
            accounts=request.accounts,
            initial_equity=initial_equity,
            days=tuple(rows),
            tc2=tc2_metrics([row.outcome() for row in simulated]),
            performance=(
                performance_metrics(
                    outcomes=portfolio,
                    initial_equity=initial_equity,
                    risk_free_rate=request.risk_free_rate,
                )
                if portfolio
                else None
            ),
            equity=equity,
            benchmark=self._benchmark(request.benchmark, equity, initial_equity),
            fingerprint=_fingerprint(rows),
            elapsed_seconds=time.perf_counter() - began,
            allow_short=request.settings.allow_short,
            end_of_run=end_of_run(strategy_class.kind, request.settings.close_at_end).value,
            risk_free_rate=request.risk_free_rate,
        )

    def _benchmark(
        self, symbol: str, equity: EquityCurve | None, initial_equity: float
    ) -> BenchmarkLine | None:
        if equity is None:
            return None
        if self._sessions is None:
            self._sessions = SessionCache(self.store.open(), self.calendar)
        sessions = self._sessions
        return benchmark_line(
            symbol=symbol,
            days=equity.days,
            strategy_equity=equity.equity,
            initial_equity=initial_equity,
            prices=session_prices(sessions, symbol, equity.days),
        )

    def _chunks(
        self,
        strategy_class: type[Strategy],
        request: EvaluationRequest,
        groups: Sequence[tuple[str, ...]],
        sessions: Sequence[date],
    ) -> list[Chunk]:
        def chunk(symbols: tuple[str, ...], days: Sequence[date]) -> Chunk:
            return Chunk(
                strategy=request.strategy,
                symbols=symbols,
                days=tuple(days),
                params=request.params,
                settings=request.settings,
                warmup_days=request.warmup_days,
                start=request.start,
                end=request.end,
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
        chunks: Sequence[Chunk],
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
                for batch in chunk_rows(piece, self.store, self.calendar):
                    take(batch)
            return rows

        def lost(what: Lost) -> None:
            piece: Chunk = what.piece
            days = piece.days if piece.swing else piece.days[what.unit : what.unit + 1]
            error = DayError(type=what.kind, message=what.reason)
            take([EvaluatedDay(day=day, symbols=piece.symbols, error=error) for day in days])

        limit = self.day_time_limit
        run_pieces(
            chunks,
            processes=self.processes,
            work=work,
            context=(self.store, self.calendar),
            units=lambda piece: piece.units,
            remainder=lambda piece, unit: piece.after(unit),
            time_limit=lambda piece: (
                None if limit is None else limit * len(piece.days) / piece.units
            ),
            on_results=take,
            on_lost=lost,
        )
        # Every symbol-day has its row: one whose result never came back (which the pool's
        # bookkeeping rules out) is failed rather than silently missing from the figures.
        have = {(row.day, row.symbols) for row in rows}
        missing = DayError(type="WorkerDied", message=NO_RESULT_MESSAGE)
        take(
            [
                EvaluatedDay(day=day, symbols=piece.symbols, error=missing)
                for piece in chunks
                for day in piece.days
                if (day, piece.symbols) not in have
            ]
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


def _symbol_groups(
    strategy_class: type[Strategy], symbols: Sequence[str], accounts: Accounts
) -> list[tuple[str, ...]]:
    """The symbol sets run on accounts of their own.

    A shared account runs every symbol in one run, sorted: within a bar the kernel handles the
    symbols in its feeds' order, so this fixes it to time, then symbol (docs/SIMULATION.md).
    """
    chosen = resolve_symbols(strategy_class, symbols)
    if strategy_class.fixed_symbols:
        return [chosen]
    if accounts is Accounts.SHARED:
        return [tuple(sorted(chosen))]
    return [(symbol,) for symbol in chosen]


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
