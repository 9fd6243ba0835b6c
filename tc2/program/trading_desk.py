"""The trading desk: the control plane between the web layer and the trader processes.

Two halves, both in Redis under the program's LIVE env (``ExecEnv.key``):

* **Snapshots.** Each trader process (``day``, ``swing``) publishes what it holds every
  ``SNAPSHOT_INTERVAL_S``: its state, mode, account figures, positions with marks and unrealized
  P&L, open orders and its streams' staleness (``TraderSnapshot``). The key expires after
  ``SNAPSHOT_TTL_S``, so a trader that died is *absent*, never shown as running on old figures.
* **Commands.** The web layer queues a command (``issue``: start, stop, cancel an order by
  ``client_order_id``, force-exit a symbol) on the trader's list with an id, and writes the
  command's record (status ``queued``). The trader pops commands (``next_command``), acts and
  records the outcome (``complete``: ``done``, ``refused`` with the rule and figures, or
  ``failed``). The web layer reads the record by id (``command``/``wait``), so the API says what
  happened. A command the trader did not pick up within ``COMMAND_EXPIRY_S`` is marked
  ``expired`` and never executed: a force-exit queued while the trader was down must not fire
  minutes later, on prices nobody looked at.

Keys (``{ns}:LIVE:`` prefix omitted)::

    trading:snapshot:{trader}    JSON TraderSnapshot, EX SNAPSHOT_TTL_S
    trading:commands:{trader}    list of JSON DeskCommand (RPUSH by the web, LPOP by the trader)
    trading:command:{id}         JSON CommandRecord, EX COMMAND_RECORD_TTL_S
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, TypeVar

from tc2.env import ExecEnv
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ValidationFailed

SNAPSHOT_INTERVAL_S = 1.0  # traders publish this often (the panel wants updates within 2 s)
SNAPSHOT_TTL_S = 10  # a snapshot older than this is gone: the trader is not running
COMMAND_EXPIRY_S = 30.0  # a command not picked up by then is expired, never executed
COMMAND_RECORD_TTL_S = 24 * 3600  # how long the outcome of a command can be read back
INVALID_COMMAND_MESSAGE = "The trading command is not valid; nothing was queued."


class TraderName(StrEnum):
    """The two trader processes."""

    DAY = "day"
    SWING = "swing"


class TraderState(StrEnum):
    """What a trader process is doing (a process that is not alive publishes nothing)."""

    STARTING = "starting"  # reconciling with the broker before it trades
    RUNNING = "running"  # trading
    STOPPING = "stopping"  # cancelling and (day trader) liquidating before it idles
    STOPPED = "stopped"  # alive and idle: obeys commands, sends no orders of its own


class CommandKind(StrEnum):
    """What the web layer can ask a trader to do."""

    START = "start"  # args {}: begin trading (reconcile first)
    STOP = (
        "stop"  # args {"liquidate": bool}: stop sending orders; cancel open ones; flatten if asked
    )
    CANCEL_ORDER = "cancel_order"  # args {"client_order_id": str}
    FORCE_EXIT = (
        "force_exit"  # args {"symbol": str}: cancel its orders, close the position at market
    )


class CommandStatus(StrEnum):
    QUEUED = "queued"  # waiting for the trader
    DONE = "done"
    REFUSED = "refused"  # the trader would not (message names the rule and the figures)
    FAILED = "failed"  # it tried and the broker or the trader failed (message says why)
    EXPIRED = "expired"  # not picked up within COMMAND_EXPIRY_S: never executed

    @property
    def final(self) -> bool:
        return self is not CommandStatus.QUEUED


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFigures:
    cash: float
    equity: float
    buying_power: float
    day_trades_left: int | None  # None: not limited (equity >= $25,000, or no PDT rule)


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionView:
    symbol: str
    qty: float  # signed: negative is short
    avg_price: float
    mark: float  # the last price the trader saw
    unrealized_pl: float  # (mark - avg_price) x qty
    strategy: str | None = None  # the run that holds it, when one does
    run_id: int | None = None

    @property
    def market_value(self) -> float:
        return self.mark * self.qty


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenOrderView:
    client_order_id: str
    symbol: str
    side: str
    type: str
    qty: float | None
    notional: float | None
    filled_qty: float
    limit_price: float | None
    stop_price: float | None
    status: str
    submitted_t: float  # epoch seconds
    strategy: str | None = None
    run_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamHealth:
    name: str  # "bars", "account" (trade updates)
    last_message_t: float | None  # epoch seconds of the last message; None: none yet
    stale: bool  # silent past its limit during market hours
    stale_after_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TraderSnapshot:
    """What a trader publishes: enough for the account, positions and orders pages."""

    trader: TraderName
    state: TraderState
    mode: str  # TradingMode value: REPLAY, PAPER or LIVE
    batch_id: str | None
    account: AccountFigures | None  # None before the first reconciliation
    positions: tuple[PositionView, ...] = ()
    open_orders: tuple[OpenOrderView, ...] = ()
    streams: tuple[StreamHealth, ...] = ()
    market_t: float | None = None  # the trader's clock (the replay clock on REPLAY)
    message: str = ""  # why it stopped, or what it waits for
    updated_at: float = 0.0  # epoch seconds (wall clock), set by publish_snapshot

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        for position, view in zip(document["positions"], self.positions, strict=True):
            position["market_value"] = view.market_value
        return document

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> TraderSnapshot:
        account = document.get("account")
        return cls(
            trader=TraderName(document["trader"]),
            state=TraderState(document["state"]),
            mode=str(document["mode"]),
            batch_id=document.get("batch_id"),
            account=_known(AccountFigures, account) if account else None,
            positions=tuple(_known(PositionView, p) for p in document.get("positions", ())),
            open_orders=tuple(_known(OpenOrderView, o) for o in document.get("open_orders", ())),
            streams=tuple(_known(StreamHealth, s) for s in document.get("streams", ())),
            market_t=document.get("market_t"),
            message=str(document.get("message", "")),
            updated_at=float(document.get("updated_at", 0.0)),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskCommand:
    """A command on a trader's list."""

    id: str
    trader: TraderName
    kind: CommandKind
    args: Mapping[str, Any] = field(default_factory=dict)
    by: str = ""
    issued_at: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandOutcome:
    """What a trader's command handler returns (``TradingDesk.handle_next``)."""

    status: CommandStatus  # DONE, REFUSED or FAILED
    message: str = ""  # a refusal names the rule and the figures
    result: Mapping[str, Any] = field(default_factory=dict)  # e.g. the exit order's id


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRecord:
    """A command and what became of it (what the API reports)."""

    command: DeskCommand
    status: CommandStatus
    message: str = ""
    result: Mapping[str, Any] = field(default_factory=dict)
    finished_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **_command_dict(self.command),
            "status": self.status.value,
            "message": self.message,
            "result": dict(self.result),
            "finished_at": self.finished_at,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> CommandRecord:
        return cls(
            command=_command_from(document),
            status=CommandStatus(document["status"]),
            message=str(document.get("message", "")),
            result=dict(document.get("result") or {}),
            finished_at=document.get("finished_at"),
        )


def snapshot_key(env: ExecEnv, trader: TraderName) -> str:
    return env.key("trading", "snapshot", trader.value)


def commands_key(env: ExecEnv, trader: TraderName) -> str:
    return env.key("trading", "commands", trader.value)


def command_key(env: ExecEnv, command_id: str) -> str:
    return env.key("trading", "command", command_id)


def check_command(kind: CommandKind, args: Mapping[str, Any]) -> dict[str, Any]:
    """Return a command's arguments normalised; raise ValidationFailed naming each bad one."""
    errors: dict[str, list[str]] = {}
    allowed = {
        CommandKind.START: set(),
        CommandKind.STOP: {"liquidate"},
        CommandKind.CANCEL_ORDER: {"client_order_id"},
        CommandKind.FORCE_EXIT: {"symbol"},
    }[kind]
    for name in sorted(set(args) - allowed):
        errors[name] = [f"is not an argument of {kind.value}"]
    checked: dict[str, Any] = {}
    if kind is CommandKind.STOP:
        liquidate = args.get("liquidate", False)
        if not isinstance(liquidate, bool):
            errors["liquidate"] = [f"must be true or false, was {liquidate!r}"]
        checked["liquidate"] = liquidate
    if kind is CommandKind.CANCEL_ORDER:
        order_id = args.get("client_order_id")
        if not isinstance(order_id, str) or not 0 < len(order_id.strip()) <= 128:
            errors["client_order_id"] = [f"must be an order's client_order_id, was {order_id!r}"]
        checked["client_order_id"] = order_id
    if kind is CommandKind.FORCE_EXIT:
        symbol = args.get("symbol")
        if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
            errors["symbol"] = [f"must be a ticker such as SPY, was {symbol!r}"]
        checked["symbol"] = symbol
    if errors:
        raise ValidationFailed(INVALID_COMMAND_MESSAGE, errors)
    return checked


class TradingDesk:
    """Snapshots and commands of the traders, on ``env``'s Redis (the program's LIVE env).

    The web layer calls ``snapshot``, ``issue``, ``command`` and ``wait``; a trader calls
    ``publish_snapshot``, ``next_command`` and ``complete``. Redis errors propagate
    (``redis.RedisError``): the web layer answers 503, a trader retries at its next tick.
    """

    def __init__(self, env: ExecEnv) -> None:
        self.env = env

    # -- the trader's side --

    def publish_snapshot(self, snapshot: TraderSnapshot) -> TraderSnapshot:
        """Publish ``snapshot`` (stamped now) for SNAPSHOT_TTL_S; return what was published."""
        stamped = replace(snapshot, updated_at=self.env.clock.timestamp())
        self.env.redis.set(
            snapshot_key(self.env, snapshot.trader),
            json.dumps(stamped.to_dict(), allow_nan=False),
            ex=SNAPSHOT_TTL_S,
        )
        return stamped

    def withdraw_snapshot(self, trader: TraderName) -> None:
        """Remove a trader's snapshot (it is exiting): the web layer sees it gone at once."""
        self.env.redis.delete(snapshot_key(self.env, trader))

    def next_command(self, trader: TraderName) -> DeskCommand | None:
        """Pop the trader's next command to execute; expired ones are marked and skipped."""
        while True:
            raw = self.env.redis.lpop(commands_key(self.env, trader))
            if not isinstance(raw, bytes | str):
                return None
            try:
                command = _command_from(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                continue  # not ours to execute: only ``issue`` writes this list
            age_s = self.env.clock.timestamp() - command.issued_at
            if age_s > COMMAND_EXPIRY_S:
                self._record(
                    CommandRecord(
                        command=command,
                        status=CommandStatus.EXPIRED,
                        message=f"not executed: the {trader.value} trader picked it up "
                        f"{age_s:.0f} s after it was issued (limit {COMMAND_EXPIRY_S:.0f} s)",
                        finished_at=self.env.clock.timestamp(),
                    )
                )
                continue
            return command

    def complete(
        self,
        command: DeskCommand,
        *,
        status: CommandStatus,
        message: str = "",
        result: Mapping[str, Any] | None = None,
    ) -> CommandRecord:
        """Record what became of ``command`` (a final status)."""
        if not status.final:
            raise ValueError(f"complete needs a final status, was {status.value!r}")
        record = CommandRecord(
            command=command,
            status=status,
            message=message,
            result=dict(result or {}),
            finished_at=self.env.clock.timestamp(),
        )
        self._record(record)
        return record

    def handle_next(
        self, trader: TraderName, handler: Callable[[DeskCommand], CommandOutcome]
    ) -> CommandRecord | None:
        """Pop the trader's next command, run ``handler`` on it and record what it returned.

        The trader's loop calls this every tick; None when no command waits. A handler that
        raises records ``failed`` with the error (the trader keeps running): the web layer hears
        of every command it sent.
        """
        command = self.next_command(trader)
        if command is None:
            return None
        try:
            outcome = handler(command)
        except Exception as exc:  # recorded for the caller, never lost; the trader continues
            return self.complete(
                command, status=CommandStatus.FAILED, message=f"{type(exc).__name__}: {exc}"
            )
        return self.complete(
            command, status=outcome.status, message=outcome.message, result=outcome.result
        )

    # -- the web layer's side --

    def snapshot(self, trader: TraderName) -> TraderSnapshot | None:
        """The trader's last snapshot, or None when it published none within SNAPSHOT_TTL_S."""
        raw = self.env.redis.get(snapshot_key(self.env, trader))
        return None if raw is None else TraderSnapshot.from_dict(json.loads(raw))

    def snapshots(self) -> dict[TraderName, TraderSnapshot | None]:
        """Both traders' snapshots in one round trip."""
        names = list(TraderName)
        raws = self.env.redis.mget([snapshot_key(self.env, name) for name in names])
        return {
            name: None if raw is None else TraderSnapshot.from_dict(json.loads(raw))
            for name, raw in zip(names, raws, strict=True)
        }

    def issue(
        self,
        trader: TraderName,
        kind: CommandKind,
        args: Mapping[str, Any] | None = None,
        *,
        by: str,
    ) -> CommandRecord:
        """Queue a command for ``trader``; return its record (status ``queued``).

        Raises
        ------
        ValidationFailed
            Naming each bad argument; nothing is queued.
        """
        command = DeskCommand(
            id=uuid.uuid4().hex,
            trader=trader,
            kind=kind,
            args=check_command(kind, args or {}),
            by=by,
            issued_at=self.env.clock.timestamp(),
        )
        record = CommandRecord(command=command, status=CommandStatus.QUEUED)
        pipe = self.env.redis.pipeline(transaction=True)
        # The record first, in the same transaction: a trader never pops a command it cannot
        # record the outcome of, and a reader never sees an id that is not queued.
        pipe.set(
            command_key(self.env, command.id), json.dumps(record.to_dict()), ex=COMMAND_RECORD_TTL_S
        )
        pipe.rpush(commands_key(self.env, trader), json.dumps(_command_dict(command)))
        pipe.execute()
        return record

    def command(self, command_id: str) -> CommandRecord | None:
        """A command's record, or None when unknown (or older than COMMAND_RECORD_TTL_S)."""
        raw = self.env.redis.get(command_key(self.env, command_id))
        return None if raw is None else CommandRecord.from_dict(json.loads(raw))

    def wait(
        self, command_id: str, *, timeout_s: float, poll_s: float = 0.05
    ) -> CommandRecord | None:
        """Read a command's record until it is final or ``timeout_s`` passed; return the last."""
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.command(command_id)
            if record is None or record.status.final or time.monotonic() >= deadline:
                return record
            time.sleep(poll_s)

    def _record(self, record: CommandRecord) -> None:
        self.env.redis.set(
            command_key(self.env, record.command.id),
            json.dumps(record.to_dict(), allow_nan=False),
            ex=COMMAND_RECORD_TTL_S,
        )


def _command_dict(command: DeskCommand) -> dict[str, Any]:
    return {
        "id": command.id,
        "trader": command.trader.value,
        "kind": command.kind.value,
        "args": dict(command.args),
        "by": command.by,
        "issued_at": command.issued_at,
    }


def _command_from(document: Mapping[str, Any]) -> DeskCommand:
    return DeskCommand(
        id=str(document["id"]),
        trader=TraderName(document["trader"]),
        kind=CommandKind(document["kind"]),
        args=dict(document.get("args") or {}),
        by=str(document.get("by", "")),
        issued_at=float(document["issued_at"]),
    )


_Part = TypeVar("_Part", AccountFigures, PositionView, OpenOrderView, StreamHealth)


def _known(kind: type[_Part], document: Mapping[str, Any]) -> _Part:
    # Fields a newer trader adds (or derived ones such as market_value) are ignored, so a web
    # process and a trader of different versions still understand each other.
    names = {item.name for item in fields(kind)}
    return kind(**{name: value for name, value in document.items() if name in names})
