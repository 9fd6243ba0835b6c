"""``TraderRisk``: a trader's risk engine, the accounts it judges, and its entry check.

Every run's recording facade is wrapped in a ``RiskAccount`` of the trader's one engine
(``RiskEngine.for_program``: the program's kill switch and risk ledger in Redis), so every order
of every run passes the limits first and ``enforce`` applies the switch at every step (cancel in
HALTED, flatten on request). On the replay market each run has its own virtual account and the
limits judge their sum (``accounts``); at a broker the account is one and holds every run's
orders, so the engine judges that one.

The trader obeys the switch before a run exists too (``entry_refusal``): in HALTED or REDUCING
no new run starts, since a run's first orders are entries. Refusals (the engine's and the entry
check's) name the rule and the figures and reach ``on_refusal`` (the trader's snapshot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from tc2.env import ExecEnv
from tc2.env.risk_settings import RiskLimits
from tc2.execution.account import Account
from tc2.execution.kill_switch import RiskState
from tc2.execution.orders import Order, OrderRejected, OrderRequest, OrderStatus
from tc2.execution.risk import RiskEngine, RiskRefused
from tc2.execution.risk_account import RiskAccount
from tc2.execution.risk_ledger import Refusal, RefusalSink
from tc2.program.trading.trader_parts import PlannedRun

ENTRY_REFUSED = (
    "rule kill_switch: the kill switch is {state}; no new run starts (set by {who}: {why})"
)

RISK_REFUSED_ID = "risk-refused"  # a refused order never got an id: it was never an order


class TraderRisk:
    """The risk controls of one trader process.

    Parameters
    ----------
    env
        The program's LIVE env (kill switch and ledger keys).
    limits
        The settings' risk limits.
    now
        The trader's clock (epoch s).
    trader
        Names the trader in refusals ("day", "swing").
    account_key
        Names the brokerage account for flatten claims ("replay", "paper", "live").
    sum_accounts
        Whether the limits judge the sum of the runs' accounts (the replay market's virtual
        accounts) rather than the one account an order goes to (a broker's).
    prices
        The latest price of a symbol, or None (the rules then use the orders' own prices).
    sinks
        Also told of each refusal (``NotificationOutbox``: a rejection notification).
    """

    def __init__(
        self,
        env: ExecEnv,
        *,
        limits: RiskLimits,
        now: Callable[[], float],
        trader: str,
        account_key: str,
        sum_accounts: bool,
        prices: Callable[[str], float | None] = lambda symbol: None,
        sinks: Sequence[RefusalSink] = (),
    ) -> None:
        self.account_key = account_key
        self.on_refusal: Callable[[str], None] = lambda message: None
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self.engine = RiskEngine.for_program(
            env,
            limits=limits,
            now=now,
            prices=prices,
            trader=trader,
            sinks=(self, *sinks),
            accounts=self.accounts if sum_accounts else None,
        )

    def accounts(self) -> Sequence[Account]:
        """The runs' accounts the limits judge together."""
        with self._lock:
            return list(self._accounts.values())

    def wrap(self, plan: PlannedRun, account: Account) -> RiskAccount:
        """``plan``'s run's recording facade behind the engine (``LiveRunFactory(risk=...)``)."""
        with self._lock:
            self._accounts[plan.run_key] = account  # a run made again replaces its account
        return RunRiskAccount(account, engine=self.engine, account_key=self.account_key)

    def session_ended(self) -> None:
        """Stop judging the ended session's accounts (its runs are finished and flat)."""
        with self._lock:
            self._accounts.clear()

    def entry_refusal(self) -> str | None:
        """Why no new run may start now (the switch is not ACTIVE), or None."""
        switch = self.engine.switch.read()
        if switch.state is RiskState.ACTIVE:
            return None
        return ENTRY_REFUSED.format(state=switch.state.value, who=switch.who, why=switch.why)

    def refusal_recorded(self, refusal: Refusal) -> None:
        """The engine's sink: an order refused inside a run, told to the trader's snapshot."""
        self.on_refusal(f"rule {refusal.rule}: {refusal.message}")


class RunRiskAccount(RiskAccount):
    """A run's ``RiskAccount``: a refusal reaches the strategy as ``OrderRejected`` (the
    rejection strategies already handle, its reason the rule and the figures), so a refused
    order does not end the run; nothing was recorded or sent."""

    def submit(self, request: OrderRequest) -> Order:
        try:
            return super().submit(request)
        except RiskRefused as refused:
            raise OrderRejected(_refused_order(request, refused)) from None

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        try:
            return super().replace(
                client_order_id,
                qty=qty,
                limit_price=limit_price,
                stop_price=stop_price,
                new_client_order_id=new_client_order_id,
            )
        except RiskRefused as refused:
            original = self.inner.order(client_order_id)
            request = OrderRequest(
                symbol=original.symbol,
                side=original.side,
                qty=original.qty if qty is None else qty,
                type=original.type,
                limit_price=limit_price,
                stop_price=stop_price,
                client_order_id=new_client_order_id,
            )
            raise OrderRejected(_refused_order(request, refused)) from None


def _refused_order(request: OrderRequest, refused: RiskRefused) -> Order:
    return Order(
        client_order_id=request.client_order_id or RISK_REFUSED_ID,
        symbol=request.symbol,
        side=request.side,
        qty=request.qty or 0,
        notional=request.notional,
        type=request.type,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        time_in_force=request.time_in_force,
        submitted_t=int(refused.refusal.at),
        status=OrderStatus.REJECTED,
        reason=f"rule {refused.refusal.rule}: {refused.refusal.message}",
    )
