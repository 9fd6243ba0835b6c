"""What a simulated strategy holds: an env and an account that lead to nothing after now.

The engine's side of a run (feeds over the whole run, the virtual account with its fill search,
the clock) must not be reachable from the strategy's objects, or ordinary Python reads the
future: ``env.feeds[...].c``, ``env.account.next_fill_index(...)``, ``bars(...).c.base``. So the
strategy gets ``SimulationEnv`` and ``BrokerAccount``, which keep no reference to the engine at
all, private or public. While the engine runs one of the strategy's hooks it publishes its side
in ``ACTIVE_PORT`` (a context variable), and these objects answer through it, after checking
that the port is their own run's; outside a hook they refuse. What they return is the past only:
``Bar`` tuples, copies, or read-only views of the engine's growing copy of the bars seen so far.

This is a seal on the API, not a sandbox: strategy code is Python in the engine's process, and
``gc.get_objects()``, ``sys._getframe()``, importing ``tc2.simulation`` internals or reading the
store's files reach past it (docs/STRATEGIES.md says exactly what is and is not sealed).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from typing import Protocol

from tc2.analysis.grades import ModelGrade
from tc2.analysis.models import TrainedModel
from tc2.analysis.signals import Series, Signal
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.env.exec_env import ExecEnv
from tc2.errors import StrategyError
from tc2.execution.account import Account
from tc2.execution.orders import Order, OrderRequest
from tc2.execution.positions import Position
from tc2.strategy.env import Bar, StrategyEnv

OUTSIDE_HOOKS_MESSAGE = (
    "a strategy's env and account answer only while the engine runs one of its hooks "
    "(is_viable, on_start, on_bar, on_order_update, on_stop)"
)


class EnginePort(Protocol):
    """The engine's side of a run, as the strategy's objects use it during a hook."""

    @property
    def token(self) -> object: ...
    @property
    def account(self) -> Account: ...
    def last_bar(self, symbol: str) -> Bar | None: ...
    def bars(self, symbol: str, count: int | None) -> BarSeries: ...
    def bars_between(self, symbol: str, start_t: int, end_t: int) -> BarSeries: ...
    def bar_at(self, symbol: str, t: int) -> Bar | None: ...
    def indicator(self, symbol: str, series: Series) -> float: ...
    def fired(self, symbol: str, signal: Signal) -> bool: ...
    def sleep(
        self,
        *,
        until_t: int | None,
        above: float | None,
        below: float | None,
        symbol: str | None,
    ) -> None: ...
    def wake_on(self, symbol: str, signal: Signal) -> None: ...
    def model_grade(self, name: str, symbol: str) -> ModelGrade | None: ...


ACTIVE_PORT: ContextVar[EnginePort | None] = ContextVar("tc2_active_engine_port", default=None)
"""The engine side of the run whose hook is running now; None between hooks."""


def _port(token: object) -> EnginePort:
    port = ACTIVE_PORT.get()
    if port is None or port.token is not token:
        raise StrategyError(OUTSIDE_HOOKS_MESSAGE)
    return port


class BrokerAccount(Account):
    """The account as a broker offers it: orders, positions, money. No bars, no fill search."""

    __slots__ = ("_token",)

    def __init__(self, token: object) -> None:
        self._token = token

    def submit(self, request: OrderRequest) -> Order:
        return _port(self._token).account.submit(request)

    def cancel(self, client_order_id: str) -> Order:
        return _port(self._token).account.cancel(client_order_id)

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        return _port(self._token).account.replace(
            client_order_id,
            qty=qty,
            limit_price=limit_price,
            stop_price=stop_price,
            new_client_order_id=new_client_order_id,
        )

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return _port(self._token).account.cancel_all(symbol)

    def order(self, client_order_id: str) -> Order:
        return _port(self._token).account.order(client_order_id)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return _port(self._token).account.open_orders(symbol)

    def positions(self) -> Mapping[str, Position]:
        return _port(self._token).account.positions()

    def position_qty(self, symbol: str) -> float:
        port = ACTIVE_PORT.get()  # _port inlined: asked before every order
        if port is None or port.token is not self._token:
            raise StrategyError(OUTSIDE_HOOKS_MESSAGE)
        return port.account.position_qty(symbol)

    @property
    def cash(self) -> float:
        return _port(self._token).account.cash

    @property
    def equity(self) -> float:
        return _port(self._token).account.equity

    @property
    def buying_power(self) -> float:
        return _port(self._token).account.buying_power

    @property
    def day_trade_count(self) -> int:
        return _port(self._token).account.day_trade_count


class SimulationEnv(StrategyEnv):
    """``StrategyEnv`` of a simulated strategy: answers from the engine's port during hooks.

    Parameters
    ----------
    token
        The run's identity, shared with its engine port only.
    start_t
        The time before the engine first moves it (epoch s).
    exec_env, resolution, models
        As ``StrategyEnv``.
    """

    def __init__(
        self,
        *,
        token: object,
        exec_env: ExecEnv,
        resolution: Resolution,
        trading_day: date,
        start_t: int,
        models: Mapping[tuple[str, str], TrainedModel] | None = None,
    ) -> None:
        super().__init__(
            exec_env=exec_env,
            account=BrokerAccount(token),
            resolution=resolution,
            models=models,
        )
        self._token = token
        self._trading_day = trading_day
        # Pushed by the engine as its clock moves: the env keeps no clock the strategy could set.
        self._now_t = start_t

    @property
    def now_t(self) -> int:
        return self._now_t

    @property
    def trading_day(self) -> date:
        return self._trading_day

    def last_bar(self, symbol: str) -> Bar | None:
        return _port(self._token).last_bar(symbol)

    def bars(self, symbol: str, count: int | None = None) -> BarSeries:
        return _port(self._token).bars(symbol, count)

    def bars_between(self, symbol: str, start_t: int, end_t: int) -> BarSeries:
        return _port(self._token).bars_between(symbol, start_t, end_t)

    def bar_at(self, symbol: str, t: int) -> Bar | None:
        return _port(self._token).bar_at(symbol, t)

    def indicator(self, symbol: str, series: Series) -> float:
        return _port(self._token).indicator(symbol, series)

    def fired(self, symbol: str, signal: Signal) -> bool:
        port = ACTIVE_PORT.get()  # _port inlined: strategies ask this at every wake-up
        if port is None or port.token is not self._token:
            raise StrategyError(OUTSIDE_HOOKS_MESSAGE)
        return port.fired(symbol, signal)

    def sleep(
        self,
        *,
        until_t: int | None = None,
        above: float | None = None,
        below: float | None = None,
        symbol: str | None = None,
    ) -> None:
        port = ACTIVE_PORT.get()  # _port inlined: strategies call this at every wake-up
        if port is None or port.token is not self._token:
            raise StrategyError(OUTSIDE_HOOKS_MESSAGE)
        port.sleep(until_t=until_t, above=above, below=below, symbol=symbol)

    def wake_on(self, symbol: str, signal: Signal) -> None:
        _port(self._token).wake_on(symbol, signal)

    def model_grade(self, name: str, symbol: str) -> ModelGrade | None:
        return _port(self._token).model_grade(name, symbol)
