"""``AlpacaBroker``: the ``Account`` a strategy run trades through on Alpaca (paper or live).

A broker is a view of one run on the key's shared ``AlpacaHub`` (one REST client, one account
stream, one order book per key in the process): it numbers the run's orders with deterministic
``client_order_id``s, sees and cancels only the run's own orders, and queues their changes for
the strategy (``drain_updates``, ``wait_updates``). Positions and money are the account's, shared
by every run on the key, as Alpaca keeps them.

``broker_from_settings`` builds one from the trading settings and the environment: the live
endpoint only when both ``TC2_ALLOW_LIVE=1`` and the settings' ``alpaca_endpoint`` say live.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import AlpacaEndpoint, TradingSettings
from tc2.errors import ConfigurationError, ExecutionError
from tc2.execution.account import Account
from tc2.execution.alpaca_hub import AlpacaHub, shared_hub
from tc2.execution.alpaca_rest import AccountFigures, AlpacaCredentials, AlpacaEndpoints
from tc2.execution.alpaca_stream import StreamState
from tc2.execution.orders import Order, OrderRequest
from tc2.execution.positions import Position
from tc2.execution.trade_records import (
    OrderIntent,
    TradeRecorder,
    TradingMode,
    deterministic_client_order_id,
)

KEY_VARIABLES = ("ALPACA_API_KEY_ID", "ALPACA_API_SECRET_KEY")
TRADING_URL_VARIABLE = "ALPACA_TRADING_URL"
STREAM_URL_VARIABLE = "ALPACA_TRADING_STREAM_URL"
TRADING_URLS = {
    AlpacaEndpoint.PAPER: "https://paper-api.alpaca.markets",
    AlpacaEndpoint.LIVE: "https://api.alpaca.markets",
}
STREAM_URLS = {
    AlpacaEndpoint.PAPER: "wss://paper-api.alpaca.markets/stream",
    AlpacaEndpoint.LIVE: "wss://api.alpaca.markets/stream",
}
LIVE_REFUSED = (
    "live trading refused: it needs both TC2_ALLOW_LIVE=1 (is {allow}) and the trading "
    "setting alpaca_endpoint='live' (is {endpoint!r})"
)


class AlpacaBroker(Account):
    """One strategy run's ``Account`` on Alpaca.

    Parameters
    ----------
    hub
        The key's shared connection (``shared_hub``; ``broker_from_settings`` makes one).
    run_id
        The run's id in the records (``TradeRecorder.run_started``); every order is recorded
        under it.
    run_key
        Names the run stably across restarts (batch, strategy, symbol, session day): order
        ``n`` of the run gets ``deterministic_client_order_id(run_key=run_key, sequence=n)``.
    first_sequence
        Number of the run's first order (a restarted run continues where it was).
    clock
        Epoch seconds now (the orders' ``created_t``).
    """

    records_orders = True  # the hub records intents before sending, and fills by Alpaca's ids

    def __init__(
        self,
        hub: AlpacaHub,
        *,
        run_id: int,
        run_key: str,
        first_sequence: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hub = hub
        self.run_id = run_id
        self.run_key = run_key
        self._sequence = first_sequence
        self._clock = clock
        self._lock = threading.Lock()
        self._updated = threading.Condition(self._lock)
        self._updates: deque[Order] = deque()
        self._closed = False
        hub.acquire()
        hub.attach(run_id, self._receive)

    def __repr__(self) -> str:
        return f"AlpacaBroker(run_id={self.run_id}, mode={self.hub.mode.value})"

    @property
    def mode(self) -> TradingMode:
        """``PAPER`` or ``LIVE``: what the records call this run's orders."""
        return self.hub.mode

    def close(self) -> None:
        """Stop hearing this run's updates; the last broker of a key closes its connection."""
        if self._closed:
            return
        self._closed = True
        self.hub.detach(self.run_id)
        self.hub.release()

    # ------------------------------------------------------------------ updates

    def _receive(self, order: Order) -> None:
        with self._updated:
            if not any(known is order for known in self._updates):
                self._updates.append(order)
            self._updated.notify_all()

    def drain_updates(self) -> list[Order]:
        """Return the run's orders that changed since the last call (each once, oldest first).

        The objects are the broker's own ``Order``s, kept current as Alpaca reports.
        """
        with self._lock:
            updates = list(self._updates)
            self._updates.clear()
        return updates

    def wait_updates(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for an order update; return whether any is waiting."""
        with self._updated:
            return self._updated.wait_for(lambda: bool(self._updates), timeout=timeout_s)

    def stream_state(self) -> StreamState:
        """The shared account stream's state (status, last message time, stale)."""
        return self.hub.stream_state()

    # ------------------------------------------------------------------ orders

    def next_client_order_id(self) -> str:
        """The id the run's next order will carry (and take its sequence number)."""
        with self._lock:
            sequence = self._sequence
            self._sequence += 1
        return deterministic_client_order_id(run_key=self.run_key, sequence=sequence)

    def submit(self, request: OrderRequest) -> Order:
        """Record the order, then send it to Alpaca; return it (status ``new`` or later).

        The id is ``request.client_order_id`` when given, else the run's next deterministic id.
        An id this process has sent already returns that order and sends nothing.

        Raises
        ------
        TemporaryBrokerError
            While the account stream is down (nothing recorded or sent), or when Alpaca kept
            failing (the order stays recorded as intended; reconciliation settles it by id).
        OrderRejected
            With Alpaca's reason when it refuses the order.
        """
        self.hub.ensure_trading(f"submit of {request.side.value} {request.symbol}")
        cid = request.client_order_id or self.next_client_order_id()
        intent = OrderIntent(
            run_id=self.run_id,
            client_order_id=cid,
            symbol=request.symbol,
            side=request.side,
            qty=request.qty,
            notional=request.notional,
            type=request.type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            created_t=int(self._clock()),
        )
        return self.hub.submit(intent, request, self._clock())

    def cancel(self, client_order_id: str) -> Order:
        """Cancel an open order of this run; return it (``canceled`` once Alpaca confirms).

        Raises
        ------
        ExecutionError
            If the run has no such order or it is no longer open.
        TemporaryBrokerError
            While the account stream is down.
        """
        self.hub.ensure_trading(f"cancel of {client_order_id}")
        order = self._open_order(client_order_id)
        return self.hub.cancel(order)

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        """Replace an open order (Alpaca's PATCH); return the new order, under
        ``new_client_order_id`` (a recording facade's choice) or the run's next id.

        Raises
        ------
        ExecutionError
            If the order is not open; ``OrderRejected`` if Alpaca refuses the change (the
            original stays open).
        """
        self.hub.ensure_trading(f"replace of {client_order_id}")
        order = self._open_order(client_order_id)
        new_cid = new_client_order_id or self.next_client_order_id()
        intent = OrderIntent(
            run_id=self.run_id,
            client_order_id=new_cid,
            symbol=order.symbol,
            side=order.side,
            qty=qty if qty is not None else order.qty,
            notional=None,
            type=order.type,
            limit_price=limit_price if limit_price is not None else order.limit_price,
            stop_price=stop_price if stop_price is not None else order.stop_price,
            time_in_force=order.time_in_force,
            created_t=int(self._clock()),
        )
        changes = {"qty": qty, "limit_price": limit_price, "stop_price": stop_price}
        return self.hub.replace(order, intent, changes, self._clock())

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        """Cancel this run's open orders (of ``symbol`` only, when given); return them.

        Other runs' orders on the same account are left alone.
        """
        self.hub.ensure_trading(f"cancel of every order of {symbol or 'the run'}")
        return [self.hub.cancel(order) for order in self.open_orders(symbol)]

    def order(self, client_order_id: str) -> Order:
        order = self.hub.book.order(client_order_id)
        if order is None or self.hub.book.run_of(client_order_id) != self.run_id:
            raise ExecutionError(f"run {self.run_id} has no order {client_order_id}")
        return order

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        orders = [
            order
            for order in self.hub.book.orders_of(self.run_id)
            if order.is_open and (symbol is None or order.symbol == symbol)
        ]
        return sorted(orders, key=lambda order: order.submitted_t)

    def _open_order(self, client_order_id: str) -> Order:
        order = self.order(client_order_id)
        if not order.is_open:
            raise ExecutionError(
                f"order {client_order_id} is no longer open ({order.status.value})"
            )
        return order

    # ------------------------------------------------------------------ account

    def positions(self) -> Mapping[str, Position]:
        """The account's positions at Alpaca (all runs on the key share them)."""
        return self.hub.positions()

    def position_qty(self, symbol: str) -> float:
        position = self.hub.positions().get(symbol)
        return 0 if position is None else position.qty

    def account_figures(self) -> AccountFigures:
        """Cash, equity, buying power and day-trade count from one request (read at most once a
        second between trade updates: Alpaca allows 200 requests a minute)."""
        return self.hub.account_figures()

    @property
    def cash(self) -> float:
        return self.account_figures().cash

    @property
    def equity(self) -> float:
        return self.account_figures().equity

    @property
    def buying_power(self) -> float:
        return self.account_figures().buying_power

    @property
    def day_trade_count(self) -> int:
        """Alpaca's ``daytrade_count``: day trades in the last five business days."""
        return self.account_figures().day_trade_count


def alpaca_endpoints(
    endpoint: AlpacaEndpoint, *, allow_live: bool, environ: Mapping[str, str] | None = None
) -> AlpacaEndpoints:
    """Where to trade: the paper or live account, URLs overridable by environment variables.

    ``ALPACA_TRADING_URL`` replaces the REST base URL; ``ALPACA_TRADING_STREAM_URL`` the
    stream's (by default derived from an overridden REST URL: ``http`` -> ``ws``, ``/stream``).

    Raises
    ------
    ConfigurationError
        If the settings say live without ``TC2_ALLOW_LIVE=1``, naming both switches.
    """
    env = os.environ if environ is None else environ
    if endpoint is AlpacaEndpoint.LIVE and not allow_live:
        raise ConfigurationError(LIVE_REFUSED.format(allow="unset", endpoint=endpoint.value))
    url = env.get(TRADING_URL_VARIABLE, "").strip().rstrip("/")
    stream = env.get(STREAM_URL_VARIABLE, "").strip()
    if not stream:
        stream = (
            url.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/stream"
            if url
            else STREAM_URLS[endpoint]
        )
    return AlpacaEndpoints(
        trading_url=url or TRADING_URLS[endpoint],
        stream_url=stream,
        mode=TradingMode.LIVE if endpoint is AlpacaEndpoint.LIVE else TradingMode.PAPER,
    )


def alpaca_credentials(environ: Mapping[str, str] | None = None) -> AlpacaCredentials:
    """The key pair from ``ALPACA_API_KEY_ID`` and ``ALPACA_API_SECRET_KEY``.

    Raises
    ------
    ConfigurationError
        Naming the variables that are missing (never their values).
    """
    env = os.environ if environ is None else environ
    key_id, secret = (env.get(name, "").strip() for name in KEY_VARIABLES)
    missing = [
        name for name, value in zip(KEY_VARIABLES, (key_id, secret), strict=True) if not value
    ]
    if missing:
        raise ConfigurationError(f"Alpaca trading needs {' and '.join(missing)} set")
    return AlpacaCredentials(key_id=key_id, secret_key=secret)


def broker_from_settings(
    settings: TradingSettings,
    config: RuntimeConfig,
    recorder: TradeRecorder,
    *,
    run_id: int,
    run_key: str,
    first_sequence: int = 1,
    environ: Mapping[str, str] | None = None,
    **hub_options: Any,
) -> AlpacaBroker:
    """An ``AlpacaBroker`` for one run, on the endpoint the settings choose.

    The key's hub (REST client and account stream) is shared with every other broker of the
    process on the same key; the first one connects it and reconciles, waiting up to 10 s.

    Raises
    ------
    ConfigurationError
        Live without both switches, or keys missing.
    TemporaryBrokerError
        If the account stream does not connect and reconcile within 10 s.
    """
    endpoints = alpaca_endpoints(
        settings.alpaca_endpoint, allow_live=config.allow_live, environ=environ
    )
    hub = shared_hub(alpaca_credentials(environ), endpoints, recorder, **hub_options)
    try:
        return AlpacaBroker(hub, run_id=run_id, run_key=run_key, first_sequence=first_sequence)
    finally:
        hub.release()  # the broker holds its own reference


__all__ = [
    "AlpacaBroker",
    "alpaca_credentials",
    "alpaca_endpoints",
    "broker_from_settings",
]
