"""Commands to the trader processes through the trading desk (``tc2.program.trading_desk``):
start and stop a trader, cancel an open order, force-exit a position.

Each command goes to the trader that holds what it names (read from the traders' snapshots);
the API waits up to ``COMMAND_WAIT_S`` for the trader's answer and otherwise reports it queued,
to be read back by id.
"""

from __future__ import annotations

from typing import Any

import redis
from django.contrib.auth.models import AbstractBaseUser

from tc2.logs import LogFeed, feed_logger
from tc2.program.trading_desk import (
    CommandKind,
    CommandRecord,
    CommandStatus,
    TraderName,
    check_command,
)
from webpanel.core.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from webpanel.data.selectors import parse_symbol
from webpanel.trading.selectors import ORDER_ID_PATTERN, trader_snapshots, trading_desk

COMMAND_WAIT_S = 3.0

_log = feed_logger(LogFeed.PROGRAM, "trading-desk")


def parse_trader(raw: str) -> TraderName:
    """Raises NotFound for anything but ``day`` and ``swing``."""
    try:
        return TraderName(raw)
    except ValueError:
        raise NotFound(f"No trader {raw!r}; the traders are 'day' and 'swing'") from None


def trader_start(*, trader: str, user: AbstractBaseUser) -> CommandRecord:
    """Ask a trader to start trading. Raises Conflict (409) when its process is not running."""
    return _send(parse_trader(trader), CommandKind.START, {}, user=user)


def trader_stop(*, trader: str, body: dict[str, Any], user: AbstractBaseUser) -> CommandRecord:
    """Ask a trader to stop sending orders (and to flatten its positions with ``liquidate``).

    Raises ValidationFailed (422) for a key other than ``liquidate`` or a value not a boolean.
    """
    return _send(parse_trader(trader), CommandKind.STOP, body, user=user)


def order_cancel(*, client_order_id: str, user: AbstractBaseUser) -> CommandRecord:
    """Ask the trader holding an open order to cancel it.

    Raises
    ------
    NotFound
        No running trader shows an open order with that id.
    """
    if not ORDER_ID_PATTERN.fullmatch(client_order_id):
        raise BadRequest(
            f"{client_order_id[:50]!r} is not a client_order_id (1-128 letters, digits, _ . : -)"
        )
    for name, snapshot in trader_snapshots().items():
        if snapshot and any(o.client_order_id == client_order_id for o in snapshot.open_orders):
            return _send(
                name, CommandKind.CANCEL_ORDER, {"client_order_id": client_order_id}, user=user
            )
    _refuse_when_none_runs()
    raise NotFound(f"No open order {client_order_id!r} in the running traders")


def position_force_exit(*, symbol: str, user: AbstractBaseUser) -> CommandRecord:
    """Ask the trader holding a position in ``symbol`` to cancel its orders and close it.

    Raises
    ------
    NotFound
        No running trader holds ``symbol``.
    """
    parse_symbol(symbol)
    for name, snapshot in trader_snapshots().items():
        if snapshot and any(position.symbol == symbol for position in snapshot.positions):
            return _send(name, CommandKind.FORCE_EXIT, {"symbol": symbol}, user=user)
    _refuse_when_none_runs()
    raise NotFound(f"No running trader holds a position in {symbol!r}")


def command_get(*, command_id: str) -> CommandRecord:
    """A command's record by id. Raises NotFound (unknown, or older than a day)."""
    try:
        record = trading_desk().command(command_id)
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    if record is None:
        raise NotFound(f"No trading command {command_id!r} (unknown, or older than a day)")
    return record


def _refuse_when_none_runs() -> None:
    if not any(trader_snapshots().values()):
        raise Conflict(
            "No trader is running: the day and swing trader processes publish nothing "
            "(start the program with make run / runprogram).",
            {"traders": {name.value: "not_running" for name in TraderName}},
        )


def _send(
    trader: TraderName, kind: CommandKind, args: dict[str, Any], *, user: AbstractBaseUser
) -> CommandRecord:
    desk = trading_desk()
    check_command(kind, args)  # 422 before anything else: bad input never reaches a trader
    try:
        if desk.snapshot(trader) is None:
            raise Conflict(
                f"The {trader.value} trader is not running (its process published no snapshot "
                "in the last 10 s); nothing was sent.",
                {"trader": trader.value, "state": "not_running"},
            )
        issued = desk.issue(trader, kind, args, by=user.get_username())
        _log.info(
            f"{user.get_username()} sent {kind.value} {args or ''} to the {trader.value} trader "
            f"(command {issued.command.id})"
        )
        return desk.wait(issued.command.id, timeout_s=COMMAND_WAIT_S) or issued
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc


class CommandNotDone(Conflict):
    """The trader refused the command, failed it, or never picked it up (expired)."""

    code = "command_not_done"


def command_outcome(record: CommandRecord) -> tuple[dict[str, Any], int]:
    """The API's answer to a command: 200 done, 202 still queued.

    Raises
    ------
    CommandNotDone
        409 for ``refused``, ``failed`` and ``expired``, with the trader's reason and the record.
    """
    document = record.to_dict()
    if record.status is CommandStatus.DONE:
        return document, 200
    if record.status is CommandStatus.QUEUED:
        return document, 202
    raise CommandNotDone(
        f"The {record.command.trader.value} trader did not {record.command.kind.value}: "
        f"{record.status.value}: {record.message or 'no reason given'}",
        {"command": document},
    )
