"""SwingStrategy: buy a pullback near a multi-day high on strong volume, hold it for days.

TC2's SwingStrategy stopped after its entry and stop ("re-stop at -0.8 %"); its constants, its
multi-day exit and the carrying of a position to later days were TODOs. This version completes
it with the choices documented on the class; every constant is a ``Parameter``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from tc2.data.bars import Resolution
from tc2.env.market_calendar import NEW_YORK, new_york_epoch
from tc2.execution.orders import Order, OrderRejected, Side, TimeInForce
from tc2.strategy.base import ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.env import Bar, StrategyEnv
from tc2.strategy.parameters import Parameter
from tc2.strategy.sizing import PURCHASE_PARAMETERS, purchase_budget, purchase_problems

TICK = 0.01  # dollars; prices are rounded to cents, the tick of stocks above $1
ENTRY_WINDOW = ActiveWindow(time(10), time(15))


class Phase(StrEnum):
    WATCHING = "watching"  # flat: waiting for an entry window and a pullback
    ENTERING = "entering"  # the entry limit works, nothing filled yet
    HOLDING = "holding"  # a position, with one working sell


class ExitKind(StrEnum):
    STOP = "stop"
    TRAILING_STOP = "trailing stop"
    TARGET = "take-profit"
    MAX_HOLD = "max hold"


@dataclass(frozen=True, slots=True)
class Look:
    """What the entry rule sees of one symbol at one moment."""

    close: float
    high: float  # highest high of the lookback
    floor: float  # lowest close that is still near the high
    ceiling: float  # highest close that is already a pullback
    volume_ok: bool

    @property
    def in_zone(self) -> bool:
        return self.floor <= self.close <= self.ceiling


class SwingStrategy(Strategy):
    """Buys a pullback near the recent high when volume is strong; exits over several sessions.

    Documented choices where TC2 left TODOs:

    - **Entry rule** (the intent of the HIGH_96_PCT and VOLUME_50 models, computed from the
      minute bars visible through the env until those models become its filters): inside
      10:00-15:00 New York of any session, the latest close lies between
      ``max_pullback_pct`` and ``min_pullback_pct`` below the highest high of the last
      ``lookback_days`` sessions (today included; only visible bars count, so a one-day
      simulation sees its warm-up days only), and the mean volume of the last
      ``volume_minutes`` bars is at least ``volume_ratio`` times the mean over the lookback.
    - **Entry.** A good-until-canceled limit buy ``entry_offset_pct`` below the close, for
      ``min(max_purchase_pct x cash, max_purchase_usd)`` worth of whole shares (the strategy
      stops when that budget is below ``min_purchase_usd``), canceled after
      ``max_buy_minutes`` or at 15:00, whichever is first; the watch then resumes.
    - **Exit.** Exactly one good-until-canceled sell works at a time, because the account
      reserves shares for each sell. A stop at ``buy x (1 - max_stop_pct)`` works first. TC2's
      "re-stop at -0.8 %" becomes a trailing stop: once a high has reached
      ``buy x (1 + trail_start_pct)``, the stop is re-placed ``restop_pct`` below the highest
      high since the fill, in whole cents, and never lowered. When a high has covered
      ``arm_fraction`` of the way to the take-profit ``buy x (1 + take_profit_pct)``, a limit
      sell at that price replaces the stop; if the price then falls back to the stop's level,
      the stop returns (a market sell when the price is already through it).
    - **Maximum holding.** ``exit_minutes`` before the close of the ``max_hold_sessions``-th
      session after the entry session, the sell is replaced by a market sell.
    - **Carrying over.** Positions and their orders persist overnight; every time is derived
      from the env's clock and calendar (not ``trading_day``), so the strategy runs unchanged
      in one-day simulations and in replays over many sessions. After a round trip it watches
      again from the next session's window (never re-entering the day it sold); one position
      at a time, in the first symbol whose rule holds.

    - **On daily bars** (``resolution`` 1d) each bar is a whole session, seen at its close: the
      rule is checked at every close (the entry window is the close), the recent volume is the
      latest session's against the lookback's mean, and the entry limit works through the next
      session (``max_buy_minutes`` does not apply). The maximum holding ends at the close of
      the last session, so that market sell fills at the next open.

    HIGH_96_PCT (the recent high is in the top 4 % of the 75-session range) and VOLUME_50
    (yesterday's volume at least 1.25 x its 50-session mean) gate the start each session. While
    watching, the strategy sleeps until the close can enter the pullback zone or
    ``recheck_minutes`` pass.
    """

    kind = StrategyKind.SWING
    resolution = Resolution.MINUTE
    resolutions = (Resolution.DAY,)
    active_windows = (ENTRY_WINDOW,)
    default_symbols = ("SPY",)
    required_models: ClassVar[tuple[str, ...]] = ("HIGH_96_PCT", "VOLUME_50")
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            name="lookback_days",
            type=int,
            default=5,
            low=1,
            high=60,
            description="sessions (today included) whose highest high the pullback is from",
        ),
        Parameter(
            name="max_pullback_pct",
            type=float,
            default=0.04,
            low=0.005,
            high=0.25,
            description="the close must be at most this fraction below the recent high",
        ),
        Parameter(
            name="min_pullback_pct",
            type=float,
            default=0.005,
            low=0.0,
            high=0.2,
            description="and at least this fraction below it (a pullback, not a chase)",
        ),
        Parameter(
            name="volume_minutes",
            type=int,
            default=30,
            low=1,
            high=390,
            description="recent bars whose mean volume is compared with the lookback's",
        ),
        Parameter(
            name="volume_ratio",
            type=float,
            default=1.0,
            low=0.0,
            high=10.0,
            description="recent mean volume must be at least this times the lookback's",
        ),
        Parameter(
            name="entry_offset_pct",
            type=float,
            default=0.001,
            low=0.0,
            high=0.05,
            description="limit buy this fraction below the close",
        ),
        Parameter(
            name="max_buy_minutes",
            type=int,
            default=30,
            low=1,
            high=300,
            description="minutes the entry may work before it is canceled",
        ),
        Parameter(
            name="max_stop_pct",
            type=float,
            default=0.02,
            low=0.002,
            high=0.3,
            description="protective stop this fraction below the buy",
        ),
        Parameter(
            name="restop_pct",
            type=float,
            default=0.008,
            low=0.001,
            high=0.1,
            description="trailing stop this fraction below the highest high since the fill",
        ),
        Parameter(
            name="trail_start_pct",
            type=float,
            default=0.008,
            low=0.0,
            high=0.5,
            description="the stop trails once a high is this fraction above the buy",
        ),
        Parameter(
            name="take_profit_pct",
            type=float,
            default=0.03,
            low=0.002,
            high=1.0,
            description="take-profit this fraction above the buy",
        ),
        Parameter(
            name="arm_fraction",
            type=float,
            default=0.5,
            low=0.05,
            high=1.0,
            description="share of the way to the take-profit after which it works",
        ),
        Parameter(
            name="max_hold_sessions",
            type=int,
            default=5,
            low=1,
            high=60,
            description="sessions after the entry session the position may be held",
        ),
        Parameter(
            name="exit_minutes",
            type=int,
            default=15,
            low=1,
            high=120,
            description="minutes before the close of the last session when it is sold",
        ),
        *PURCHASE_PARAMETERS,
        Parameter(
            name="recheck_minutes",
            type=int,
            default=15,
            low=1,
            high=390,
            description="while watching, look again at least this often",
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
        self._calendar = env.exec_env.calendar
        self._daily = env.resolution is Resolution.DAY
        self._phase = Phase.WATCHING
        self._resume_t = 0  # no watching before this time
        self._window_end_t = 0
        self._next_check_t = 0
        self._above: dict[str, float] = {}  # wake levels while watching
        self._below: dict[str, float] = {}
        self._lookback_start: dict[date, int] = {}
        self._symbol = ""
        self._entry: Order | None = None
        self._entry_deadline_t = 0
        self._exit: Order | None = None
        self._exit_kind: ExitKind | None = None
        self._buy_price = 0.0
        self._buy_t = 0
        self._stop_price = 0.0
        self._target_price = 0.0
        self._arm_price = 0.0
        self._trail_start_price = 0.0
        self._peak = 0.0
        self._hold_until_t = 0
        self._trades: list[dict[str, Any]] = []

    # ---- hooks ------------------------------------------------------------------------------

    def on_start(self) -> None:
        budget = purchase_budget(self.p, self.env.account.cash)
        if budget < self.p.min_purchase_usd:
            self.stop_running(
                f"budget ${budget:,.2f} is below min_purchase_usd ${self.p.min_purchase_usd:,.2f}"
            )
            return
        self._watch()
        self._sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        phase = self._phase
        if phase is Phase.WATCHING:
            self._watch()
        elif phase is Phase.ENTERING:
            if self.env.now_t >= self._entry_deadline_t:
                self._end_entry()
        else:
            self._hold(symbol, bar)
        if self.running:
            self._sleep()

    def on_order_update(self, order: Order) -> None:
        if order.side is Side.BUY:
            if order.filled_qty:
                self._bought(order)
            if not order.is_open:
                self._entry = None
                if not order.filled_qty and self._phase is Phase.ENTERING:
                    self._phase = Phase.WATCHING
        elif self.position_qty(order.symbol) == 0 and order.filled_qty:
            self._sold(order)
        elif order is self._exit and not order.is_open:
            self._exit = None  # refused or expired with shares left: protect them again
            self._place_exit(ExitKind.STOP)
        if self.running:
            self._sleep()

    def make_execution_result(self) -> dict[str, Any]:
        return {
            "trades": list(self._trades),
            "holding": {
                "symbol": self._symbol,
                "buy_price": self._buy_price,
                "stop_price": self._stop_price,
                "target_price": self._target_price,
                "hold_until_t": self._hold_until_t,
            }
            if self._phase is Phase.HOLDING
            else None,
        }

    # ---- watching and entering --------------------------------------------------------------

    def _watch(self) -> None:
        now = self.env.now_t
        self._above.clear()
        self._below.clear()
        window = self._window_at(now)
        if now < self._resume_t or window is None:
            self._resume_t = max(self._resume_t, self._next_window_start(now))
            return
        self._window_end_t = window[1]
        self._next_check_t = now + int(self.p.recheck_minutes) * 60
        for symbol in self.symbols:
            look = self._look(symbol)
            if look is None:
                continue
            if look.in_zone and look.volume_ok:
                self._enter(symbol, look)
                return
            if look.close > look.ceiling:
                self._below[symbol] = look.ceiling
            elif look.close < look.floor:
                self._above[symbol] = look.floor
            else:  # in the zone, waiting for volume: look again at the next bar
                self._next_check_t = now + self.env.resolution.seconds

    def _look(self, symbol: str) -> Look | None:
        now = self.env.now_t
        bars = self.env.bars_between(symbol, self._lookback_start_t(_day_of(now)), now)
        recent = 1 if self._daily else int(self.p.volume_minutes)
        if len(bars) < recent:
            return None
        high = float(bars.h.max())
        return Look(
            close=float(bars.c[-1]),
            high=high,
            floor=high * (1 - self.p.max_pullback_pct),
            ceiling=high * (1 - self.p.min_pullback_pct),
            volume_ok=float(bars.v[-recent:].mean()) >= self.p.volume_ratio * float(bars.v.mean()),
        )

    def _enter(self, symbol: str, look: Look) -> None:
        price = round(look.close * (1 - self.p.entry_offset_pct), 2)
        budget = purchase_budget(self.p, self.env.account.cash)
        qty = int(budget // price)
        if budget < self.p.min_purchase_usd or qty < 1:
            self.stop_running(f"budget ${budget:,.2f} buys no share of {symbol} at {price}")
            return
        try:
            self._entry = self.buy(symbol, qty, limit=price, time_in_force=TimeInForce.GTC)
        except OrderRejected as rejected:
            self.stop_running(f"the entry was refused: {rejected.order.reason}")
            return
        self._phase = Phase.ENTERING
        self._symbol = symbol
        self._entry_deadline_t = (
            self._window_end_t
            if self._daily
            else min(self.env.now_t + int(self.p.max_buy_minutes) * 60, self._window_end_t)
        )
        self.env.note(
            "pullback: limit buy",
            symbol=symbol,
            close=look.close,
            high=look.high,
            limit=price,
            qty=qty,
        )

    def _end_entry(self) -> None:
        """The entry's time is up: cancel what is left of it; without a fill, watch again."""
        entry = self._entry
        if entry is not None and entry.is_open:
            self.env.account.cancel(entry.client_order_id)
        self._entry = None
        if self._phase is Phase.ENTERING:
            self._phase = Phase.WATCHING
            self._watch()

    def _bought(self, order: Order) -> None:
        """A buy filled (in part): set the exit prices from the average fill and protect it."""
        buy = order.average_fill_price
        if buy is None:
            return
        first = self._phase is Phase.ENTERING
        self._buy_price = buy
        self._target_price = round(buy * (1 + self.p.take_profit_pct), 2)
        self._arm_price = buy + self.p.arm_fraction * (self._target_price - buy)
        self._trail_start_price = buy * (1 + self.p.trail_start_pct)
        if first:
            self._phase = Phase.HOLDING
            self.mark_bought()
            self._buy_t = order.fills[0].t
            self._stop_price = round(buy * (1 - self.p.max_stop_pct), 2)
            self._peak = buy
            self._hold_until_t = self._hold_deadline(_day_of(self._buy_t))
            self.env.note("bought", symbol=order.symbol, price=buy, qty=order.filled_qty)
        # Opened or grown: the working sell must cover the whole position.
        self._place_exit(self._exit_kind or ExitKind.STOP)

    def _hold_deadline(self, entry_day: date) -> int:
        day = entry_day
        for _ in range(int(self.p.max_hold_sessions)):
            day = self._calendar.next_session(day)
        close_t = int(self._calendar.session_close(day).timestamp())
        return close_t - int(self.p.exit_minutes) * 60

    # ---- holding ----------------------------------------------------------------------------

    def _hold(self, symbol: str, bar: Bar) -> None:
        now = self.env.now_t
        if self._exit_kind is ExitKind.MAX_HOLD:
            return  # the market sell works; only its fill matters
        if now >= self._hold_until_t:
            self.env.account.cancel_all(self._symbol)
            self._entry = None
            self._place_exit(ExitKind.MAX_HOLD)
            self.env.note("maximum holding period reached", symbol=self._symbol)
            return
        if self._entry is not None and now >= self._entry_deadline_t:
            self._end_entry()
        if symbol != self._symbol:
            return
        if self._exit_kind is ExitKind.TARGET:
            if bar.l <= self._stop_price:
                self._place_exit(self._stop_kind())
                self.env.note("stop returns", symbol=symbol, price=self._stop_price)
            return
        self._peak = max(self._peak, bar.h)
        raised = False
        if self._peak >= self._trail_start_price:
            trailed = round(self._peak * (1 - self.p.restop_pct), 2)
            if trailed > self._stop_price:
                self._stop_price = trailed  # also the level watched while the target works
                raised = True
        if bar.h >= self._arm_price:
            self._place_exit(ExitKind.TARGET)
            self.env.note(
                "take-profit works", symbol=symbol, price=self._target_price, stop=self._stop_price
            )
        elif raised:
            self._place_exit(ExitKind.TRAILING_STOP)

    def _stop_kind(self) -> ExitKind:
        raised = self._stop_price > round(self._buy_price * (1 - self.p.max_stop_pct), 2)
        return ExitKind.TRAILING_STOP if raised else ExitKind.STOP

    def _place_exit(self, kind: ExitKind) -> None:
        symbol = self._symbol
        if self._exit is not None and self._exit.is_open:
            self.env.account.cancel(self._exit.client_order_id)
        qty = self.position_qty(symbol)
        last = self.env.last_bar(symbol)
        gtc = TimeInForce.GTC
        if kind is ExitKind.TARGET:
            self._exit = self.sell(symbol, qty, limit=self._target_price, time_in_force=gtc)
        elif kind is ExitKind.MAX_HOLD or (last is not None and last.c <= self._stop_price):
            # Brokers refuse a sell stop above the market: already through it, sell now.
            self._exit = self.sell(symbol, qty, time_in_force=gtc)
        else:
            self._exit = self.sell(symbol, qty, stop=self._stop_price, time_in_force=gtc)
        self._exit_kind = kind

    def _sold(self, order: Order) -> None:
        """Flat again: record the round trip and watch from the next session on."""
        now = self.env.now_t
        sell_price = order.average_fill_price
        sold_by = self._exit_kind
        self._trades.append(
            {
                "symbol": order.symbol,
                "buy_t": self._buy_t,
                "buy_price": self._buy_price,
                "sell_t": order.fills[-1].t,
                "sell_price": sell_price,
                "sold_by": sold_by.value if sold_by is not None else None,
            }
        )
        self.env.note("sold", symbol=order.symbol, price=sell_price, sold_by=sold_by)
        self.env.account.cancel_all(order.symbol)  # an entry remainder must not buy again
        self.mark_bought(False)
        self._phase = Phase.WATCHING
        self._entry = None
        self._exit = None
        self._exit_kind = None
        self._resume_t = self._window_of(self._calendar.next_session(_day_of(now)))[0]

    # ---- time -------------------------------------------------------------------------------

    def _window_of(self, day: date) -> tuple[int, int]:
        close_t = int(self._calendar.session_close(day).timestamp())
        if self._daily:  # decided at the close, worked through the next session
            next_close = self._calendar.session_close(self._calendar.next_session(day))
            return close_t, int(next_close.timestamp())
        start_t = new_york_epoch(day, ENTRY_WINDOW.start)
        return start_t, min(new_york_epoch(day, ENTRY_WINDOW.end), close_t)

    def _window_at(self, t: int) -> tuple[int, int] | None:
        """The entry window of ``t``'s session when ``t`` lies inside it."""
        day = _day_of(t)
        if not self._calendar.is_session(day):
            return None
        start, end = self._window_of(day)
        return (start, end) if start <= t < end else None

    def _next_window_start(self, t: int) -> int:
        day = _day_of(t)
        if self._calendar.is_session(day):
            start, end = self._window_of(day)
            if t < end:
                return max(start, t)
        return self._window_of(self._calendar.next_session(day))[0]

    def _lookback_start_t(self, day: date) -> int:
        start_t = self._lookback_start.get(day)
        if start_t is None:
            first = day
            for _ in range(int(self.p.lookback_days) - 1):
                first = self._calendar.previous_session(first)
            start_t = int(self._calendar.session_open(first).timestamp())
            self._lookback_start[day] = start_t
        return start_t

    # ---- services ---------------------------------------------------------------------------

    @classmethod
    def parameter_problems(cls, p: Params) -> dict[str, list[str]]:
        """Cross-field rules; the per-field bounds were checked before."""
        errors: dict[str, list[str]] = {}
        if p.min_pullback_pct >= p.max_pullback_pct:
            errors["params.min_pullback_pct"] = [
                f"min_pullback_pct must be < max_pullback_pct ({p.max_pullback_pct}), "
                f"was {p.min_pullback_pct}"
            ]
        return errors | purchase_problems(p)

    def _sleep(self) -> None:
        """Sleep until what matters in the current phase; order events wake it anyway."""
        env = self.env
        phase = self._phase
        if phase is Phase.WATCHING:
            if env.now_t < self._resume_t:
                env.sleep(until_t=self._resume_t)
                return
            env.sleep(until_t=min(self._next_check_t, self._window_end_t))
            for symbol, level in self._above.items():
                env.sleep(above=level, symbol=symbol)
            for symbol, level in self._below.items():
                env.sleep(below=level, symbol=symbol)
        elif phase is Phase.ENTERING:
            env.sleep(until_t=self._entry_deadline_t)
        elif self._exit_kind is ExitKind.MAX_HOLD:
            env.sleep()
        else:
            until = self._hold_until_t
            if self._entry is not None:
                until = min(until, self._entry_deadline_t)
            if self._exit_kind is ExitKind.TARGET:
                env.sleep(until_t=until, below=self._stop_price, symbol=self._symbol)
            else:
                # Wake to raise the stop by a cent, or to put the take-profit to work.
                raise_at = max(
                    self._trail_start_price, (self._stop_price + TICK) / (1 - self.p.restop_pct)
                )
                above = min(raise_at, self._arm_price)
                env.sleep(until_t=until, above=above, symbol=self._symbol)


def _day_of(t: int) -> date:
    return datetime.fromtimestamp(t, NEW_YORK).date()
