"""Symbol-days: what each did (``EvaluatedDay``), and how a worker process simulates them.

The worker side of ``StrategyEvaluator``: a ``Chunk`` of days is simulated with a store
connection and simulator kept per process, and every outcome, failure included, comes back as
plain values (``DayError`` holds an error as text, never the exception).
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env.clock import EpochClock
from tc2.env.env_type import EnvType
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import NEW_YORK, MarketCalendar
from tc2.errors import DataError
from tc2.execution.orders import Fill
from tc2.simulation.metrics import DayOutcome
from tc2.simulation.records import NotViable, fingerprint_of
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.strategy.base import Strategy
from tc2.strategy.registry import load_strategy


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreLocation:
    """Where worker processes find the bars: picklable, opened once per process."""

    data_dir: Path
    url: str = ""
    env_type: EnvType = EnvType.LIVE

    def open(self) -> PriceStore:
        return price_store_for(self.env_type, data_dir=self.data_dir, url=self.url)


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
    # The day's fills themselves, for the trade records (``trade_runs``); not in ``to_dict``.
    trade_log: tuple[Fill, ...] = field(default=(), compare=False, repr=False)

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


@dataclass(frozen=True, slots=True)
class Chunk:
    """Work for one worker call: a symbol set on some sessions (day) or all of them (swing)."""

    strategy: str
    symbols: tuple[str, ...]
    days: tuple[date, ...]
    params: Mapping[str, Any] | None
    settings: SimulationSettings
    warmup_days: int
    swing: bool
    start: date | None = None  # the evaluation's range (a swing run spans all of it)
    end: date | None = None

    @property
    def units(self) -> int:
        """What a worker reports one at a time: each day, or a swing run's whole span."""
        return 1 if self.swing else len(self.days)

    def after(self, unit: int) -> Chunk | None:
        """The days after the ``unit``-th (None when none is left, or for a swing run)."""
        rest = self.days[unit + 1 :]
        return None if self.swing or not rest else replace(self, days=rest)


_WORKER: dict[str, Any] = {}


def work(piece: Chunk, context: tuple[StoreLocation, MarketCalendar]) -> Iterator[list[Any]]:
    """A worker process's work (``worker_pool``): the chunk's rows, day by day."""
    store, calendar = context
    yield from chunk_rows(piece, store, calendar)


def _simulator(location: StoreLocation, calendar: MarketCalendar) -> StrategySimulator:
    cached = _WORKER.get("simulator")
    if cached is None or _WORKER.get("simulator_for") != (location, calendar):
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar)
        cached = StrategySimulator(store=location.open(), calendar=calendar, exec_env=env)
        _WORKER["simulator"], _WORKER["simulator_for"] = cached, (location, calendar)
    return cached


def chunk_rows(
    piece: Chunk, location: StoreLocation, calendar: MarketCalendar
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
    simulator: StrategySimulator, strategy_class: type[Strategy], piece: Chunk
) -> list[EvaluatedDay]:
    request = SpanRequest(
        strategy_class=strategy_class,
        symbols=piece.symbols,
        start=piece.start or piece.days[0],  # the range: a kept day may lie before a session
        end=piece.end or piece.days[-1],
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
        trade_log=tuple(fills),
    )


def _fill_day(fill: Fill, calendar: MarketCalendar) -> date:
    session = calendar.session_for(datetime.fromtimestamp(fill.t, UTC))
    if session is None:  # a day an import kept (non_session=keep): its New York date
        return datetime.fromtimestamp(fill.t, NEW_YORK).date()
    return session
