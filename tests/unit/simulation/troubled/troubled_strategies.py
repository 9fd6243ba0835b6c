"""Strategies that fail in the ways a user's code can, each way on one symbol-day.

Loaded by path (``troubled_strategies.py:Class``) in worker processes, as a user's file is.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import date
from datetime import time as clock
from typing import ClassVar

from tc2.data.bars import Resolution
from tc2.errors import StrategyError
from tc2.execution.orders import OrderRequest, Side
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar


class HoldsALock(Exception):
    """Cannot be pickled: it holds a lock (and its class lives in a user's module)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class CarriesALambda(StrategyError):
    """A TC2 error (the kernel's guard passes it on unwrapped) that cannot be pickled."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.later = lambda: message


def raise_holds_a_lock(strategy: Strategy, symbol: str) -> None:
    raise HoldsALock("the lock stays in the worker")


def raise_carries_a_lambda(strategy: Strategy, symbol: str) -> None:
    raise CarriesALambda("the lambda stays in the worker")


def order_too_much(strategy: Strategy, symbol: str) -> None:
    strategy.env.submit(OrderRequest(symbol=symbol, side=Side.BUY, qty=10_000_000))


def exit_the_process(strategy: Strategy, symbol: str) -> None:
    os._exit(3)


def kill_the_process(strategy: Strategy, symbol: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def sleep_forever(strategy: Strategy, symbol: str) -> None:
    time.sleep(3600)


Trouble = Callable[[Strategy, str], None]


class RaisesErrors(Strategy):
    """Raises on three symbol-days: an unpicklable error, an unpicklable TC2 error, a refusal."""

    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(clock(9, 30), clock(16)),)
    default_symbols = ("SPY",)
    troubles: ClassVar[dict[tuple[str, date], Trouble]] = {
        ("QQQ", date(2026, 3, 3)): raise_holds_a_lock,
        ("SPY", date(2026, 3, 4)): raise_carries_a_lambda,
        ("QQQ", date(2026, 3, 5)): order_too_much,
    }

    def on_bar(self, symbol: str, bar: Bar) -> None:
        trouble = self.troubles.get((symbol, self.env.trading_day))
        if trouble is not None:
            trouble(self, symbol)


class EndsItsProcess(RaisesErrors):
    """As RaisesErrors, and exits its process on one symbol-day and is killed on another."""

    troubles: ClassVar[dict[tuple[str, date], Trouble]] = {
        **RaisesErrors.troubles,
        ("SPY", date(2026, 3, 3)): exit_the_process,
        ("QQQ", date(2026, 3, 6)): kill_the_process,
    }


class SleepsForever(RaisesErrors):
    troubles: ClassVar[dict[tuple[str, date], Trouble]] = {
        ("QQQ", date(2026, 3, 4)): sleep_forever,
    }
