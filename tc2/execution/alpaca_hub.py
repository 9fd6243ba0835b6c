"""One Alpaca account connection, shared by every strategy trading with the same key.

Alpaca allows one account stream per key, so ``AlpacaHub`` holds the key's REST client and its
``trade_updates`` stream, the book of orders TC2 placed (``alpaca_book.OrderBook``), and the
reconciliation; each strategy
run trades through an ``AlpacaBroker`` view of it (``alpaca_broker``). ``shared_hub`` keeps one
hub per key id in the process.

Money safety, in order: every order is recorded (``order_intended``) before its HTTP request;
the request carries a deterministic ``client_order_id``; a 429/5xx/network failure retries with
that same id, and a retry refused as a duplicate id fetches the order the first send created
and adopts it. At start and after every reconnect the hub reconciles from REST: each order the
records hold in flight is looked up by its id (absent: ``NEVER_SENT``; present: adopted with its
fills), then the open orders, the fills since the oldest of them, and the positions. Order
operations raise ``TemporaryBrokerError`` until that is done.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from alpaca.trading.requests import ReplaceOrderRequest

from tc2.data.providers.backoff import Backoff
from tc2.errors import ConfigurationError, ExecutionError, TemporaryBrokerError
from tc2.execution import alpaca_mapping as mapping
from tc2.execution.alpaca_book import OrderBook
from tc2.execution.alpaca_rest import (
    HTTP_TIMEOUT_S,
    ORDER_BACKOFF,
    AccountFigures,
    AlpacaCredentials,
    AlpacaEndpoints,
    AlpacaRest,
    DuplicateId,
    Log,
    Refused,
)
from tc2.execution.alpaca_stream import (
    RECONNECT_MAX_S,
    STALE_AFTER_S,
    StreamState,
    StreamStatus,
    TradeStream,
)
from tc2.execution.orders import Order, OrderRejected, OrderRequest
from tc2.execution.positions import Position
from tc2.execution.trade_records import OrderIntent, TradeRecorder, TradingMode

UPDATE_WAIT_S = 2.0  # how long cancel waits for the stream to confirm before asking REST
# An unanswered send is looked up again after this long: three HTTP timeouts, so no request of
# ours can still be on its way when Alpaca's "no such order" is taken as never sent.
SETTLE_AFTER_S = 30.0
HOUSEKEEPING_S = 1.0  # staleness and unanswered sends are checked this often
CACHE_S = 1.0  # account figures and positions are read at most this often between trades


class AlpacaHub:
    """The REST client, the account stream and the order book of one Alpaca key.

    Parameters
    ----------
    credentials, endpoints
        The key and where its account lives.
    recorder
        Where orders and fills are recorded (shared by every run trading with this key).
    backoff
        Retry policy of REST calls (tests pass one with short waits).
    log
        Where the hub logs (a ``FeedLogger`` of the live-trading feed by default); never keys.
    market_open
        ``market_open(epoch_s)``: whether the market is open, for staleness; XNYS by default.
    stale_after_s, reconnect_max_s, http_timeout_s, settle_after_s
        Staleness threshold, longest reconnect wait, the timeout of one REST request, and how
        long after an unanswered send the worker asks Alpaca about that order again.
    """

    def __init__(
        self,
        credentials: AlpacaCredentials,
        endpoints: AlpacaEndpoints,
        recorder: TradeRecorder,
        *,
        backoff: Backoff = ORDER_BACKOFF,
        log: Log | None = None,
        market_open: Callable[[float], bool] | None = None,
        stale_after_s: float = STALE_AFTER_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
        http_timeout_s: float = HTTP_TIMEOUT_S,
        settle_after_s: float = SETTLE_AFTER_S,
    ) -> None:
        self.endpoints = endpoints
        self._settle_after_s = settle_after_s
        self.recorder = recorder
        self.mode = endpoints.mode
        self._key_id = credentials.key_id
        self._log: Log = log if log is not None else _default_log()
        self._market_open = market_open or _xnys_open
        self._stale_after_s = stale_after_s
        paper = endpoints.mode is not TradingMode.LIVE
        self.rest = AlpacaRest(credentials, endpoints, backoff=backoff, timeout_s=http_timeout_s)
        self.client = self.rest.client
        self.book = OrderBook(recorder)
        self._lock = self.book.lock  # one lock: the stream state changes with the book
        self._changed = self.book.changed
        self._cache: dict[str, tuple[float, Any]] = {}  # name -> (monotonic time, value)
        self._status = StreamStatus.STARTING
        self._last_event_t: float | None = None
        self._connected_since: float | None = None
        self._down_since: float | None = None
        self._reconnects = -1  # the first connect is not a reconnect
        self._stale_logged = False
        self._users = 0
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stopping = threading.Event()
        self._stream = TradeStream(
            api_key=credentials.key_id,
            secret_key=credentials.secret_key,
            paper=paper,
            url=endpoints.stream_url,
            on_message=lambda msg: self._events.put(("message", msg)),
            on_listening=lambda: self._events.put(("listening", None)),
            on_down=lambda: self._events.put(("down", None)),
            reconnect_max_s=reconnect_max_s,
        )
        self._worker = threading.Thread(target=self._work, name="alpaca-hub", daemon=True)

    def __repr__(self) -> str:
        return f"AlpacaHub(mode={self.mode.value}, url={self.endpoints.trading_url!r})"

    # ----------------------------------------------------------------- lifecycle

    def start(self, *, wait_s: float | None = 10.0) -> None:
        """Connect the stream (and reconcile); wait up to ``wait_s`` for trading to be allowed.

        Raises
        ------
        TemporaryBrokerError
            If the stream is not connected and reconciled after ``wait_s`` (it keeps trying).
        """
        if not self._worker.is_alive():
            self._worker.start()
            self._stream.start()
        if wait_s is not None and not self.wait_connected(wait_s):
            raise TemporaryBrokerError(
                f"the Alpaca account stream at {self.endpoints.stream_url} did not connect and "
                f"reconcile within {wait_s:g} s (status {self._status.value}); still trying"
            )

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait until the stream is connected and reconciled; return whether it is."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._status is StreamStatus.CONNECTED, timeout=timeout_s
            )

    def stop(self) -> None:
        """Close the stream and the worker; the hub cannot be started again."""
        self._stopping.set()
        with self._changed:
            self._status = StreamStatus.STOPPED
            self._changed.notify_all()
        self._stream.stop_now()
        self._events.put(("stop", None))
        if self._worker.is_alive():
            self._worker.join(5.0)
        _forget(self)

    def acquire(self) -> None:
        with self._lock:
            self._users += 1

    def release(self) -> None:
        """A view is done; the last one out stops the hub."""
        with self._lock:
            self._users -= 1
            last = self._users <= 0
        if last:
            self.stop()

    def attach(self, run_id: int, inbox: Callable[[Order], None]) -> None:
        """Send every change of run ``run_id``'s orders to ``inbox`` (one broker view per run)."""
        self.book.attach(run_id, inbox)

    def detach(self, run_id: int) -> None:
        self.book.detach(run_id)

    # ----------------------------------------------------------------- state

    def stream_state(self, now: float | None = None) -> StreamState:
        """The account stream's state; ``stale`` when silent too long during market hours."""
        at = time.time() if now is None else now
        with self._lock:
            last = self._last_event_t
            silent = None if last is None else max(0.0, at - last)
            stale = (
                self._status in (StreamStatus.CONNECTED, StreamStatus.RECONCILING)
                and silent is not None
                and silent >= self._stale_after_s
                and self._market_open(at)
            )
            return StreamState(
                status=self._status,
                last_event_t=last,
                connected_since=self._connected_since,
                down_since=self._down_since,
                reconnects=max(0, self._reconnects),
                stale=stale,
                silent_s=silent,
            )

    def ensure_trading(self, operation: str) -> None:
        """Raise ``TemporaryBrokerError`` unless the stream is connected and reconciled."""
        with self._lock:
            status, since = self._status, self._down_since
        if status is StreamStatus.CONNECTED:
            return
        when = "" if since is None else f" since {_utc(since)}"
        raise TemporaryBrokerError(
            f"{operation} paused: the Alpaca account stream is {status.value}{when}; order "
            "operations resume once it has reconnected and reconciled from REST"
        )

    def account_figures(self) -> AccountFigures:
        """Cash, equity, buying power, day trades (read again after any trade update)."""
        return self._cached("account", self.rest.account_figures)  # type: ignore[no-any-return]

    def positions(self) -> dict[str, Position]:
        """The account's positions (read again after any trade update)."""
        return dict(self._cached("positions", self.rest.positions))

    def _cached(self, name: str, fetch: Callable[[], Any]) -> Any:
        # Alpaca allows 200 requests a minute per account: a strategy reading cash, equity
        # and a position in one bar should cost one request each, not one per read.
        with self._lock:
            hit = self._cache.get(name)
        if hit is not None and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        value = fetch()
        with self._lock:
            self._cache[name] = (time.monotonic(), value)
        return value

    def _invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    # ----------------------------------------------------------------- orders

    def submit(self, intent: OrderIntent, request: OrderRequest, now: float) -> Order:
        """Record ``intent``, send it, and return the order (see ``AlpacaBroker.submit``)."""
        cid = intent.client_order_id
        order, new = self.book.begin_send(intent, now)  # recorded before the HTTP request
        if not new:
            return order  # this id was sent already: never send it twice
        try:
            payload = self._send(
                f"Alpaca POST /v2/orders ({cid})",
                cid,
                lambda: self.client.submit_order(mapping.alpaca_request(request, cid)),
            )
        except Refused as refused:
            self.book.refuse(order, refused.message)
            raise OrderRejected(order) from None
        finally:
            self.book.end_send(cid)
        if (payload.get("symbol"), payload.get("side")) != (intent.symbol, intent.side.value):
            # A duplicate id adopted an order that is not this one: a client_order_id reused.
            self.book.refuse(
                order,
                f"client_order_id {cid} already names Alpaca order {payload.get('id')} "
                f"({payload.get('side')} {payload.get('symbol')}); ids must not be reused",
            )
            self.book.disown(cid)  # its events are that other order's, not this one's
            raise OrderRejected(order)
        self.book.adopt(payload)
        return order

    def _send(self, what: str, cid: str, request: Callable[[], Any]) -> Mapping[str, Any]:
        """Send a request that creates order ``cid`` and return Alpaca's order.

        When an earlier attempt may have landed unanswered (a duplicate-id answer, a refusal, or
        the retries used up), the order is looked up by ``cid`` and adopted if Alpaca has it.

        Raises
        ------
        Refused
            Alpaca refused the order and holds none under ``cid``.
        TemporaryBrokerError
            Alpaca kept failing and whether it holds the order is not known (the worker asks
            again after ``settle_after_s``).
        """
        try:
            payload = self.rest.call(what, request)
        except DuplicateId:
            found = self.rest.fetch_by_client_id(cid)
            if found is None:
                raise ExecutionError(
                    f"Alpaca says order {cid} exists but does not return it; check the account"
                ) from None
        except Refused:
            found = self._lookup(cid)
            if found is None:
                raise
        except TemporaryBrokerError as error:
            found = self._lookup(cid)
            if found is None:
                raise TemporaryBrokerError(
                    f"{error}; order {cid} stays recorded as intended and open until Alpaca "
                    f"answers for it (asked again after {self._settle_after_s:g} s, and at "
                    "every reconnect)"
                ) from None
        else:
            assert isinstance(payload, Mapping)
            return payload
        self._log.warning(f"{what}: an earlier attempt landed; adopted Alpaca order {found['id']}")
        return found

    def _lookup(self, cid: str) -> Mapping[str, Any] | None:
        """Alpaca's order ``cid``, or None when it has none or cannot say now."""
        try:
            return self.rest.fetch_by_client_id(cid)
        except ExecutionError:  # TemporaryBrokerError included
            return None

    def _settle(self) -> None:
        """Ask Alpaca about orders whose send went unanswered ``settle_after_s`` ago or more:
        adopt them, or record ``NEVER_SENT`` (by then no request of ours is still on its way)."""
        for cid in self.book.unsettled(time.time() - self._settle_after_s):
            try:
                found = self.rest.fetch_by_client_id(cid)
            except ExecutionError:
                return  # Alpaca still unreachable: next time
            if found is None:
                self.book.never_sent(cid)
            else:
                self.book.adopt(found)

    def cancel(self, order: Order) -> Order:
        """Ask Alpaca to cancel ``order``; return it once closed (or as REST then says)."""
        broker_id = self._broker_id(order)
        try:
            self.rest.call(
                f"Alpaca DELETE /v2/orders/{broker_id}",
                lambda: self.client.cancel_order_by_id(broker_id),
            )
        except Refused as refused:
            self._refresh(order)
            if order.is_open:
                raise ExecutionError(
                    f"Alpaca refused to cancel order {order.client_order_id}: {refused.message}"
                ) from None
            raise ExecutionError(
                f"order {order.client_order_id} is no longer open ({order.status.value})"
            ) from None
        if not self.book.wait_closed(order, UPDATE_WAIT_S):
            self._refresh(order)
        return order

    def replace(
        self, order: Order, intent: OrderIntent, changes: Mapping[str, float | None], now: float
    ) -> Order:
        """Replace ``order`` by the one ``intent`` records (its new id and changed fields)."""
        broker_id = self._broker_id(order)
        cid = intent.client_order_id
        new, fresh = self.book.begin_send(intent, now)
        if not fresh:
            raise ExecutionError(f"order {cid} exists already; a replacement needs a new id")
        given: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        body = ReplaceOrderRequest(client_order_id=cid, **given)
        try:
            payload = self._send(
                f"Alpaca PATCH /v2/orders/{broker_id} ({cid})",
                cid,
                lambda: self.client.replace_order_by_id(broker_id, body),
            )
        except Refused as refused:
            self.book.refuse(new, refused.message)
            raise OrderRejected(new) from None
        finally:
            self.book.end_send(cid)
        self.book.adopt(payload)
        self.book.replaced(order, cid)
        return new

    def _broker_id(self, order: Order) -> str:
        broker_id = self.book.broker_id(order.client_order_id)
        if broker_id is None:
            self._refresh(order)
            broker_id = self.book.broker_id(order.client_order_id)
        if broker_id is None:
            raise ExecutionError(f"Alpaca has no order {order.client_order_id}")
        return broker_id

    def _refresh(self, order: Order) -> None:
        payload = self.rest.fetch_by_client_id(order.client_order_id)
        if payload is not None:
            self.book.adopt(payload)

    # ----------------------------------------------------------------- worker

    def _work(self) -> None:
        housekeeping = 0.0
        while True:
            try:
                kind, value = self._events.get(timeout=HOUSEKEEPING_S)
            except queue.Empty:
                kind, value = "", None
            if kind == "stop":
                return
            try:
                if kind:
                    self._handle(kind, value)
                if time.monotonic() - housekeeping >= HOUSEKEEPING_S:
                    housekeeping = time.monotonic()
                    self._check_stale()
                    if self._status is StreamStatus.CONNECTED:
                        self._settle()
            except Exception as error:  # the worker must outlive one bad message
                self._log.error(f"Alpaca account stream: {type(error).__name__}: {error}")

    def _handle(self, kind: str, value: Any) -> None:
        if kind == "message":
            with self._lock:
                self._last_event_t = time.time()
                self._stale_logged = False
            if value.get("stream") == "trade_updates":
                self._invalidate()  # any event may move money or positions
                self.book.on_trade_update(value.get("data") or {})
        elif kind == "listening":
            self._on_listening()
        elif kind == "down" and not self._stopping.is_set():
            with self._changed:
                self._status = StreamStatus.DOWN
                self._down_since = time.time()
                self._connected_since = None
                self._changed.notify_all()
            self._log.warning(
                "Alpaca account stream dropped; order operations paused, reconnecting"
            )

    def _on_listening(self) -> None:
        with self._changed:
            self._status = StreamStatus.RECONCILING
            self._reconnects += 1
            self._changed.notify_all()
        while not self._stopping.is_set():
            try:
                summary = self.reconcile()
                break
            except Exception as error:  # trading stays paused until one succeeds
                self._log.warning(
                    f"Alpaca reconciliation failed ({type(error).__name__}: {error}); trying "
                    "again in 1 s"
                )
                if self._stopping.wait(1.0):
                    return
        else:
            return
        with self._changed:
            if self._status is StreamStatus.RECONCILING:
                self._status = StreamStatus.CONNECTED
                self._connected_since = time.time()
                self._down_since = None
            self._changed.notify_all()
        self._log.info(f"Alpaca account stream listening; reconciled: {summary}")

    def _check_stale(self) -> None:
        state = self.stream_state()
        if state.stale and not self._stale_logged:
            self._stale_logged = True
            self._log.warning(
                f"Alpaca account stream stale: silent {state.silent_s:.0f} s during market hours "
                f"(limit {self._stale_after_s:g} s; last message at {_utc(state.last_event_t)})"
            )

    # ----------------------------------------------------------------- reconciliation

    def reconcile(self) -> str:
        """Bring the order book and the records in line with Alpaca; return a summary.

        In flight in the records: looked up by client_order_id (absent and not being sent now:
        ``NEVER_SENT``). Open at Alpaca: adopted. Fills since the oldest order in flight: each
        recorded once. The positions are read too (so a broken positions call fails here).
        """
        intents = self.recorder.orders_in_flight(self.mode)
        for intent in intents:
            self.book.know(intent)
        sending = self.book.sending()
        tracked = self.book.open_orders()
        found: dict[str, Mapping[str, Any]] = {}
        never_sent: list[str] = []
        wanted = {i.client_order_id for i in intents} | {o.client_order_id for o in tracked}
        for cid in sorted(wanted - sending):
            payload = self.rest.fetch_by_client_id(cid)
            if payload is None:
                never_sent.append(cid)
            else:
                found[cid] = payload
        for payload in self.rest.open_orders():
            found.setdefault(str(payload["client_order_id"]), payload)
        starts = [i.created_t for i in intents] + [o.submitted_t for o in tracked]
        fills = self.rest.fills_since(min(starts) - 60) if starts and found else []
        positions = self.rest.positions()
        for payload in found.values():  # know every Alpaca id before placing fills
            self.book.link(payload)
        added = 0
        for fill in fills:
            owner = self.book.cid_of(fill.broker_order_id)
            if owner is not None:
                if self.book.order(owner) is None:
                    self.book.adopt(found[owner], notify=False)
                added += self.book.apply_fill(fill, owner)
        for payload in found.values():
            self.book.adopt(payload)
        for cid in never_sent:
            self.book.never_sent(cid)
        self._invalidate()
        return (
            f"{len(found)} orders at Alpaca, {len(never_sent)} never sent, {added} fills "
            f"recorded, {len(positions)} positions"
        )


def _utc(t: float | None) -> str:
    if t is None:
        return "never"
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_CALENDAR: Any = None


def _xnys_open(t: float) -> bool:
    global _CALENDAR
    from tc2.env.market_calendar import MarketCalendar

    if _CALENDAR is None:
        _CALENDAR = MarketCalendar.xnys()
    try:
        return bool(_CALENDAR.is_open(datetime.fromtimestamp(t, tz=UTC)))
    except ValueError:  # outside the calendar's years: not a session TC2 knows
        return False


def _default_log() -> Log:
    from tc2.logs.feed_logger import feed_logger
    from tc2.logs.feeds import LogFeed

    return feed_logger(LogFeed.LIVE_TRADING, "alpaca")


# One hub per key id in the process: Alpaca allows one account stream per key.
_HUBS: dict[str, AlpacaHub] = {}
_HUBS_LOCK = threading.Lock()


def shared_hub(
    credentials: AlpacaCredentials,
    endpoints: AlpacaEndpoints,
    recorder: TradeRecorder,
    **options: Any,
) -> AlpacaHub:
    """The process's hub for this key (created and started on first use); one user more.

    ``options`` go to ``AlpacaHub`` when it is created; a later caller gets the existing hub.

    Raises
    ------
    ConfigurationError
        If the key's hub trades at other endpoints.
    TemporaryBrokerError
        If a new hub's stream does not connect and reconcile within 10 s.
    """
    with _HUBS_LOCK:
        hub = _HUBS.get(credentials.key_id)
        if hub is None or hub._stopping.is_set():
            hub = AlpacaHub(credentials, endpoints, recorder, **options)
            _HUBS[credentials.key_id] = hub
        elif hub.endpoints != endpoints:
            raise ConfigurationError(
                f"this Alpaca key already trades at {hub.endpoints.trading_url} "
                f"({hub.mode.value}); it cannot also trade at {endpoints.trading_url} "
                f"({endpoints.mode.value}) in the same process"
            )
        hub.acquire()
    try:
        hub.start()
    except TemporaryBrokerError:
        hub.release()
        raise
    return hub


def _forget(hub: AlpacaHub) -> None:
    with _HUBS_LOCK:
        if _HUBS.get(hub._key_id) is hub:
            del _HUBS[hub._key_id]
