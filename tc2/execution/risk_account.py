"""``RiskAccount``: the ``Account`` facade that puts the risk engine before every order, and
applies the kill switch to what is already working (``enforce``: cancel in HALTED, flatten on
request).

Compose it *outside* the recording facade::

    RiskAccount(RecordingAccount(broker, recorder=...), engine=engine, account_key="paper")

so a refused order never becomes an order intent, while the refusal itself is kept by the
engine. The engine and the rules are in ``risk.py`` and ``risk_rules.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis

from tc2.errors import ExecutionError
from tc2.execution.account import Account, ForwardingAccount
from tc2.execution.kill_switch import RiskState
from tc2.execution.orders import Order, OrderRequest, OrderType, Side
from tc2.execution.risk import RiskEngine, RiskRefused

FLATTEN_ID_PREFIX = "tc2-flat-"
FLATTEN_FAILED_MESSAGE = (
    "flatten request {request}: not every position could be closed ({failures}); the others "
    "were sent. Close these by hand or ask to flatten again"
)


def flatten_client_order_id(request: int, account: str, symbol: str) -> str:
    """The id of the order closing ``symbol`` for flatten request ``request``: the same in
    every process, so a broker refuses a second one and HALTED never cancels it."""
    digest = hashlib.sha256(f"{account}|{symbol}".encode()).hexdigest()[:12]
    return f"{FLATTEN_ID_PREFIX}{request}-{digest}"


class RiskAccount(ForwardingAccount):
    """An ``Account`` whose submits and replaces pass the risk engine first.

    Parameters
    ----------
    account
        Where passed orders go (a ``RecordingAccount`` over the broker).
    engine
        The rules.
    account_key
        Names the brokerage account for flatten claims (one flatten per request and account).
    """

    def __init__(self, account: Account, *, engine: RiskEngine, account_key: str) -> None:
        super().__init__(account)
        self.engine = engine
        self.account_key = account_key
        # Flatten requests made before this facade started are done; with Redis down now, the
        # first switch read in ``enforce`` sets that mark instead.
        self._flattened: int | None
        try:
            self._flattened = engine.switch.read().flatten
        except redis.RedisError:
            self._flattened = None

    def submit(self, request: OrderRequest) -> Order:
        with self.engine.lock:  # the figures judged are the figures the order joins
            verdict = self.engine.check(request, self.inner)
            if verdict.refusal is not None:
                raise RiskRefused(verdict.refusal)
            return self.inner.submit(request)

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        original = self.inner.order(client_order_id)
        by_notional = original.notional is not None and not original.filled_qty and qty is None
        request = OrderRequest(
            symbol=original.symbol,
            side=original.side,
            qty=None if by_notional else original.remaining_qty if qty is None else qty,
            notional=original.notional if by_notional else None,
            type=original.type,
            limit_price=original.limit_price if limit_price is None else limit_price,
            stop_price=original.stop_price if stop_price is None else stop_price,
            time_in_force=original.time_in_force,
            client_order_id=new_client_order_id,
        )
        with self.engine.lock:
            verdict = self.engine.check(request, self.inner, replaces=client_order_id)
            if verdict.refusal is not None:
                raise RiskRefused(verdict.refusal)
            # The replacement's own id is passed on only when given: the recording facade
            # chooses it, and accounts that predate that argument never get it.
            extra: dict[str, Any] = {}
            if new_client_order_id is not None:
                extra["new_client_order_id"] = new_client_order_id
            return self.inner.replace(
                client_order_id, qty=qty, limit_price=limit_price, stop_price=stop_price, **extra
            )

    def enforce(self) -> list[Order]:
        """Apply the switch to what is already working; the trader calls this at every step.

        Trips the loss limit (REDUCING) without waiting for an order; in HALTED cancels every
        open order, and on a new flatten request that this process claims first for
        ``account_key``, sends a market order closing each position. Returns the orders
        canceled or sent; nothing while Redis does not answer.

        Raises
        ------
        ExecutionError
            When a flatten order was refused (after every position was tried); the message
            names each symbol and why. The request stays claimed: ask for a new one.
        """
        try:
            self.engine.loss_check(self.inner)
            switch = self.engine.switch.read()
        except redis.RedisError:
            return []  # nothing to apply without the switch; new orders are refused meanwhile
        if switch.state is not RiskState.HALTED:
            return []
        done: list[Order] = []
        for order in self.inner.open_orders():
            # Flatten orders are what HALTED allows: never cancel them (another process's
            # either).
            if order.client_order_id.startswith(FLATTEN_ID_PREFIX):
                continue
            try:
                done.append(self.inner.cancel(order.client_order_id))
            except ExecutionError:
                continue  # it filled or closed meanwhile; the next step sees it gone
        if self._flattened is None:
            self._flattened = switch.flatten
        if switch.flatten > self._flattened:
            self._flattened = switch.flatten
            if self.engine.switch.claim_flatten(
                switch.flatten, account=self.account_key, who=self.engine.trader
            ):
                done.extend(self._flatten(switch.flatten))
        return done

    def _flatten(self, request: int) -> list[Order]:
        sent: list[Order] = []
        failed: list[str] = []
        for symbol, position in sorted(self.inner.positions().items()):
            if not position.qty:
                continue
            side = Side.SELL if position.qty > 0 else Side.BUY
            try:
                sent.append(
                    self.inner.submit(
                        OrderRequest(
                            symbol=symbol,
                            side=side,
                            qty=abs(position.qty),
                            type=OrderType.MARKET,
                            client_order_id=flatten_client_order_id(
                                request, self.account_key, symbol
                            ),
                        )
                    )
                )
            except ExecutionError as exc:  # try every position before saying what failed
                failed.append(f"{symbol}: {exc}")
        if failed:
            raise ExecutionError(
                FLATTEN_FAILED_MESSAGE.format(request=request, failures="; ".join(failed))
            )
        return sent

    # Everything else is the inner account's.
