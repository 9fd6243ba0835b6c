"""``RunThread``: one planned run, created and driven in its own thread.

The trader's loop only *tells* a run where the clock is (``tick``); the run's thread reads the
bars completed since its last step from the ``BarSource`` and advances its ``LiveRun`` to that
time, so a slow strategy (or its warm-up, or the models' gate) never holds up the trader or the
other runs. Commands that touch a run's orders (cancel, force-exit) are handed to its thread
(``call``) and answered from it, so a run's account is only ever used by one thread. After each
step the thread publishes a read-only ``RunView`` (positions, open orders, marks) that the
trader's snapshot reads.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tc2.data.bars import Resolution
from tc2.data.providers.stream import StreamBar
from tc2.execution.account import Account
from tc2.logs import LogFeed, feed_logger
from tc2.program.trading.live_run import Phase
from tc2.program.trading.trader_parts import BarSource, PlannedRun

QTY_EPSILON = 1e-9
RUN_FAILED = "failed: {error}"

_log = feed_logger(LogFeed.PROGRAM, "trader")
T = TypeVar("T")


class TradedRun(Protocol):
    """What a trader needs of a run (``LiveRun`` is one)."""

    @property
    def phase(self) -> Phase: ...

    @property
    def close_t(self) -> int: ...

    @property
    def resolution(self) -> Resolution: ...

    @property
    def run_id(self) -> int: ...

    @property
    def orders(self) -> Account: ...

    @property
    def now_t(self) -> int: ...

    def advance(self, now_t: int, bars: Any = ()) -> None: ...

    def liquidate(self, reason: str) -> None: ...

    def finish(self, end_t: int | None = None) -> Any: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldPosition:
    symbol: str
    qty: float
    average_price: float
    mark: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunView:
    """What a run holds after its last step (read by the trader's snapshot)."""

    run_id: int | None
    phase: str
    now_t: int | None
    positions: tuple[HeldPosition, ...] = ()
    open_orders: tuple[Any, ...] = ()  # tc2.execution.orders.Order (frozen)
    cash: float = 0.0
    equity: float = 0.0


class RunThread:
    """Creates ``plan``'s run with ``make_run`` and drives it to the times it is told.

    Parameters
    ----------
    plan
        The run to create (journaled already).
    make_run
        Builds the run (loads its warm-up, records it, lets the models gate it).
    bars
        Where its symbols' completed bars come from.
    """

    def __init__(
        self,
        *,
        plan: PlannedRun,
        make_run: Callable[[PlannedRun], TradedRun],
        bars: BarSource,
    ) -> None:
        self.plan = plan
        self._make_run = make_run
        self._bars = bars
        self._cond = threading.Condition()
        self._target_t: int | None = None
        self._calls: list[tuple[Callable[[TradedRun], Any], _Answer]] = []
        self._finish_at: int | None = None
        self._fed_t: dict[str, int] = {}
        self._idle = False
        self._stepped_t = -1  # the last time the run was advanced to
        self._marks: dict[str, float] = {}
        self.run: TradedRun | None = None
        self.view = RunView(run_id=None, phase="creating", now_t=None)
        self.error: str | None = None
        self.finished = threading.Event()
        self.thread = threading.Thread(
            target=self._main, name=f"tc2-run-{plan.strategy}-{'+'.join(plan.symbols)}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    # -- the trader's side ------------------------------------------------------------------

    def tick(self, now_t: int) -> None:
        """Advance the run to ``now_t`` (asynchronously; later ticks supersede earlier ones)."""
        with self._cond:
            if self._target_t is None or now_t > self._target_t:
                self._target_t = now_t
            self._cond.notify()

    def request_finish(self, end_t: int | None = None) -> None:
        """Finish the run (after advancing it to the last tick); ``end_t`` None: its close."""
        with self._cond:
            self._finish_at = -1 if end_t is None else end_t
            self._cond.notify()

    def call(self, action: Callable[[TradedRun], T], *, timeout_s: float = 10.0) -> T:
        """Run ``action(run)`` on the run's thread; return its result or raise its error.

        Raises
        ------
        TimeoutError
            If the run's thread did not answer in time (it is busy or gone).
        """
        answer = _Answer()
        with self._cond:
            if self.finished.is_set():
                raise TimeoutError("the run is finished")
            self._calls.append((action, answer))
            self._cond.notify()
        if not answer.done.wait(timeout_s):
            raise TimeoutError(f"the run of {self.plan.strategy} did not answer in {timeout_s} s")
        if answer.error is not None:
            raise answer.error
        return answer.value  # type: ignore[no-any-return]

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until the run has caught up with the last tick (or is finished); True if so."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (
                    self.finished.is_set()
                    or (self.run is not None and not self._due() and not self._calls and self._idle)
                ),
                timeout_s,
            )

    @property
    def flat(self) -> bool:
        """No position and no open order (as of its last step)."""
        return not self.view.positions and not self.view.open_orders

    @property
    def releasable(self) -> bool:
        """Its symbols may go to another run: it failed, never started, or stopped and is flat."""
        if self.error is not None or self.finished.is_set():
            return True
        phase = self.view.phase
        return phase == Phase.ENDED.value or (phase == Phase.LIQUIDATING.value and self.flat)

    # -- the run's thread -------------------------------------------------------------------

    def _main(self) -> None:
        try:
            self.run = self._make_run(self.plan)
            self._publish()
            while True:
                with self._cond:
                    while not (self._calls or self._finish_at is not None or self._due()):
                        self._idle = True
                        self._cond.notify_all()
                        self._cond.wait(1.0)
                    self._idle = False
                    calls, self._calls = self._calls, []
                    target = self._target_t
                    finish_at = self._finish_at
                for action, answer in calls:
                    try:
                        answer.value = action(self.run)
                    except Exception as exc:  # the command's caller gets it
                        answer.error = exc
                    answer.done.set()
                if target is not None and target > self._stepped_t:
                    self._step(target)
                    self._stepped_t = target
                if finish_at is not None:
                    self.run.finish(None if finish_at < 0 else max(finish_at, self.run.now_t))
                    self._publish()
                    return
                if calls:
                    self._publish()
        except Exception as exc:
            self.error = RUN_FAILED.format(error=f"{type(exc).__name__}: {exc}")
            _log.error(f"run {self.plan.run_key} {self.error}\n{traceback.format_exc(limit=8)}")
        finally:
            with self._cond:
                pending, self._calls = self._calls, []
            for _, answer in pending:
                answer.error = TimeoutError("the run ended")
                answer.done.set()
            self.finished.set()
            with self._cond:
                self._cond.notify_all()

    def _due(self) -> bool:
        return (
            self._target_t is not None and self.run is not None and self._target_t > self._stepped_t
        )

    def _step(self, target: int) -> None:
        run = self.run
        assert run is not None
        plan = self.plan
        fresh: list[StreamBar] = []
        for symbol in plan.symbols:
            after = self._fed_t.get(symbol, 0)
            bars = self._bars.completed(
                symbol=symbol,
                day=plan.day,
                resolution=run.resolution,
                after_t=after,
                until_t=target,
            )
            if bars:
                self._fed_t[symbol] = bars[-1].t + run.resolution.seconds
                self._marks[symbol] = bars[-1].c
                fresh.extend(bars)
        run.advance(target, fresh)
        self._publish()

    def _publish(self) -> None:
        run = self.run
        if run is None:
            return
        account = run.orders
        positions = tuple(
            HeldPosition(
                symbol=symbol,
                qty=position.qty,
                average_price=position.average_price,
                mark=self._marks.get(symbol, position.average_price),
            )
            for symbol, position in sorted(account.positions().items())
            if abs(position.qty) > QTY_EPSILON
        )
        self.view = RunView(
            run_id=run.run_id,
            phase=run.phase.value,
            now_t=run.now_t,
            positions=positions,
            open_orders=tuple(account.open_orders()),
            cash=account.cash,
            equity=account.equity,
        )


class _Answer:
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
