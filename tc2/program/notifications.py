"""Notifications through Apprise: fills, rejections, risk-state changes, crashes, stale feeds and
a daily summary, to the channels the settings name (``notification_channels``).

Delivery never blocks trading. ``Notifier.notify`` puts the message on each channel's bounded
queue and returns (microseconds); each channel has its own daemon thread that sends with
Apprise under a connect and read timeout, so a channel that hangs or fails delays only its own
messages. When a channel's queue is full, new messages for it are dropped and counted (its
``ChannelStats``), never waited for. Channel URLs hold secrets: logs and stats name a channel
by its name and its redacted URL only, and Apprise's own logging is silenced.

Every process can post: ``NotificationOutbox`` (a capped Redis list under the program's LIVE
env, ``notifications:outbox``) takes messages from the traders, the supervisor's exit hook and
the web layer; the program's ``notifier`` component (``notifier_component.run_notifier``)
delivers them, follows the kill switch's log for risk-state changes, and keeps its channels in
step with the settings.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from tc2.env.exec_env import ExecEnv
from tc2.env.notification_settings import NotificationEvent, quiet_apprise, redact_url
from tc2.execution.kill_switch import Transition
from tc2.execution.orders import Side, format_qty
from tc2.execution.risk_ledger import Refusal

DEFAULT_QUEUE_SIZE = 100  # messages waiting per channel before new ones are dropped
DEFAULT_TIMEOUT_S = 10.0  # read timeout of one delivery; connecting gets at most 4 s
CONNECT_TIMEOUT_S = 4.0
OUTBOX_KEPT = 1000
TEST_TITLE = "TC2 test notification"
TEST_BODY = "This channel works: TC2 will send its notifications here."
SENT_LINE = "notification channel {name} ({url}): {outcome}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One message: what it is about, a title and a body (plain text)."""

    event: NotificationEvent
    title: str
    body: str
    at: float = 0.0  # epoch s it was made

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "event": self.event.value})

    @classmethod
    def from_json(cls, text: str | bytes) -> Notification:
        data = json.loads(text)
        return cls(
            event=NotificationEvent(data["event"]),
            title=data["title"],
            body=data["body"],
            at=float(data.get("at", 0.0)),
        )


# The messages, one function per event.


class FillLike(Protocol):
    """A fill as a message reads it (``orders.Fill`` and ``trade_records.TradeFill`` fit)."""

    @property
    def client_order_id(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def qty(self) -> float: ...
    @property
    def price(self) -> float: ...
    @property
    def fee(self) -> float: ...
    @property
    def t(self) -> int: ...


def fill_notification(
    fill: FillLike, *, mode: str, strategy: str = "", at: float = 0.0
) -> Notification:
    """A fill (partial or whole) of an order."""
    who = f" ({strategy})" if strategy else ""
    return Notification(
        event=NotificationEvent.FILL,
        title=f"TC2 {mode} fill: {fill.side.value} {format_qty(fill.qty)} {fill.symbol} "
        f"@ ${fill.price:,.4f}",
        body=f"{fill.side.value} {format_qty(fill.qty)} {fill.symbol} at ${fill.price:,.4f}"
        f"{who}, fee ${fill.fee:,.2f}, order {fill.client_order_id}, at {_time(fill.t)}",
        at=at,
    )


def refusal_notification(refusal: Refusal) -> Notification:
    """An order a risk rule refused."""
    return Notification(
        event=NotificationEvent.REJECTION,
        title=f"TC2 order refused ({refusal.rule}): {refusal.side} {refusal.symbol}",
        body=f"{refusal.trader}: {refusal.message}",
        at=refusal.at,
    )


def rejection_notification(
    *, symbol: str, side: str, reason: str, trader: str, at: float
) -> Notification:
    """An order the broker (or the account) rejected."""
    return Notification(
        event=NotificationEvent.REJECTION,
        title=f"TC2 order rejected: {side} {symbol}",
        body=f"{trader}: {reason}",
        at=at,
    )


def risk_state_notification(transition: Transition) -> Notification:
    """A kill switch change (or a flatten request)."""
    if transition.kind == "flatten":
        title = "TC2 kill switch: flatten requested"
    else:
        title = f"TC2 kill switch {transition.before.value} -> {transition.after.value}"
    return Notification(
        event=NotificationEvent.RISK_STATE,
        title=title,
        body=f"by {transition.who} at {_time(transition.at)}: {transition.why}",
        at=transition.at,
    )


def crash_notification(*, component: str, reason: str, at: float) -> Notification:
    """A component that died (the supervisor restarts it)."""
    return Notification(
        event=NotificationEvent.CRASH,
        title=f"TC2 component {component} died",
        body=f"{component} {reason} at {_time(at)}; the supervisor restarts it",
        at=at,
    )


def stale_feed_notification(*, stream: str, silent_s: float, at: float) -> Notification:
    """A bar or account stream silent during market hours."""
    return Notification(
        event=NotificationEvent.STALE_FEED,
        title=f"TC2 {stream} stream stale",
        body=f"no {stream} message for {silent_s:,.0f} s during market hours (at {_time(at)})",
        at=at,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DailySummary:
    """The figures of a trading day, after the close."""

    day: date
    mode: str  # REPLAY, PAPER, LIVE
    start_equity: float
    end_equity: float
    realized_pnl: float
    fees: float
    fills: int
    round_trips: int
    refusals: int
    by_strategy: Mapping[str, float] = field(default_factory=dict)  # realized P&L


def daily_summary_notification(summary: DailySummary, *, at: float) -> Notification:
    """The day's summary."""
    change = summary.end_equity - summary.start_equity
    lines = [
        f"equity ${summary.start_equity:,.2f} -> ${summary.end_equity:,.2f} ({change:+,.2f})",
        f"realized P&L {_signed_usd(summary.realized_pnl)}, fees ${summary.fees:,.2f}",
        f"{summary.fills} fills, {summary.round_trips} round trips, "
        f"{summary.refusals} orders refused by the risk rules",
        *(f"{name}: {_signed_usd(pnl)}" for name, pnl in sorted(summary.by_strategy.items())),
    ]
    return Notification(
        event=NotificationEvent.DAILY_SUMMARY,
        title=f"TC2 {summary.mode} {summary.day.isoformat()}: {change:+,.2f}",
        body="\n".join(lines),
        at=at,
    )


# Delivery.


@dataclass(slots=True)
class ChannelStats:
    """What a channel did since it started (for the program status and the panel)."""

    name: str
    url: str  # redacted
    sent: int = 0
    failed: int = 0
    dropped: int = 0  # the queue was full
    waiting: int = 0
    last_error: str = ""  # never the URL: an outcome or an exception's type

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _apprise_for(url: str, timeout_s: float) -> Any:
    import apprise  # deferred: 0.4 s to import

    quiet_apprise()
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return None
    # Plugins on HTTP honour these; the channel's own thread keeps any other wait off trading.
    plugin.socket_connect_timeout = min(CONNECT_TIMEOUT_S, timeout_s)
    plugin.socket_read_timeout = timeout_s
    sender = apprise.Apprise()
    sender.add(plugin)
    return sender


def _deliver(sender: Any, message: Notification) -> bool:
    return bool(sender.notify(title=message.title, body=message.body))


class _Channel:
    def __init__(
        self,
        name: str,
        url: str,
        *,
        queue_size: int,
        timeout_s: float,
        log: Callable[[str], None] | None,
    ) -> None:
        self.url = url
        self.stats = ChannelStats(name=name, url=redact_url(url))
        self._sender = _apprise_for(url, timeout_s)
        self._queue: queue.Queue[Notification | None] = queue.Queue(maxsize=queue_size)
        self._log = log
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"tc2-notify-{name}", daemon=True)
        self.thread.start()

    def put(self, message: Notification) -> bool:
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            with self._lock:
                self.stats.dropped += 1
            return False
        return True

    def close(self) -> None:
        self._closed.set()  # a full queue has no room for the sentinel: the flag stops it
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def snapshot(self) -> ChannelStats:
        with self._lock:
            # Put and not yet handled (task_done): queued or being sent.
            waiting = self._queue.unfinished_tasks
            return ChannelStats(**{**self.stats.to_dict(), "waiting": waiting})

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            if message is None or self._closed.is_set():
                return
            try:
                ok = self._sender is not None and _deliver(self._sender, message)
                error = "" if ok else "the service did not accept the message"
            except Exception as exc:  # a channel must never take its thread down
                ok, error = False, f"{type(exc).__name__}"
            with self._lock:
                if ok:
                    self.stats.sent += 1
                else:
                    self.stats.failed += 1
                    self.stats.last_error = error
            self._queue.task_done()
            if not ok and self._log is not None:
                self._log(SENT_LINE.format(name=self.stats.name, url=self.stats.url, outcome=error))


class Notifier:
    """Sends notifications to every channel on the channel's own thread; never blocks.

    Parameters
    ----------
    channels
        Channel name -> Apprise URL (validated settings).
    events
        The events to send (``notification_events``); ``test`` is always sent.
    queue_size
        Messages a channel holds while it is slow before new ones are dropped.
    timeout_s
        Read timeout of one delivery.
    log
        Receives a line per failed delivery (names and redacted URLs only).
    """

    def __init__(
        self,
        *,
        channels: Mapping[str, str],
        events: Iterable[str],
        queue_size: int = DEFAULT_QUEUE_SIZE,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._queue_size = queue_size
        self._timeout_s = timeout_s
        self._log = log
        self._channels: dict[str, _Channel] = {}
        self._events: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self.configure(channels=channels, events=events)

    def configure(self, *, channels: Mapping[str, str], events: Iterable[str]) -> None:
        """Follow new settings: channels added, changed or removed, the events chosen."""
        with self._lock:
            self._events = frozenset(events) | {NotificationEvent.TEST.value}
            for name in sorted(set(self._channels) - set(channels)):
                self._channels.pop(name).close()
            for name, url in sorted(channels.items()):
                current = self._channels.get(name)
                if current is not None and current.url == url:
                    continue
                if current is not None:
                    current.close()
                self._channels[name] = _Channel(
                    name,
                    url,
                    queue_size=self._queue_size,
                    timeout_s=self._timeout_s,
                    log=self._log,
                )

    def notify(self, message: Notification) -> int:
        """Queue ``message`` for every channel if its event is chosen; return how many took it
        (a full channel drops it). Returns at once."""
        with self._lock:
            if message.event.value not in self._events:
                return 0
            channels = list(self._channels.values())
        return sum(channel.put(message) for channel in channels)

    def refusal_recorded(self, refusal: Refusal) -> None:
        """A ``RefusalSink``: every risk refusal becomes a rejection notification."""
        self.notify(refusal_notification(refusal))

    def stats(self) -> list[ChannelStats]:
        """Each channel's counts, by name."""
        with self._lock:
            channels = list(self._channels.values())
        return sorted((c.snapshot() for c in channels), key=lambda s: s.name)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every channel's queue is empty and its last message handled (tests,
        shutdown); True when they all were in time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(s.waiting == 0 for s in self.stats()):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Stop every channel's thread (messages still waiting are dropped: ``wait_idle`` first
        to send them)."""
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelTest:
    """The outcome of the "test channel" button."""

    ok: bool
    url: str  # redacted
    message: str
    elapsed_s: float


def test_channel(url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> ChannelTest:
    """Send a test message to ``url`` now and say whether it went (the panel's button).

    Runs on a thread of its own and returns after at most ``timeout_s`` plus a second, so a
    channel that hangs cannot hang the caller (an API request).
    """
    started = time.monotonic()
    shown = redact_url(url)
    sender = _apprise_for(url, timeout_s)
    if sender is None:
        return ChannelTest(
            ok=False, url=shown, message="Apprise cannot read this URL", elapsed_s=0.0
        )
    outcome: list[bool | str] = []
    message = Notification(
        event=NotificationEvent.TEST, title=TEST_TITLE, body=TEST_BODY, at=time.time()
    )

    def send() -> None:
        try:
            outcome.append(_deliver(sender, message))
        except Exception as exc:
            outcome.append(type(exc).__name__)

    thread = threading.Thread(target=send, name="tc2-notify-test", daemon=True)
    thread.start()
    thread.join(timeout_s + 1.0)
    elapsed = time.monotonic() - started
    if not outcome:
        return ChannelTest(
            ok=False, url=shown, elapsed_s=elapsed, message=f"no answer within {timeout_s:g} s"
        )
    if outcome[0] is True:
        return ChannelTest(ok=True, url=shown, message="sent", elapsed_s=elapsed)
    reason = outcome[0] if isinstance(outcome[0], str) else "the service did not accept it"
    return ChannelTest(ok=False, url=shown, message=f"not sent: {reason}", elapsed_s=elapsed)


test_channel.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


class NotificationOutbox:
    """Messages from any process for the program's notifier: a capped Redis list.

    Key (prefix ``{ns}:live:`` omitted): ``notifications:outbox``, newest first, at most
    ``OUTBOX_KEPT`` waiting (older ones are dropped when the notifier is down).
    """

    def __init__(self, env: ExecEnv) -> None:
        self._env = env
        self.key = env.key("notifications", "outbox")

    def post(self, message: Notification) -> None:
        """Queue ``message`` for delivery (one Redis round trip)."""
        pipe = self._env.redis.pipeline()
        pipe.lpush(self.key, message.to_json())
        pipe.ltrim(self.key, 0, OUTBOX_KEPT - 1)
        pipe.execute()

    def refusal_recorded(self, refusal: Refusal) -> None:
        """A ``RefusalSink`` for a trader process: its refusals go to the notifier."""
        self.post(refusal_notification(refusal))

    def take(self, *, wait_s: float) -> Notification | None:
        """The oldest message waiting, waiting up to ``wait_s`` (whole seconds, at least 1)."""
        answer: Any = self._env.redis.brpop([self.key], timeout=max(1, round(wait_s)))
        if answer is None:
            return None
        return Notification.from_json(answer[1])

    def take_nowait(self) -> Notification | None:
        """The oldest message waiting, or None."""
        raw: Any = self._env.redis.rpop(self.key)
        return None if raw is None else Notification.from_json(raw)


def _signed_usd(amount: float) -> str:
    return f"{'-' if amount < 0 else '+'}${abs(amount):,.2f}"


def _time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
