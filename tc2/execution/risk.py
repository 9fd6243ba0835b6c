"""The risk engine: account-level rules checked before every order of every trader.

``RiskAccount`` (``risk_account.py``), an ``Account`` facade, passes every ``submit`` and
``replace`` through ``RiskEngine.check`` first; a refused order raises ``RiskRefused`` (an
``ExecutionError``) before anything is recorded or sent, while the refusal itself is kept
(``RefusalSink``: the ledger keeps it for display, the records layer and notifications may
listen too).

The rules and their order are in ``risk_rules``; the kill switch in ``kill_switch``; what is
kept between orders (start-of-day equity, the last minute's orders, refusals) in
``risk_ledger``. The engine reads the account's figures at each check (equity, positions, open
orders) and prices from ``prices`` (the trader's latest bar closes), falling back to the
order's own limit or stop price and the positions' average prices.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import redis

from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import NEW_YORK
from tc2.env.risk_settings import RiskLimits
from tc2.errors import ExecutionError
from tc2.execution.account import Account
from tc2.execution.kill_switch import ChangeResult, KillSwitch, RiskState, SwitchState
from tc2.execution.orders import Order, OrderRequest, format_qty
from tc2.execution.risk_ledger import RedisRiskLedger, Refusal, RefusalSink, RiskLedger
from tc2.execution.risk_rules import (
    HALTED_MESSAGE,
    LOSS_REFUSAL_SUFFIX,
    ORDER_RATE_MESSAGE,
    REDUCING_MESSAGE,
    AccountFigures,
    PendingShares,
    ProposedOrder,
    daily_loss_refusal,
    open_positions_refusal,
    reduces,
    symbol_exposure_refusal,
    total_exposure_refusal,
)
from tc2.logs import LogFeed, feed_logger

ENGINE_WHO = "risk engine"
REFUSAL_LINE = "{trader}: order refused: {message}"
UNAVAILABLE_MESSAGE = (
    "risk controls unavailable: Redis did not answer ({error}); {order} is refused, as every "
    "order is until it answers"
)


class RiskRefused(ExecutionError):
    """A risk rule refused an order; nothing was recorded or sent.

    The message names the rule and the figures; ``refusal`` carries them. Wait for the figures
    to change (a minute, the next session), change the limit in the settings, or set the kill
    switch back to ACTIVE.
    """

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class SwitchPort(Protocol):
    """The kill switch as the engine uses it (``kill_switch.KillSwitch``, ``MemorySwitch``)."""

    def read(self) -> SwitchState: ...
    def tighten(self, state: RiskState, *, who: str, why: str) -> ChangeResult: ...
    def claim_flatten(self, request: int, *, account: str, who: str) -> bool: ...


class MemorySwitch:
    """A kill switch in memory (unit tests, a process of its own)."""

    def __init__(self, state: SwitchState | None = None) -> None:
        self.state = state or SwitchState()
        self._claims: set[tuple[int, str]] = set()
        self._lock = threading.Lock()

    def read(self) -> SwitchState:
        return self.state

    def set(self, state: RiskState, *, who: str, why: str, at: float = 0.0) -> None:
        self.state = replace(
            self.state, state=state, who=who, why=why, at=at, seq=self.state.seq + 1
        )

    def tighten(self, state: RiskState, *, who: str, why: str) -> ChangeResult:
        if state.rank <= self.state.state.rank:
            return ChangeResult(changed=False, state=self.state)
        self.set(state, who=who, why=why)
        return ChangeResult(changed=True, state=self.state)

    def request_flatten(self) -> None:
        self.state = replace(self.state, flatten=self.state.flatten + 1)

    def claim_flatten(self, request: int, *, account: str, who: str) -> bool:
        with self._lock:
            if (request, account) in self._claims:
                return False
            self._claims.add((request, account))
            return True


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskVerdict:
    """The outcome of one check: ``refusal`` None when the order may go."""

    refusal: Refusal | None
    reduces: bool
    state: RiskState


class RiskEngine:
    """Applies the limits and the kill switch to orders; shared by a trader's runs.

    Parameters
    ----------
    limits
        The settings' ``risk`` limits; replace ``engine.limits`` when the settings change.
    switch
        The kill switch (``KillSwitch`` on the program's LIVE env).
    ledger
        Start-of-day equity, order counts, refusals (``RedisRiskLedger`` in the program).
    now
        The trader's clock in epoch seconds (the replay clock on the replay market, so the
        rate limit counts replayed minutes and the day is the replayed session's).
    prices
        The latest price of a symbol, or None.
    trader
        Who the refusals name ("day", "swing").
    sinks
        Also told of every refusal (records, notifications); one that raises is ignored, so
        a failing listener never lets an order through or stops a refusal.
    accounts
        Where one brokerage account is several (the replay market gives each run its own
        virtual account): every account whose sum the limits judge. None: the limits judge
        the account the order goes to (a broker account, which holds every run's orders).
    log
        Receives a line per refusal; default the ``live_trading`` feed, as ``[risk]``.
    start_of_day
        The account's equity at the previous close (Alpaca's ``last_equity``), or None; the
        session's start is then that, else the equity at the session's first check.

    Checks and the sends they allow are serialized within a process (``lock``), so threads
    sharing the engine cannot pass one limit together; across processes (the day and the
    swing trader at the same instant) each limit can be overrun by at most one order each.
    """

    def __init__(
        self,
        *,
        limits: RiskLimits,
        switch: SwitchPort,
        ledger: RiskLedger,
        now: Callable[[], float],
        prices: Callable[[str], float | None] = lambda symbol: None,
        trader: str = "trader",
        sinks: Sequence[RefusalSink] = (),
        start_of_day: Callable[[Account], float | None] | None = None,
        accounts: Callable[[], Sequence[Account]] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.limits = limits
        self._log: Callable[[str], None] = (
            log if log is not None else feed_logger(LogFeed.LIVE_TRADING, "risk").warning
        )
        self._accounts = accounts
        self.lock = threading.RLock()
        self._start_of_day = start_of_day
        self.switch = switch
        self.ledger = ledger
        self.trader = trader
        self._now = now
        self._prices = prices
        self._sinks = tuple(sinks)

    @classmethod
    def for_program(
        cls,
        env: ExecEnv,
        *,
        limits: RiskLimits,
        now: Callable[[], float],
        prices: Callable[[str], float | None],
        trader: str,
        sinks: Sequence[RefusalSink] = (),
        start_of_day: Callable[[Account], float | None] | None = None,
        accounts: Callable[[], Sequence[Account]] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> RiskEngine:
        """The engine of a trader process: the kill switch and ledger of ``env`` (the program's
        LIVE env, shared by every trader and the web layer); ``accounts`` as the constructor's
        (the replay market's one virtual account per run)."""
        return cls(
            limits=limits,
            switch=KillSwitch(env, log=log),
            ledger=RedisRiskLedger(env),
            now=now,
            prices=prices,
            trader=trader,
            sinks=sinks,
            start_of_day=start_of_day,
            accounts=accounts,
            log=log,
        )

    def figures(self, account: Account, symbols: Sequence[str] = ()) -> AccountFigures:
        """Read the figures the limits judge: ``account``'s, or with ``accounts`` given, the
        sum over those accounts (``account`` among them); prices of every symbol held or
        ordered and of ``symbols``."""
        books = [account]
        if self._accounts is not None:
            books += [other for other in self._accounts() if other is not account]
        positions: dict[str, float] = {}
        averages: dict[str, float] = {}
        pending: list[PendingShares] = []
        equity = 0.0
        for book in books:
            equity += book.equity
            for symbol, position in book.positions().items():
                if position.qty:
                    positions[symbol] = positions.get(symbol, 0) + position.qty
                    averages.setdefault(symbol, position.average_price)
            pending += [_pending(order) for order in book.open_orders()]
        names = set(positions) | {p.symbol for p in pending} | set(symbols)
        prices = {s: p for s in sorted(names) if (p := self._prices(s)) is not None}
        return AccountFigures(
            equity=equity,
            positions={s: q for s, q in positions.items() if abs(q) > 1e-9},
            average_prices=averages,
            pending=pending,
            prices=prices,
        )

    def loss_check(self, account: Account) -> str | None:
        """Compare the account's equity with the start of the session; on the limit, trip the
        switch to REDUCING and return the reason (the trader calls this at every step, so the
        limit trips without an order)."""
        equity = self.figures(account).equity if self._accounts is not None else account.equity
        day = datetime.fromtimestamp(self._now(), UTC).astimezone(NEW_YORK).date()
        last_close = self._start_of_day(account) if self._start_of_day is not None else None
        start = self.ledger.day_start_equity(day, equity if last_close is None else last_close)
        reason = daily_loss_refusal(
            equity=equity,
            start=start,
            limit_usd=self.limits.daily_loss_limit_usd,
            limit_pct=self.limits.daily_loss_limit_pct,
        )
        if reason is not None:
            self.switch.tighten(RiskState.REDUCING, who=ENGINE_WHO, why=reason)
        return reason

    def check(
        self, request: OrderRequest, account: Account, *, replaces: str | None = None
    ) -> RiskVerdict:
        """Judge ``request`` against the switch and every limit; count it when it passes.

        A refusal is recorded in the ledger and told to the sinks; the verdict carries it. With
        Redis unreachable the order is refused (rule ``risk_unavailable``): the controls fail
        closed, since no rule can be judged without the switch.
        """
        try:
            return self._check(request, account, replaces)
        except redis.RedisError as exc:
            message = UNAVAILABLE_MESSAGE.format(
                order=_describe_request(request), error=type(exc).__name__
            )
            refusal = self._refusal(request, replaces, "risk_unavailable", message, keep=False)
            return RiskVerdict(refusal=refusal, reduces=False, state=RiskState.HALTED)

    def _check(self, request: OrderRequest, account: Account, replaces: str | None) -> RiskVerdict:
        figures = self.figures(account, (request.symbol,))
        order = _proposed(request, figures, replaces)
        # Reducing is judged on the account the order acts on: with one virtual account per
        # run, a sale in one run's account opens a short there whatever another run holds.
        own = figures if self._accounts is None else self._own(account, figures)
        is_reducing = reduces(order, own)
        switch = self.switch.read()
        rule, message = self._judge(order, figures, own, switch, is_reducing, account)
        state = switch.state
        if rule == "daily_loss":
            state = RiskState.REDUCING
        refusal = None
        if rule is not None:
            refusal = self._refusal(request, replaces, rule, message)
        return RiskVerdict(refusal=refusal, reduces=is_reducing, state=state)

    def _own(self, account: Account, figures: AccountFigures) -> AccountFigures:
        positions = account.positions()
        return AccountFigures(
            equity=account.equity,
            positions={s: p.qty for s, p in positions.items() if p.qty},
            average_prices={s: p.average_price for s, p in positions.items() if p.qty},
            pending=[_pending(order) for order in account.open_orders()],
            prices=figures.prices,
        )

    def _judge(
        self,
        order: ProposedOrder,
        figures: AccountFigures,
        own: AccountFigures,
        switch: SwitchState,
        is_reducing: bool,
        account: Account,
    ) -> tuple[str | None, str]:
        described = order.describe()
        when = _when(switch.at)
        if switch.state is RiskState.HALTED:
            return "kill_switch", HALTED_MESSAGE.format(
                order=described, who=switch.who, when=when, why=switch.why
            )
        position = own.positions.get(order.symbol, 0)
        pending = sum(s for s in own.pending_of(order.symbol) if s * order.signed > 0)
        if switch.state is RiskState.REDUCING and not is_reducing:
            return "kill_switch", REDUCING_MESSAGE.format(
                order=described,
                position=_qty(position),
                pending=_qty(pending),
                who=switch.who,
                when=when,
                why=switch.why,
            )
        loss = self.loss_check(account)
        if loss is not None and not is_reducing:
            return "daily_loss", loss + LOSS_REFUSAL_SUFFIX.format(order=described)
        if not is_reducing:
            limits = self.limits
            for rule, message in (
                (
                    "open_positions",
                    open_positions_refusal(order, figures, limit=limits.max_open_positions),
                ),
                (
                    "symbol_exposure",
                    symbol_exposure_refusal(order, figures, limit=limits.max_symbol_exposure_usd),
                ),
                (
                    "total_exposure",
                    total_exposure_refusal(order, figures, limit=limits.max_total_exposure_usd),
                ),
            ):
                if message is not None:
                    return rule, message
        now = self._now()
        admitted, count = self.ledger.admit_order(now, self.limits.max_orders_per_minute)
        if not admitted:
            return "order_rate", ORDER_RATE_MESSAGE.format(
                order=described,
                count=count,
                when=_when(now),
                limit=self.limits.max_orders_per_minute,
            )
        return None, ""

    def _refusal(
        self,
        request: OrderRequest,
        replaces: str | None,
        rule: str,
        message: str,
        *,
        keep: bool = True,
    ) -> Refusal:
        refusal = Refusal(
            at=self._now(),
            trader=self.trader,
            rule=rule,
            message=message,
            symbol=request.symbol,
            side=request.side.value,
            qty=request.qty,
            notional=request.notional,
            client_order_id=request.client_order_id or replaces,
        )
        self._log(REFUSAL_LINE.format(trader=self.trader, message=message))
        if keep:  # not when Redis, where the ledger keeps them, is what failed
            self.ledger.refusal_recorded(refusal)
        for sink in self._sinks:
            try:
                sink.refusal_recorded(refusal)
            except Exception:  # a listener must not change the verdict
                continue
        return refusal


def risk_overview(
    env: ExecEnv, *, limits: RiskLimits, now: float, count: int = 50
) -> dict[str, Any]:
    """What the panel shows of the risk controls (the API's read): the switch, its latest
    changes, the latest refusals, the limits, the session's start-of-day equity and the orders
    of the last minute. Reads only."""
    switch = KillSwitch(env)
    ledger = RedisRiskLedger(env)
    day = datetime.fromtimestamp(now, UTC).astimezone(NEW_YORK).date()
    return {
        "switch": switch.read().to_dict(),
        "history": [transition.to_dict() for transition in switch.history(count)],
        "refusals": [refusal.to_dict() for refusal in ledger.refusals(count)],
        "limits": limits.to_document(),
        "day": day.isoformat(),
        "day_start_equity": ledger.day_start(day),
        "orders_last_minute": ledger.orders_last_minute(now),
    }


def _pending(order: Order) -> PendingShares:
    return PendingShares(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        signed=order.side.sign * order.remaining_qty,
        price=order.limit_price or order.stop_price,
    )


def _proposed(
    request: OrderRequest, figures: AccountFigures, replaces: str | None
) -> ProposedOrder:
    own_price = request.limit_price or request.stop_price
    price = figures.prices.get(request.symbol, own_price)
    if price is None:
        price = figures.average_prices.get(request.symbol)
    if request.qty is not None:
        shares = float(request.qty)
    else:
        assert request.notional is not None
        shares = request.notional / price if price else 0.0
    return ProposedOrder(
        symbol=request.symbol,
        side=request.side,
        shares=shares,
        price=price,
        notional=request.notional,
        replaces=replaces,
    )


def _describe_request(request: OrderRequest) -> str:
    if request.notional is not None:
        return f"{request.side.value} ${request.notional:,.2f} of {request.symbol}"
    assert request.qty is not None
    return f"{request.side.value} {format_qty(request.qty)} {request.symbol}"


def _qty(shares: float) -> str:
    return format_qty(round(shares, 9))


def _when(at: float | None) -> str:
    if at is None:
        return "an unknown time"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
