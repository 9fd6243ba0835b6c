"""The one strategy contract: ``Strategy``, for TC2-style and LiuAlgoTrader-style strategies alike.

A strategy declares what it is as class attributes (kind, bar resolution, active windows in New
York time, symbols, typed parameters, required models) and reacts through hooks. The engine
calls the hooks through a guard (``tc2.simulation`` turns a crash into ``StrategyError``) and
the strategy acts only through ``self.env`` (clock-gated data, models, the account).

Hooks, in the order the engine calls them:

``is_viable(symbol)``
    Before the start, every 30 s of virtual time inside an active window: cheap pre-checks.
    Return True/False or a score (> 0 is viable). Default: always viable.
``on_start()``
    Once, when the strategy starts (the first time a symbol is viable).
``on_order_update(order)``
    When the market changed one of its orders: a fill, a partial fill, an expiry, a refusal
    at fill time. Orders the strategy canceled or replaced itself are not reported again.
``on_bar(symbol, bar)``
    At the end of each bar that wakes the strategy: every bar by default. Default: calls
    ``sell_logic`` when ``bought``, else ``buy_logic`` (TC2's split).
``on_stop()``
    Once, after the strategy stopped or the session closed, before the run is recorded.
``make_execution_result()``
    Custom data to keep with the run record (JSON-ready); only asked of a strategy that started.

Speed: a strategy that does not need every bar calls ``self.env.sleep(...)`` (a time, a price
level, or nothing: only order events) or ``self.env.wake_on(symbol, signal)`` (a causal signal
such as a moving-average cross); the simulator then skips the bars in between with a vectorised
search. Not calling ``sleep`` during a wake-up means "wake me on the next bar". An order event
is a wake-up too: sleeping again in ``on_order_update`` decides whether the bar of the event
also reaches ``on_bar``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Any, ClassVar

from tc2.data.bars import Resolution
from tc2.errors import ValidationFailed
from tc2.execution.orders import (
    Order,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
)
from tc2.strategy.env import Bar, StrategyEnv
from tc2.strategy.parameters import Parameter, ParameterValue, resolve_parameters

INTERFACE_VERSION = 1


class StrategyKind(StrEnum):
    DAY = "day"  # flat at the close: the simulator liquidates what is left
    SWING = "swing"  # positions may be held overnight


@dataclass(frozen=True, slots=True)
class ActiveWindow:
    """A span of the session, New York wall time, in which the strategy may start.

    Raises
    ------
    ValueError
        If ``start`` is not before ``end``.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"active window start {self.start} must be before end {self.end}")

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat("minutes"), "end": self.end.isoformat("minutes")}


class Params:
    """A strategy's resolved parameters, read as attributes (``self.p.stop_loss``)."""

    def __init__(self, values: Mapping[str, ParameterValue]) -> None:
        self.__dict__.update(values)

    def as_dict(self) -> dict[str, ParameterValue]:
        return dict(self.__dict__)

    def __getattr__(self, name: str) -> ParameterValue:
        raise AttributeError(f"no strategy parameter {name!r}")


class Strategy:
    """Base of every strategy. Override the class attributes and the hooks you need.

    Parameters
    ----------
    env
        The run's environment (clock-gated data, account).
    symbols
        The symbols to trade; ``default_symbols`` when empty, always those when
        ``fixed_symbols``.
    params
        Parameter values by name; missing ones take their defaults.

    Raises
    ------
    ValidationFailed
        If a parameter is unknown or out of bounds, or no symbol is given.
    """

    interface_version: ClassVar[int] = INTERFACE_VERSION
    kind: ClassVar[StrategyKind] = StrategyKind.DAY
    resolution: ClassVar[Resolution] = Resolution.SECOND
    # Other resolutions the strategy can also run on; a run's ``resolution`` picks one of
    # ``supported_resolutions()``. A day strategy cannot list 1d (see ``run_resolution``).
    resolutions: ClassVar[tuple[Resolution, ...]] = ()
    active_windows: ClassVar[tuple[ActiveWindow, ...]] = (ActiveWindow(time(9, 30), time(16)),)
    default_symbols: ClassVar[tuple[str, ...]] = ()
    fixed_symbols: ClassVar[bool] = False
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    required_models: ClassVar[tuple[str, ...]] = ()
    experimental: ClassVar[bool] = True  # only non-experimental strategies may trade live

    def __init__(
        self,
        *,
        env: StrategyEnv,
        symbols: Sequence[str] = (),
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.env = env
        self.symbols = resolve_symbols(type(self), symbols)
        self.p = Params(type(self).resolve_params(params))
        self.bought = False
        self.running = True
        self.stop_reason = ""

    @classmethod
    def resolve_params(cls, params: Mapping[str, object] | None) -> dict[str, ParameterValue]:
        """Return every parameter's value, checked field by field and then across fields.

        Raises
        ------
        ValidationFailed
            Naming every bad parameter (``params.<name>``).
        """
        values = resolve_parameters(cls.parameters, params)
        problems = cls.parameter_problems(Params(values))
        if problems:
            raise ValidationFailed("strategy parameters are invalid", problems)
        return values

    @classmethod
    def supported_resolutions(cls) -> tuple[Resolution, ...]:
        """The resolutions a run may choose: ``resolution`` first, then ``resolutions``."""
        return tuple(dict.fromkeys((cls.resolution, *cls.resolutions)))

    @classmethod
    def strategy_id(cls) -> str:
        """The registry name: the class name."""
        return cls.__name__

    # ---- hooks: override what you need -------------------------------------------------------

    def is_viable(self, symbol: str) -> bool | float:
        """Cheap pre-checks before the start; True/False or a score (> 0 is viable)."""
        return True

    def on_start(self) -> None:
        """Called once when the strategy starts."""

    def on_bar(self, symbol: str, bar: Bar) -> None:
        """Called at the end of each bar that wakes the strategy (every bar by default)."""
        if self.bought:
            self.sell_logic(symbol, bar)
        else:
            self.buy_logic(symbol, bar)

    def buy_logic(self, symbol: str, bar: Bar) -> None:
        """TC2's entry half of ``on_bar``, called while not ``bought``."""

    def sell_logic(self, symbol: str, bar: Bar) -> None:
        """TC2's exit half of ``on_bar``, called while ``bought``."""

    def on_order_update(self, order: Order) -> None:
        """Called when the market fills, partly fills, expires or refuses one of its orders."""

    def on_stop(self) -> None:
        """Called once after the strategy stopped or the session closed."""

    def make_execution_result(self) -> dict[str, Any]:
        """Custom, JSON-ready data to keep with the run record."""
        return {}

    @classmethod
    def parameter_problems(cls, p: Params) -> dict[str, list[str]]:
        """Rules across parameters (``fast < slow``), as field errors keyed ``params.<name>``.

        Called before any run with values already within their own bounds. Default: none.
        """
        return {}

    # ---- end of the overridable section; services for strategies below ----------------------

    def stop_running(self, reason: str = "the strategy stopped") -> None:
        """Stop after the current hook; the run then ends (day strategies are flattened)."""
        if self.running:
            self.running = False
            self.stop_reason = reason
            self.env.note(f"stop: {reason}")

    def mark_bought(self, bought: bool = True) -> None:
        """Set the ``bought`` flag that routes ``on_bar`` to ``sell_logic``."""
        self.bought = bought

    def buy(
        self,
        symbol: str,
        qty: float | None = None,
        *,
        notional: float | None = None,
        limit: float | None = None,
        stop: float | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
    ) -> Order:
        """Place a buy: market, limit (``limit``), stop (``stop``) or stop-limit (both).

        ``qty`` shares, or ``notional`` dollars' worth sized at the fill price (a market day
        order, fractional shares: Alpaca's rules, ``tc2.execution.orders``).
        """
        return self.env.submit(
            _request(symbol, Side.BUY, qty, notional, limit, stop, time_in_force)
        )

    def sell(
        self,
        symbol: str,
        qty: float | None = None,
        *,
        notional: float | None = None,
        limit: float | None = None,
        stop: float | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
    ) -> Order:
        """Place a sell: market, limit (``limit``), stop (``stop``) or stop-limit (both).

        ``qty`` shares, or ``notional`` dollars' worth of a long position (never short).
        """
        return self.env.submit(
            _request(symbol, Side.SELL, qty, notional, limit, stop, time_in_force)
        )

    def model_weights(self) -> dict[str, float]:
        """Weights of the scoring models, from parameters named ``weight_<model>`` (lower case),
        so the optimizer can tune them like any other parameter."""
        values = self.p.as_dict()
        return {
            name: float(values[f"weight_{name.lower()}"])
            for name in self.required_models
            if f"weight_{name.lower()}" in values
        }

    def position_qty(self, symbol: str) -> float:
        return self.env.account.position_qty(symbol)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """What the strategy is, for listings: id, kind, docstring, windows, parameters."""
        return {
            "id": cls.strategy_id(),
            "kind": cls.kind.value,
            "description": (cls.__doc__ or "").strip(),
            "resolution": cls.resolution.value,
            "resolutions": [resolution.value for resolution in cls.supported_resolutions()],
            "active_windows": [window.to_dict() for window in cls.active_windows],
            "default_symbols": list(cls.default_symbols),
            "fixed_symbols": cls.fixed_symbols,
            "parameters": [parameter.to_dict() for parameter in cls.parameters],
            "required_models": list(cls.required_models),
            "experimental": cls.experimental,
        }


def resolve_symbols(strategy_class: type[Strategy], symbols: Sequence[str]) -> tuple[str, ...]:
    """The symbols a run of ``strategy_class`` trades, given what the user asked for.

    Raises
    ------
    ValidationFailed
        If none results.
    """
    if strategy_class.fixed_symbols or not symbols:
        chosen = tuple(strategy_class.default_symbols)
    else:
        chosen = tuple(dict.fromkeys(symbols))
    if not chosen:
        raise ValidationFailed(
            "no symbols to trade", {"symbols": [f"{strategy_class.__name__} needs symbols"]}
        )
    return chosen


DAY_STRATEGY_ON_DAILY_BARS = (
    "{strategy} is a day strategy (flat at every close): on daily bars its only bar of a "
    "session ends at the close, so it could never trade; run it on {supported}"
)
UNSUPPORTED_RESOLUTION = "{strategy} runs on {supported}, not {resolution}"


def run_resolution(strategy_class: type[Strategy], resolution: Resolution | None) -> Resolution:
    """The bars a run of ``strategy_class`` gets: ``resolution``, else the strategy's own.

    Raises
    ------
    ValidationFailed
        On field ``resolution``: a resolution the strategy does not declare, or daily bars for a
        day strategy (its one bar a session would end at the close it is flattened at).
    """
    chosen = strategy_class.resolution if resolution is None else resolution
    supported = strategy_class.supported_resolutions()
    names = {"strategy": strategy_class.__name__, "resolution": chosen.value}
    intraday = ", ".join(r.value for r in supported if r is not Resolution.DAY) or "1s or 1m"
    if chosen is Resolution.DAY and strategy_class.kind is StrategyKind.DAY:
        message = DAY_STRATEGY_ON_DAILY_BARS.format(supported=intraday, **names)
    elif chosen not in supported:
        message = UNSUPPORTED_RESOLUTION.format(
            supported=", ".join(r.value for r in supported), **names
        )
    else:
        return chosen
    raise ValidationFailed(message, {"resolution": [message]})


def _request(
    symbol: str,
    side: Side,
    qty: float | None,
    notional: float | None,
    limit: float | None,
    stop: float | None,
    time_in_force: TimeInForce,
) -> OrderRequest:
    if limit is not None and stop is not None:
        kind = OrderType.STOP_LIMIT
    elif limit is not None:
        kind = OrderType.LIMIT
    elif stop is not None:
        kind = OrderType.STOP
    else:
        kind = OrderType.MARKET
    return OrderRequest(
        symbol=symbol,
        side=side,
        qty=qty,
        notional=notional,
        type=kind,
        limit_price=limit,
        stop_price=stop,
        time_in_force=time_in_force,
    )
