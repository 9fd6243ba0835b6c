"""Fill models: when and at what price an order meets a bar, stated explicitly and selectable.

A fill model answers three questions, each in one method:

- ``trigger_index``: the first bar, from a given one on, where an order could fill. It is a
  vectorised search, so the simulator can skip every bar in between without a Python step.
- ``execution``: on a bar where it triggers, the price it fills at (``None`` when it does not).
- ``capacity``: how many shares that bar can fill (``None``: unlimited).

An order placed when bar *i* has ended can fill from bar *i+1* on, in every model: nothing fills
on a bar that had begun before the order existed.

``realistic`` (default)
    The bar's path is open -> high -> low -> close, or open -> low -> high -> close when the
    open is nearer the low. Limits fill at the open when it is already better (a gap), else at
    the limit when the path reaches it; stops fill at the open when the open is already through
    the stop, else at the stop. Market orders fill at the open. At most ``participation`` (10 %)
    of each bar's volume fills; the rest waits for later bars (a partial fill). Stops and market
    orders pay ``slippage_bps``; limits pay none (they fill at their price or better). Sells
    pay the SEC fee and FINRA's TAF (``FeeSchedule``). A stop-limit whose stop is reached at a
    price beyond its limit works as a limit from the next bar on. Bars without volume fill
    nothing.
``tc2``
    TC2's original rule for 1-second bars, at the order's own price, no fees, no partial fills:
    a stop sell fills when low < stop (stop buy: high > stop); a limit buy when
    limit > 0.85 open + 0.15 high and qty < 2 x volume; a limit sell when
    limit < 0.85 open + 0.15 low and qty < 2 x volume. Market orders fill at the open.
``backtrader``
    backtrader's documented matching (BackBroker, no slippage, no volume limit, no fees):
    market at the open; a limit at the open when the open is better, else at the limit when the
    bar touches it; a stop at the open when it gaps through, else at the stop when touched. A
    stop-limit that gaps through its stop works as a limit on that same bar; one whose stop is
    reached during the bar fills at the stop when the limit allows it, else (a buy on a bar
    closing down, a sell on a bar closing up) at the limit when the close is within it; once
    triggered it fills like a limit.
``pyalgotrade``
    pyalgotrade's backtesting broker with its default fill strategy (no slippage, no
    commission): market orders at the open; limits and stops as ``backtrader``; each bar fills
    at most a quarter of its volume, rounded as pyalgotrade rounds it (half to even), across
    all orders, partial fills allowed (its ``volumeLimit=0.25``); bars without volume fill
    nothing.
``backtesting``
    backtesting.py's ``_Broker`` with the defaults its published test runs (no spread, no
    commission, ``trade_on_close`` off): market orders at the next bar's open; limits and stops
    as ``backtrader`` (stop-limits too: backtesting.py's differ when both prices fall in one
    bar); no volume limit, no fees. Sizing is backtesting.py's too: a notional order is its
    relative ``size``, the fraction ``notional / equity`` of the account when submitted, at most
    ``1 - 2**-52`` (its default ``size=.9999``: all of it, so a notional of the equity or more
    asks for all), and it fills ``int(fraction x buying power // price)`` whole shares, the
    buying power taken at the fill, after the bar's earlier fills (the close of a
    close-and-reverse), less what other open orders reserve; positions still open are valued at
    the latest close (backtesting.py values them at the fill bar's own close and reserves
    nothing: the same figure whenever the order fills flat, as after a close). Long or short: a
    notional sell opens a short with ``allow_short`` (without it, never beyond the shares held).
    One that buys no whole share is refused at the fill, as backtesting.py cancels it. With a
    spread or commission backtesting.py divides by ``price x (1 + spread)`` plus the commission
    per share; the profile has neither, as the test.
"""

from __future__ import annotations

import math
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from tc2.data.search import BoolArray, SliceCondition, first_index
from tc2.data.store import BarSeries
from tc2.errors import ConfigurationError
from tc2.execution.fees import FeeSchedule
from tc2.execution.orders import Order, OrderType, Side

DEFAULT_FILL_MODEL = "realistic"
DEFAULT_PARTICIPATION = 0.10
UNKNOWN_FILL_MODEL_MESSAGE = "fill model must be one of {names}, was {name!r}"


@dataclass(frozen=True, slots=True)
class Execution:
    """What a bar does to an order: fills it at ``price``, or only triggers its stop."""

    price: float | None
    stop_triggered: bool = False


class FillModel(ABC):
    """How orders fill against bars; see the module docstring for each model's rules."""

    name: ClassVar[str]
    fees: FeeSchedule
    # Notional orders are a peer's relative sizes, sized at the fill (``relative_units``).
    relative_sizing: ClassVar[bool] = False

    def trigger_index(self, order: Order, bars: BarSeries, start: int, stop: int) -> int:
        """Return the first index in [start, stop) where ``order`` could fill, or -1."""
        return first_index(self._condition(order, bars), start, stop)

    @abstractmethod
    def _condition(self, order: Order, bars: BarSeries) -> SliceCondition:
        """Whether ``order`` triggers, per bar of a slice of ``bars``."""

    @abstractmethod
    def execution(self, order: Order, o: float, h: float, l: float, c: float) -> Execution:  # noqa: E741
        """Return how the order executes on a bar it triggers on (``price`` None: not filled)."""

    def capacity(self, volume: float) -> int | None:
        """Shares a bar with ``volume`` can fill across all orders; None means no limit."""
        return None

    def relative_units(self, fraction: float, buying_power: float, price: float) -> int:
        """Whole shares a notional order asking for ``fraction`` of the equity fills at
        ``price`` with ``buying_power`` left at the fill (models with ``relative_sizing``)."""
        raise NotImplementedError(f"fill model {self.name!r} sizes notional orders as dollars")

    def path_position(self, order: Order, o: float, h: float, l: float, c: float) -> float:  # noqa: E741
        """Where along the bar's path the order triggers; orders on one bar fill in this order.

        Models without an intra-bar path return 0, so orders fill in submission order.
        """
        return 0.0


class _TouchModel(FillModel):
    """Shared trigger rules of the models that fill when the bar touches the price."""

    requires_volume: ClassVar[bool]

    def _condition(self, order: Order, bars: BarSeries) -> SliceCondition:
        buy = order.side is Side.BUY
        if order.type is OrderType.MARKET:
            return self._with_volume(bars, lambda i, e: np.ones(e - i, dtype=np.bool_))
        if order.type is OrderType.LIMIT or (
            order.type is OrderType.STOP_LIMIT and order.stop_triggered
        ):
            price = _price(order.limit_price)
            if buy:
                return self._with_volume(bars, lambda i, e: bars.l[i:e] <= price)
            return self._with_volume(bars, lambda i, e: bars.h[i:e] >= price)
        price = _price(order.stop_price)
        if buy:
            return self._with_volume(bars, lambda i, e: bars.h[i:e] >= price)
        return self._with_volume(bars, lambda i, e: bars.l[i:e] <= price)

    def _with_volume(self, bars: BarSeries, condition: SliceCondition) -> SliceCondition:
        if not self.requires_volume:
            return condition
        return lambda i, e: condition(i, e) & (bars.v[i:e] > 0)

    def execution(self, order: Order, o: float, h: float, l: float, c: float) -> Execution:  # noqa: E741
        buy = order.side is Side.BUY
        kind = order.type
        if kind is OrderType.MARKET:
            return Execution(self._slipped(o, buy))
        if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and order.stop_triggered):
            return Execution(_limit_price(_price(order.limit_price), buy, o, h, l))
        stop = _price(order.stop_price)
        reached = h >= stop if buy else l <= stop
        if not reached:
            return Execution(None)
        gapped = o >= stop if buy else o <= stop
        trigger = o if gapped else stop
        if kind is OrderType.STOP:
            return Execution(self._slipped(trigger, buy))
        limit = _price(order.limit_price)
        if (buy and trigger <= limit) or (not buy and trigger >= limit):
            return Execution(_clip_to_limit(self._slipped(trigger, buy), limit, buy), True)
        return Execution(None, stop_triggered=True)

    def _slipped(self, price: float, buy: bool) -> float:
        return price


class RealisticFillModel(_TouchModel):
    """Intra-bar path, gaps, a volume participation cap, slippage and Alpaca's fees.

    Raises
    ------
    ConfigurationError
        If ``participation`` is not in (0, 1] or ``slippage_bps`` is negative or not finite.
    """

    name = "realistic"
    requires_volume = True

    def __init__(
        self,
        *,
        participation: float = DEFAULT_PARTICIPATION,
        slippage_bps: float = 0.0,
        fees: FeeSchedule | None = None,
    ) -> None:
        if not (0 < participation <= 1):
            raise ConfigurationError(f"participation must be in (0, 1], was {participation!r}")
        if not math.isfinite(slippage_bps) or slippage_bps < 0:
            raise ConfigurationError(f"slippage_bps must be >= 0, was {slippage_bps!r}")
        self.participation = participation
        self.slippage_bps = slippage_bps
        self.fees = fees if fees is not None else FeeSchedule()
        self._slip = slippage_bps / 10_000

    def capacity(self, volume: float) -> int | None:
        return int(volume * self.participation)

    def path_position(self, order: Order, o: float, h: float, l: float, c: float) -> float:  # noqa: E741
        if order.type is OrderType.MARKET:
            return 0.0
        buy = order.side is Side.BUY
        if order.type is OrderType.LIMIT or order.stop_triggered:
            price = _price(order.limit_price)
            at_open = o <= price if buy else o >= price  # the open is already as good
        else:
            price = _price(order.stop_price)
            at_open = o >= price if buy else o <= price  # the open gapped through the stop
        return 0.0 if at_open else _path_distance(price, o, h, l)

    def _slipped(self, price: float, buy: bool) -> float:
        return price * (1 + self._slip) if buy else price * (1 - self._slip)


class BacktraderFillModel(_TouchModel):
    """backtrader's BackBroker matching: touch fills, gaps at the open, no volume, no fees."""

    name = "backtrader"
    requires_volume = False

    def __init__(self) -> None:
        self.fees = FeeSchedule.free()

    def execution(self, order: Order, o: float, h: float, l: float, c: float) -> Execution:  # noqa: E741
        if order.type is OrderType.STOP_LIMIT and not order.stop_triggered:
            done = _backtrader_stop_limit(order, o, h, l, c)
        else:
            done = super().execution(order, o, h, l, c)
        if done.price is None:
            return done
        # backtrader reports executed.price as value / size = (qty x price) / qty, which is one
        # ulp off the matched price for some prices; fills are compared bit for bit, so do the same.
        qty = order.remaining_qty
        return Execution((qty * done.price) / qty, done.stop_triggered)


class PyAlgoTradeFillModel(_TouchModel):
    """pyalgotrade's DefaultStrategy: open fills, a quarter of each bar's volume, no fees."""

    name = "pyalgotrade"
    requires_volume = True
    VOLUME_LIMIT = 0.25

    def __init__(self) -> None:
        self.fees = FeeSchedule.free()

    def capacity(self, volume: float) -> int | None:
        return round(volume * self.VOLUME_LIMIT)  # Python rounds half to even, as it does


class BacktestingFillModel(_TouchModel):
    """backtesting.py's _Broker: open fills, whole shares of a fraction of the buying power."""

    name = "backtesting"
    requires_volume = False
    relative_sizing = True
    LARGEST_FRACTION = 1 - sys.float_info.epsilon  # its Strategy.buy's default size, ".9999"

    def __init__(self) -> None:
        self.fees = FeeSchedule.free()

    def relative_units(self, fraction: float, buying_power: float, price: float) -> int:
        # _Broker._process_orders: int(margin_available * leverage * size // adjusted price),
        # the adjusted price being the price itself without spread and commission.
        return int(max(buying_power, 0.0) * min(fraction, self.LARGEST_FRACTION) // price)


class Tc2FillModel(FillModel):
    """TC2's original 1-second rule, filling at the order's own price."""

    name = "tc2"

    def __init__(self) -> None:
        self.fees = FeeSchedule.free()

    def _condition(self, order: Order, bars: BarSeries) -> SliceCondition:
        buy = order.side is Side.BUY
        if order.type is OrderType.MARKET:
            return lambda i, e: np.ones(e - i, dtype=np.bool_)
        if order.type is OrderType.STOP:
            stop = _price(order.stop_price)
            if buy:
                return lambda i, e: bars.h[i:e] > stop
            return lambda i, e: bars.l[i:e] < stop
        limit = _price(order.limit_price)
        qty = order.remaining_qty

        def limit_rule(i: int, e: int) -> BoolArray:
            if buy:
                reached = limit > 0.85 * bars.o[i:e] + 0.15 * bars.h[i:e]
            else:
                reached = limit < 0.85 * bars.o[i:e] + 0.15 * bars.l[i:e]
            return reached & (qty < 2 * bars.v[i:e])

        if order.type is OrderType.LIMIT:
            return limit_rule
        stop = _price(order.stop_price)
        if buy:
            return lambda i, e: limit_rule(i, e) & (bars.h[i:e] > stop)
        return lambda i, e: limit_rule(i, e) & (bars.l[i:e] < stop)

    def execution(self, order: Order, o: float, h: float, l: float, c: float) -> Execution:  # noqa: E741
        if order.type is OrderType.MARKET:
            return Execution(o)
        if order.type is OrderType.STOP:
            return Execution(_price(order.stop_price))
        return Execution(_price(order.limit_price))


FILL_MODELS: dict[str, type[FillModel]] = {
    RealisticFillModel.name: RealisticFillModel,
    Tc2FillModel.name: Tc2FillModel,
    BacktraderFillModel.name: BacktraderFillModel,
    PyAlgoTradeFillModel.name: PyAlgoTradeFillModel,
    BacktestingFillModel.name: BacktestingFillModel,
}


def fill_model_named(
    name: str, *, participation: float | None = None, slippage_bps: float | None = None
) -> FillModel:
    """Return the fill model called ``name``; the options apply to ``realistic`` only.

    Raises
    ------
    ConfigurationError
        If no model has that name, or an option is given to a model that has none or is out
        of range.
    """
    if name not in FILL_MODELS:
        raise ConfigurationError(
            UNKNOWN_FILL_MODEL_MESSAGE.format(names=", ".join(sorted(FILL_MODELS)), name=name)
        )
    if name != RealisticFillModel.name:
        if participation is not None or slippage_bps is not None:
            raise ConfigurationError(
                f"participation and slippage_bps apply to the realistic fill model only, "
                f"not {name!r}"
            )
        return FILL_MODELS[name]()
    return RealisticFillModel(
        participation=DEFAULT_PARTICIPATION if participation is None else participation,
        slippage_bps=0.0 if slippage_bps is None else slippage_bps,
    )


def _price(value: float | None) -> float:
    # OrderRequest guarantees the prices an order's type needs; this only narrows the type.
    assert value is not None
    return value


def _limit_price(limit: float, buy: bool, o: float, h: float, l: float) -> float | None:  # noqa: E741
    if buy:
        if o <= limit:
            return o
        return limit if l <= limit else None
    if o >= limit:
        return o
    return limit if h >= limit else None


def _backtrader_stop_limit(order: Order, o: float, h: float, l: float, c: float) -> Execution:  # noqa: E741
    """A stop-limit whose stop has not triggered yet, as BackBroker._try_exec_stoplimit does it."""
    stop, limit = _price(order.stop_price), _price(order.limit_price)
    if order.side is Side.BUY:
        if o >= stop:  # gapped through the stop: a limit order from the open on
            return Execution(_limit_price(limit, True, o, h, l), stop_triggered=True)
        if h < stop:
            return Execution(None)
        if limit >= stop:
            return Execution(stop, stop_triggered=True)
        return Execution(limit if o > c and limit >= c else None, stop_triggered=True)
    if o <= stop:
        return Execution(_limit_price(limit, False, o, h, l), stop_triggered=True)
    if l > stop:
        return Execution(None)
    if limit <= stop:
        return Execution(stop, stop_triggered=True)
    return Execution(limit if o <= c and limit <= c else None, stop_triggered=True)


def _clip_to_limit(price: float, limit: float, buy: bool) -> float:
    return min(price, limit) if buy else max(price, limit)


def _path_distance(price: float, o: float, h: float, l: float) -> float:  # noqa: E741
    """How far along the bar's path (o->h->l->c, or o->l->h->c) ``price`` is first reached."""
    if not (o - l < h - o):  # the open is not nearer the low: the high comes first
        if price >= o:
            return price - o
        return (h - o) + (h - price)
    if price <= o:
        return o - price
    return (o - l) + (price - l)
