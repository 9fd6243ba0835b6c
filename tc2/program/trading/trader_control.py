"""A trader on the trading desk: its snapshot, the commands it obeys, and its process loop.

``trader_snapshot`` turns a ``DayTrader`` into the desk's ``TraderSnapshot`` (account figures,
positions with marks and unrealized P&L, open orders, the trader's clock and message: a
pattern-day-trader refusal shows there). ``execute`` carries out a desk command:

- ``start``: trading resumes (new runs may start);
- ``stop``: no new run starts, and every run stops and liquidates: a day run may not carry a
  position it no longer manages, so ``liquidate`` is implied for the day trader;
- ``cancel_order``: the run that placed the order cancels it (refused when no run of this trader
  holds such an open order);
- ``force_exit``: the run holding the symbol stops and liquidates (all of that run's symbols:
  a run's positions belong together, as LongShort's two legs).

``run_trader_loop`` is what a trader component runs: step, obey the commands, publish the
snapshot, heart-beat, about every ``interval_s`` wall seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from tc2.logs import LogFeed, feed_logger
from tc2.program.trading.day_trader import DayTrader
from tc2.program.trading.run_thread import TradedRun
from tc2.program.trading_desk import (
    AccountFigures,
    CommandKind,
    CommandOutcome,
    CommandStatus,
    DeskCommand,
    OpenOrderView,
    PositionView,
    TraderName,
    TraderSnapshot,
    TraderState,
    TradingDesk,
)

LOOP_INTERVAL_S = 0.5
NO_ORDER_MESSAGE = "no open order {client_order_id} in the {trader} trader's runs"
NO_POSITION_MESSAGE = "the {trader} trader holds no position or run in {symbol}"
STOP_MESSAGE = "stopped by {by}"
FORCE_EXIT_MESSAGE = "force-exit of {symbol} by {by}"

_log = feed_logger(LogFeed.PROGRAM, "trader-control")


class LoopContext(Protocol):
    """What the loop needs of a component context."""

    def should_stop(self) -> bool: ...

    def heartbeat(self) -> None: ...

    def wait(self, seconds: float) -> bool: ...


def trader_snapshot(trader: DayTrader, name: TraderName) -> TraderSnapshot:
    """What ``trader`` holds now, as the desk publishes it."""
    positions: list[PositionView] = []
    orders: list[OpenOrderView] = []
    for run in list(trader.runs):
        view = run.view
        strategy = run.plan.strategy
        for held in view.positions:
            positions.append(
                PositionView(
                    symbol=held.symbol,
                    qty=held.qty,
                    avg_price=held.average_price,
                    mark=held.mark,
                    unrealized_pl=(held.mark - held.average_price) * held.qty,
                    strategy=strategy,
                    run_id=view.run_id,
                )
            )
        for order in view.open_orders:
            orders.append(
                OpenOrderView(
                    client_order_id=order.client_order_id,
                    symbol=order.symbol,
                    side=order.side.value,
                    type=order.type.value,
                    qty=order.qty,
                    notional=order.notional,
                    filled_qty=order.filled_qty,
                    limit_price=order.limit_price,
                    stop_price=order.stop_price,
                    status=order.status.value,
                    submitted_t=float(order.submitted_t),
                    strategy=strategy,
                    run_id=view.run_id,
                )
            )
    equity = trader.equity()
    left = None
    if trader.day_trades_left is not None and trader.now_t is not None:
        try:
            left = trader.day_trades_left(trader.now_t, equity, trader.positions())
        except Exception as exc:  # a figure for the panel; trading does not wait for it
            _log.warning(f"day trades left unknown: {exc}")
    return TraderSnapshot(
        trader=name,
        state=trader.state,
        mode=trader.config.mode.value,
        batch_id=trader.config.batch_id,
        account=AccountFigures(
            cash=trader.cash(), equity=equity, buying_power=trader.cash(), day_trades_left=left
        ),
        positions=tuple(positions),
        open_orders=tuple(orders),
        market_t=None if trader.now_t is None else float(trader.now_t),
        message=trader.message,
    )


def execute(
    trader: DayTrader, command: DeskCommand, name: TraderName
) -> tuple[CommandStatus, str, Mapping[str, Any]]:
    """Carry out ``command``; return its status, message and result."""
    kind = command.kind
    by = command.by or "someone"
    if kind is CommandKind.START:
        trader.state = TraderState.RUNNING
        return CommandStatus.DONE, f"the {name.value} trader is running", {}
    if kind is CommandKind.STOP:
        trader.state = TraderState.STOPPED
        reason = STOP_MESSAGE.format(by=by)
        stopped = _each_run(trader, lambda run: run.liquidate(reason))
        return (
            CommandStatus.DONE,
            f"the {name.value} trader is stopped; {stopped} run(s) stop and liquidate",
            {"runs": stopped},
        )
    if kind is CommandKind.CANCEL_ORDER:
        order_id = str(command.args["client_order_id"])
        for run in list(trader.runs):
            if any(o.client_order_id == order_id for o in run.view.open_orders):
                order = run.call(lambda live: live.orders.cancel(order_id))
                return (
                    CommandStatus.DONE,
                    f"order {order_id} {order.status.value}",
                    {"client_order_id": order_id, "status": order.status.value},
                )
        message = NO_ORDER_MESSAGE.format(client_order_id=order_id, trader=name.value)
        return CommandStatus.REFUSED, message, {}
    symbol = str(command.args["symbol"])
    reason = FORCE_EXIT_MESSAGE.format(symbol=symbol, by=by)
    for run in list(trader.runs):
        holds = any(p.symbol == symbol for p in run.view.positions)
        if (holds or symbol in run.plan.symbols) and not run.finished.is_set():
            run.call(lambda live: live.liquidate(reason))
            return (
                CommandStatus.DONE,
                f"run {run.view.run_id} ({run.plan.strategy}) stops and liquidates {symbol}",
                {"run_id": run.view.run_id, "symbol": symbol},
            )
    return CommandStatus.REFUSED, NO_POSITION_MESSAGE.format(trader=name.value, symbol=symbol), {}


def _each_run(trader: DayTrader, action: Callable[[TradedRun], Any]) -> int:
    done = 0
    for run in list(trader.runs):
        if run.finished.is_set() or run.run is None:
            continue
        try:
            run.call(action)
            done += 1
        except TimeoutError as exc:
            _log.warning(f"run {run.plan.run_key}: {exc}")
    return done


def run_trader_loop(
    trader: DayTrader,
    *,
    desk: TradingDesk,
    name: TraderName,
    context: LoopContext,
    interval_s: float = LOOP_INTERVAL_S,
) -> None:
    """Step ``trader``, obey its desk commands and publish its snapshot until asked to stop."""
    try:
        while not context.should_stop():
            trader.step()

            def handle(command: DeskCommand) -> CommandOutcome:
                status, message, result = execute(trader, command, name)
                _log.info(f"{command.kind.value} by {command.by}: {status.value} {message}")
                return CommandOutcome(status=status, message=message, result=result)

            while desk.handle_next(name, handle) is not None:
                pass
            desk.publish_snapshot(trader_snapshot(trader, name))
            context.heartbeat()
            context.wait(interval_s)
    finally:
        try:
            desk.withdraw_snapshot(name)
        except Exception as exc:  # exiting anyway; the snapshot expires on its own
            _log.warning(f"snapshot not withdrawn: {exc}")


def run_idle_loop(
    *,
    desk: TradingDesk,
    name: TraderName,
    mode: str,
    batch_id: str,
    message: str,
    context: LoopContext,
    interval_s: float = LOOP_INTERVAL_S,
) -> None:
    """A trader with nothing to trade: publish ``stopped`` with ``message``, refuse commands."""

    def refuse(command: DeskCommand) -> CommandOutcome:
        return CommandOutcome(status=CommandStatus.REFUSED, message=message)

    snapshot = TraderSnapshot(
        trader=name,
        state=TraderState.STOPPED,
        mode=mode,
        batch_id=batch_id,
        account=None,
        message=message,
    )
    try:
        while not context.should_stop():
            while desk.handle_next(name, refuse) is not None:
                pass
            desk.publish_snapshot(snapshot)
            context.heartbeat()
            context.wait(interval_s)
    finally:
        try:
            desk.withdraw_snapshot(name)
        except Exception as exc:  # exiting anyway; the snapshot expires on its own
            _log.warning(f"snapshot not withdrawn: {exc}")
