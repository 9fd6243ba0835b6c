"""Breakout1Strategy: buy a break above a morning range, exit by stop, target or the close.

TC2's Breakout1 left its constants and its take-profit unwritten and drew its lines with the
BREAKOUT1 model, which never passed. This version completes it with the choices documented on
the class; every constant is a ``Parameter``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from tc2.analysis.breakout import Setup, find_setup
from tc2.data.bars import Resolution
from tc2.env.market_calendar import NEW_YORK, new_york_epoch
from tc2.execution.orders import Order, OrderRejected, Side
from tc2.strategy.base import ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.env import Bar, StrategyEnv
from tc2.strategy.parameters import Parameter
from tc2.strategy.sizing import PURCHASE_PARAMETERS, purchase_budget, purchase_problems

TICK = 0.01  # dollars; prices are rounded to cents, the tick of stocks above $1
ENTRY_WINDOW = ActiveWindow(time(10, 30), time(15))


class Phase(StrEnum):
    WATCHING = "watching"  # no position: waiting for a breakout
    ENTERING = "entering"  # the entry limit works, nothing filled yet
    HOLDING = "holding"  # a position, protected by a stop or offered at the target
    DUMPING = "dumping"  # the close is near: selling whatever is held


class ExitKind(StrEnum):
    STOP = "stop"
    TARGET = "take-profit"
    DUMP = "dump"


class Breakout1Strategy(Strategy):
    """Buys a 1-second close that breaks above a range's resistance; one trade per day.

    Documented choices where TC2 left TODOs:

    - **Setup.** The setup window is the last ``setup_minutes`` of the session's bars (never
      before the open). Resistance is the highest high and support the lowest low over its
      first ``lines_fraction`` (60 %): a simple stand-in for the BREAKOUT1 model's trend lines,
      which will supply them once the analysis models land. A setup counts only when its height
      is at least ``min_reward_pct`` of the support (the model's 0.15 % "maximum reward") and
      no close rose above the resistance between the lines part and the window's last
      ``break_fraction`` (the break must be fresh, as the model's "breaks in the last 10 %").
    - **Entry.** Between 10:30 and the entry cutoff (15:00, or earlier when the close is
      near), when the latest close is at least ``breakout_fraction`` of the range height above
      the resistance, a limit buy is placed ``raise_buy_pct`` above the latest bar's low, for
      ``min(max_purchase_pct x cash, max_purchase_usd)`` worth of whole shares. The strategy
      stops instead when that budget is below ``min_purchase_usd``. An entry not filled within
      ``max_buy_seconds`` (or by the cutoff) is canceled; without any fill the run stops.
    - **Exit.** Exactly one sell works at a time, because the account reserves shares for each
      sell (TC2 swapped its orders the same way). A stop at ``buy x (1 - max_stop_pct)`` works
      first. The take-profit target is the measured move
      ``buy + target_fraction x (resistance - support)`` minus one tick (at least a tick above
      the buy). When a bar's high has covered ``arm_fraction`` of the way to the target, a limit
      sell at the target replaces the stop; when a bar's low then falls to
      ``buy x (1 - restop_pct)`` (the re-stop), the stop replaces it again (a market sell if
      the price is already through the stop).
    - **Dump.** ``dump_minutes`` before the close, everything is canceled and the position is
      offered at ``dump_discount_pct`` below the last close, re-priced every
      ``dump_retry_seconds``. The strategy stops once it is flat.

    The BREAKOUT1 model (its default setup window and lines) gates the start; the setup is
    checked again, with this strategy's parameters, at entry. While waiting, the strategy
    sleeps until the price reaches the breakout level or ``recheck_seconds`` pass (the window
    slides, so the lines are redrawn then).
    """

    kind = StrategyKind.DAY
    required_models: ClassVar[tuple[str, ...]] = ("BREAKOUT1",)
    resolution = Resolution.SECOND
    active_windows = (ENTRY_WINDOW,)
    default_symbols = ("SPY",)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            name="setup_minutes",
            type=int,
            default=55,
            low=10,
            high=240,
            description="length of the setup window (TC2's BREAKOUT_SETUP_MINS)",
        ),
        Parameter(
            name="lines_fraction",
            type=float,
            default=0.6,
            low=0.2,
            high=0.9,
            description="first part of the setup window the resistance and support come from",
        ),
        Parameter(
            name="break_fraction",
            type=float,
            default=0.1,
            low=0.01,
            high=0.5,
            description="last part of the setup window in which the break must happen",
        ),
        Parameter(
            name="breakout_fraction",
            type=float,
            default=0.1,
            low=0.0,
            high=1.0,
            description="how far above resistance the close must be, as a fraction of the range",
        ),
        Parameter(
            name="min_reward_pct",
            type=float,
            default=0.0015,
            low=0.0,
            high=0.05,
            description="smallest range height, as a fraction of the support",
        ),
        Parameter(
            name="raise_buy_pct",
            type=float,
            default=0.0005,
            low=0.0,
            high=0.01,
            description="limit buy this fraction above the latest bar's low",
        ),
        Parameter(
            name="max_buy_seconds",
            type=int,
            default=120,
            low=5,
            high=3600,
            description="seconds the entry may work before it is canceled",
        ),
        Parameter(
            name="max_stop_pct",
            type=float,
            default=0.006,
            low=0.0005,
            high=0.05,
            description="protective stop this fraction below the buy",
        ),
        Parameter(
            name="restop_pct",
            type=float,
            default=0.003,
            low=0.0001,
            high=0.05,
            description="the stop returns when the price falls this fraction below the buy",
        ),
        Parameter(
            name="target_fraction",
            type=float,
            default=1.0,
            low=0.1,
            high=3.0,
            description="take-profit this fraction of the range height above the buy",
        ),
        Parameter(
            name="arm_fraction",
            type=float,
            default=0.5,
            low=0.05,
            high=1.0,
            description="share of the way to the target after which the take-profit works",
        ),
        Parameter(
            name="dump_minutes",
            type=int,
            default=45,
            low=1,
            high=180,
            description="minutes before the close when the position is sold",
        ),
        Parameter(
            name="dump_discount_pct",
            type=float,
            default=0.0005,
            low=0.0,
            high=0.01,
            description="the dump's limit sell this fraction below the latest close",
        ),
        Parameter(
            name="dump_retry_seconds",
            type=int,
            default=20,
            low=1,
            high=600,
            description="seconds after which an unfilled dump is re-priced",
        ),
        *PURCHASE_PARAMETERS,
        Parameter(
            name="recheck_seconds",
            type=int,
            default=60,
            low=1,
            high=900,
            description="while waiting, redraw the lines at least this often",
        ),
    )

    def __init__(
        self,
        *,
        env: StrategyEnv,
        symbols: Sequence[str] = (),
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(env=env, symbols=symbols, params=params)
        self._phase = Phase.WATCHING
        self._levels: dict[str, float] = {}  # breakout level per symbol, when it has a setup
        self._next_check_t = 0
        self._symbol = ""
        self._setup: Setup | None = None
        self._entry: Order | None = None
        self._entry_deadline_t = 0
        self._exit: Order | None = None
        self._exit_kind: ExitKind | None = None
        self._sold_by: ExitKind | None = None
        self._height = 0.0  # resistance - support of the setup traded
        self._buy_price = 0.0
        self._stop_price = 0.0
        self._target_price = 0.0
        self._arm_price = 0.0
        self._restop_price = 0.0
        self._next_dump_t = 0
        # Session times, set by on_start.
        self._open_t = 0
        self._start_t = 0
        self._cutoff_t = 0
        self._dump_t = 0

    # ---- hooks ------------------------------------------------------------------------------

    def on_start(self) -> None:
        env = self.env
        day = datetime.fromtimestamp(env.now_t, NEW_YORK).date()
        calendar = env.exec_env.calendar
        self._open_t = int(calendar.session_open(day).timestamp())
        self._dump_t = int(calendar.session_close(day).timestamp()) - int(self.p.dump_minutes) * 60
        self._start_t = new_york_epoch(day, ENTRY_WINDOW.start)
        self._cutoff_t = min(new_york_epoch(day, ENTRY_WINDOW.end), self._dump_t)
        budget = purchase_budget(self.p, self.env.account.cash)
        if budget < self.p.min_purchase_usd:
            self.stop_running(
                f"budget ${budget:,.2f} is below min_purchase_usd ${self.p.min_purchase_usd:,.2f}"
            )
            return
        self._watch(self.symbols)
        self._sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        phase = self._phase
        if phase is Phase.WATCHING:
            self._watch(self.symbols if self.env.now_t >= self._next_check_t else (symbol,))
        elif phase is Phase.ENTERING:
            if self.env.now_t >= self._entry_deadline_t:
                self._end_entry()
        elif phase is Phase.HOLDING:
            self._hold(symbol, bar)
        else:
            self._redump()
        if self.running:
            self._sleep()

    def on_order_update(self, order: Order) -> None:
        if order.side is Side.BUY:
            if order.filled_qty:
                self._bought(order)
            if not order.is_open:
                self._entry = None
                if not order.filled_qty:
                    self.stop_running(f"the entry was {order.status.value}: {order.reason}")
        elif self.position_qty(order.symbol) == 0 and order.filled_qty:
            self._sold_by = self._exit_kind
            self.env.account.cancel_all(order.symbol)  # an entry remainder must not buy again
            self.stop_running(f"sold by the {self._exit_kind}")
        elif order is self._exit and not order.is_open:
            # Expired or refused with shares left: put a working sell back.
            self._exit = None
            if self._phase is Phase.DUMPING:
                self._dump()
            else:
                self._place_exit(ExitKind.STOP)
        if self.running:
            self._sleep()

    def make_execution_result(self) -> dict[str, Any]:
        return {
            "symbol": self._symbol or None,
            "setup": self._setup.to_dict() if self._setup is not None else None,
            "buy_price": self._buy_price or None,
            "stop_price": self._stop_price or None,
            "target_price": self._target_price or None,
            "sold_by": self._sold_by.value if self._sold_by is not None else None,
        }

    # ---- watching and entering --------------------------------------------------------------

    def _watch(self, symbols: Sequence[str]) -> None:
        now = self.env.now_t
        if now >= self._cutoff_t:
            self.stop_running("no breakout before the entry cutoff")
            return
        if len(symbols) == len(self.symbols):
            self._next_check_t = now + int(self.p.recheck_seconds)
        if now < self._start_t:  # replays begin at the open; the window starts later
            self._levels.clear()
            self._next_check_t = self._start_t
            return
        for symbol in symbols:
            setup = self._setup_of(symbol)
            self._levels.pop(symbol, None)
            if setup is None:
                continue
            level = setup.resistance + self.p.breakout_fraction * setup.height
            self._levels[symbol] = level
            bar = self.env.last_bar(symbol)
            if bar is not None and bar.c >= level:
                self._enter(symbol, setup, bar)
                return

    def _setup_of(self, symbol: str) -> Setup | None:
        now = self.env.now_t
        start_t = now - int(self.p.setup_minutes) * 60
        if start_t < self._open_t:
            return None  # the window would reach into the night
        setup = find_setup(
            bars=self.env.bars_between(symbol, start_t, now),
            start_t=start_t,
            end_t=now,
            lines_fraction=float(self.p.lines_fraction),
            break_fraction=float(self.p.break_fraction),
        )
        if setup is None or setup.broken_early or setup.height <= 0:
            return None
        if setup.height < self.p.min_reward_pct * setup.support:
            return None
        return setup

    def _enter(self, symbol: str, setup: Setup, bar: Bar) -> None:
        price = round(bar.l * (1 + self.p.raise_buy_pct), 2)
        budget = purchase_budget(self.p, self.env.account.cash)
        qty = int(budget // price)
        if budget < self.p.min_purchase_usd or qty < 1:
            self.stop_running(f"budget ${budget:,.2f} buys no share of {symbol} at {price}")
            return
        try:
            self._entry = self.buy(symbol, qty, limit=price)
        except OrderRejected as rejected:
            self.stop_running(f"the entry was refused: {rejected.order.reason}")
            return
        self._phase = Phase.ENTERING
        self._symbol = symbol
        self._setup = setup
        self._height = setup.height
        self._entry_deadline_t = min(self.env.now_t + int(self.p.max_buy_seconds), self._cutoff_t)
        self.env.note(
            "breakout: limit buy",
            symbol=symbol,
            close=bar.c,
            limit=price,
            qty=qty,
            **setup.to_dict(),
        )

    def _end_entry(self) -> None:
        """The entry's time is up: cancel what is left of it; without a fill, stop."""
        entry = self._entry
        if entry is not None and entry.is_open:
            self.env.account.cancel(entry.client_order_id)
        self._entry = None
        if self._phase is Phase.ENTERING:
            self.stop_running("the entry was not filled in time")

    def _bought(self, order: Order) -> None:
        """A buy filled (in part): set the exit prices from the average fill and protect it."""
        buy = order.average_fill_price
        if buy is None:
            return
        self._buy_price = buy
        self._stop_price = round(buy * (1 - self.p.max_stop_pct), 2)
        target = round(buy + self.p.target_fraction * self._height - TICK, 2)
        self._target_price = max(target, round(buy + TICK, 2))
        self._arm_price = buy + self.p.arm_fraction * (self._target_price - buy)
        self._restop_price = buy * (1 - self.p.restop_pct)
        if self._phase is Phase.ENTERING:
            self._phase = Phase.HOLDING
            self.mark_bought()
            self.env.note("bought", symbol=order.symbol, price=buy, qty=order.filled_qty)
        # Opened or grown: the working sell must cover the whole position.
        self._place_exit(self._exit_kind or ExitKind.STOP)

    # ---- holding ----------------------------------------------------------------------------

    def _hold(self, symbol: str, bar: Bar) -> None:
        now = self.env.now_t
        if now >= self._dump_t:
            self._dump()
            return
        if self._entry is not None and now >= self._entry_deadline_t:
            self._end_entry()
        if symbol != self._symbol:
            return
        if self._exit_kind is ExitKind.STOP and bar.h >= self._arm_price:
            self._place_exit(ExitKind.TARGET)
            self.env.note("take-profit works", symbol=symbol, price=self._target_price)
        elif self._exit_kind is ExitKind.TARGET and bar.l <= self._restop_price:
            self._place_exit(ExitKind.STOP)
            self.env.note("re-stop", symbol=symbol, price=self._stop_price)

    def _place_exit(self, kind: ExitKind) -> None:
        symbol = self._symbol
        if self._exit is not None and self._exit.is_open:
            self.env.account.cancel(self._exit.client_order_id)
        qty = self.position_qty(symbol)
        last = self.env.last_bar(symbol)
        if kind is ExitKind.TARGET:
            self._exit = self.sell(symbol, qty, limit=self._target_price)
        elif last is not None and last.c <= self._stop_price:
            # Already through the stop: brokers refuse a sell stop above the market.
            self._exit = self.sell(symbol, qty)
        else:
            self._exit = self.sell(symbol, qty, stop=self._stop_price)
        self._exit_kind = kind

    def _dump(self) -> None:
        """Cancel everything and offer the position just below the latest close."""
        symbol = self._symbol
        self.env.account.cancel_all(symbol)
        self._entry = None
        self._exit = None
        self._phase = Phase.DUMPING
        qty = self.position_qty(symbol)
        last = self.env.last_bar(symbol)
        if qty <= 0 or last is None:
            self.stop_running("flat at the dump time")
            return
        price = round(last.c * (1 - self.p.dump_discount_pct), 2)
        self._exit = self.sell(symbol, qty, limit=price)
        self._exit_kind = ExitKind.DUMP
        self._next_dump_t = self.env.now_t + int(self.p.dump_retry_seconds)
        self.env.note("dump", symbol=symbol, price=price, qty=qty)

    def _redump(self) -> None:
        if self.env.now_t >= self._next_dump_t:
            self._dump()

    # ---- services ---------------------------------------------------------------------------

    @classmethod
    def parameter_problems(cls, p: Params) -> dict[str, list[str]]:
        """Cross-field rules; the per-field bounds were checked before."""
        errors: dict[str, list[str]] = {}
        if p.lines_fraction + p.break_fraction >= 1:
            errors["params.break_fraction"] = [
                "lines_fraction + break_fraction must be < 1, "
                f"was {p.lines_fraction} + {p.break_fraction}"
            ]
        if p.restop_pct >= p.max_stop_pct:
            errors["params.restop_pct"] = [
                f"restop_pct must be < max_stop_pct ({p.max_stop_pct}), was {p.restop_pct}"
            ]
        return errors | purchase_problems(p)

    def _sleep(self) -> None:
        """Sleep until what matters in the current phase; order events wake it anyway."""
        env = self.env
        phase = self._phase
        if phase is Phase.WATCHING:
            env.sleep(until_t=min(self._next_check_t, self._cutoff_t))
            for symbol, level in self._levels.items():
                env.sleep(above=level, symbol=symbol)
        elif phase is Phase.ENTERING:
            env.sleep(until_t=self._entry_deadline_t)
        elif phase is Phase.HOLDING:
            until = self._dump_t
            if self._entry is not None:
                until = min(until, self._entry_deadline_t)
            if self._exit_kind is ExitKind.TARGET:
                env.sleep(until_t=until, below=self._restop_price, symbol=self._symbol)
            else:
                env.sleep(until_t=until, above=self._arm_price, symbol=self._symbol)
        else:
            env.sleep(until_t=self._next_dump_t)
