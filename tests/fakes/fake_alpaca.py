"""A local fake of Alpaca's trading API: REST and the ``trade_updates`` websocket, on loopback.

The real alpaca-py talks to it (``TradingClient(url_override=fake.url)``,
``TradingStream(url_override=fake.stream_url)``). Answers have the exact shapes of the bodies in
``../shared/fixtures/alpaca/alpaca-py-test-responses.json`` (the order, account and position
bodies there are the templates; every field is filled from the fake's state).

Orders fill against bars the test gives (``bars={"SPY": [(open, high, low, close), ...]}``):
the current bar's close is "the price now". A market order fills at once at that price; a limit
or stop order fills at once if the price now allows, else rests until ``advance()`` moves to the
next bar, which fills what that bar's range reaches (a limit buy at min(open, limit) once the
low reaches it; a stop buy at max(open, stop) once the high does; sells mirrored).

Controls (each for the next request or order only, unless said): ``fail_next(n, status)``
(5xx/429 answers), ``delay_next_answer(s)`` (act, then answer late), ``lose_next_submit()``
(accept the order, then drop the connection without answering: the crash/timeout case),
``reject_next(reason)``, ``partial_next(qty)`` (fill that much now, the rest on ``advance()``),
``fill_delay_s`` (fills come that much later), ``drop_streams()``, ``refuse_streams`` (new
stream connections answered HTTP 503), ``mute_events`` (events are not sent: what a crashed
process would never have heard).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

REPO = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = Path(
    os.environ.get("TC2_SHARED_FIXTURES", str(REPO.parent / "shared" / "fixtures"))
)
ALPACA_RESPONSES = SHARED_FIXTURES / "alpaca" / "alpaca-py-test-responses.json"
FAKE_KEY_ID = "PKFAKE0123456789ABCD"
FAKE_SECRET = "fakeSecret0123456789abcdefghijklmnopqrstuv"

Bar = tuple[float, float, float, float]  # open, high, low, close


def _templates() -> dict[str, Any]:
    """The order, account and position bodies of alpaca-py's own tests."""
    fixtures = json.loads(ALPACA_RESPONSES.read_text())["fixtures"]
    by_test = {(f["test"], f["http_method"]): f["response_body"] for f in fixtures}
    return {
        "order": by_test[("test_market_order", "POST")],
        "account": by_test[("test_get_account", "GET")],
        "position": by_test[("test_get_all_positions", "GET")][0],
    }


def _now_text(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _num(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.9f}".rstrip("0")


def _error(status: int, code: int, message: str) -> tuple[int, Any]:
    return status, {"code": code, "message": message}


@dataclass
class _Fault:
    remaining: int
    status: int
    method: str | None


class FakeAlpaca:
    """The fake: start it with ``fake_alpaca(bars=...)``; read ``url`` and ``stream_url``."""

    def __init__(
        self,
        *,
        bars: Mapping[str, Sequence[Bar]],
        cash: float = 100_000.0,
        key_id: str = FAKE_KEY_ID,
        secret_key: str = FAKE_SECRET,
    ) -> None:
        self.templates = _templates()
        self.bars = {symbol: list(series) for symbol, series in bars.items()}
        self.bar_index = dict.fromkeys(self.bars, 0)
        self.cash = cash
        self.key_id = key_id
        self.secret_key = secret_key
        self.daytrade_count = 0
        self.orders: dict[str, dict[str, Any]] = {}  # Alpaca id -> order payload
        self.triggered: set[str] = set()  # stop-limit orders whose stop was reached
        self.positions: dict[str, list[float]] = {}  # symbol -> [qty, cost basis]
        self.activities: list[dict[str, Any]] = []
        self.submit_attempts: list[str] = []  # client_order_id of every POST /v2/orders seen
        self.requests: list[tuple[str, str]] = []  # (method, path) of every REST request
        self.headers_seen: list[dict[str, str]] = []
        self.stream_connections = 0
        self.fill_delay_s = 0.0
        self.refuse_streams = False
        self.mute_events = False  # events are dropped, as if no one had been listening
        self._faults: list[_Fault] = []
        self._lose_next_submit = False
        self._reject_next: str | None = None
        self._partial_next: float | None = None
        self._answer_delay_s = 0.0
        self._lock = threading.RLock()
        self._listeners: list[ServerConnection] = []
        self._pending_matches: list[dict[str, Any]] = []
        self._activity_ids = itertools.count(1)
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._ws: Server = serve(
            self._stream_session,
            "127.0.0.1",
            0,
            compression=None,
            process_request=self._refuse_stream,
        )
        self.stream_url = f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/stream"
        self._threads = [
            threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-alpaca-rest",
                daemon=True,
            ),
            threading.Thread(target=self._ws.serve_forever, name="fake-alpaca-ws", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self.drop_streams()
        self._ws.shutdown()
        self._httpd.shutdown()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    # ------------------------------------------------------------------ controls

    def fail_next(self, count: int, *, status: int = 503, method: str | None = None) -> None:
        """Answer the next ``count`` REST requests (of ``method`` only) with ``status``."""
        with self._lock:
            self._faults.append(_Fault(count, status, method))

    def lose_next_submit(self) -> None:
        """Accept the next order, then close the connection without answering."""
        self._lose_next_submit = True

    def delay_next_answer(self, seconds: float) -> None:
        """Hold the answer to the next request that long (after acting on it): a slow broker,
        or with a client timeout shorter than that, a timed-out request that took effect."""
        self._answer_delay_s = seconds

    def take_answer_delay(self) -> float:
        with self._lock:
            delay, self._answer_delay_s = self._answer_delay_s, 0.0
            return delay

    def reject_next(self, reason: str) -> None:
        """Refuse the next order with HTTP 403 and ``reason``."""
        self._reject_next = reason

    def partial_next(self, qty: float) -> None:
        """Fill only ``qty`` of the next market order now; the rest on ``advance()``."""
        self._partial_next = qty

    def drop_streams(self) -> None:
        """Cut every stream connection without a closing handshake."""
        with self._lock:
            listeners, self._listeners = self._listeners, []
        for connection in listeners:
            with suppress(OSError):
                connection.socket.shutdown(socket.SHUT_RDWR)

    def listening(self) -> int:
        with self._lock:
            return len(self._listeners)

    def advance(self, symbol: str) -> None:
        """Move ``symbol`` to its next bar and fill the resting orders that bar reaches."""
        with self._lock:
            self.bar_index[symbol] += 1
            if self.bar_index[symbol] >= len(self.bars[symbol]):
                raise AssertionError(f"no bar after #{self.bar_index[symbol] - 1} of {symbol}")
            for order in list(self.orders.values()):
                if order["symbol"] == symbol and order["status"] in ("new", "partially_filled"):
                    self._match(order, on_bar=True)

    def open_orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [o for o in self.orders.values() if o["status"] in ("new", "partially_filled")]

    def price(self, symbol: str) -> float:
        return self.bars[symbol][self.bar_index[symbol]][3]

    # ------------------------------------------------------------------ REST

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: Any
    ) -> tuple[int, Any] | None:
        """Answer one request: (status, JSON body), or None to drop the connection unanswered."""
        parts = urlsplit(target)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append((method, path))
            self.headers_seen.append(dict(headers))
            if method == "POST" and path == "/v2/orders" and isinstance(body, dict):
                self.submit_attempts.append(str(body.get("client_order_id")))
            if (
                headers.get("APCA-API-KEY-ID") != self.key_id
                or headers.get("APCA-API-SECRET-KEY") != self.secret_key
            ):
                return _error(401, 40110000, "request is not authorized")
            for fault in self._faults:
                if fault.remaining > 0 and fault.method in (None, method):
                    fault.remaining -= 1
                    if fault.status == 429:
                        return _error(429, 42910000, "rate limit exceeded")
                    return _error(fault.status, 50010000, "internal server error")
            return self._route(method, path, query, body)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any] | None:
        if path == "/v2/account" and method == "GET":
            return 200, self._account()
        if path == "/v2/orders" and method == "POST":
            return self._submit(body)
        if path == "/v2/orders" and method == "GET":
            return 200, self._list_orders(query)
        if path == "/v2/orders" and method == "DELETE":
            return 207, [self._cancel_result(o) for o in self.open_orders()]
        if path == "/v2/orders:by_client_order_id" and method == "GET":
            cid = query.get("client_order_id", "")
            for order in self.orders.values():
                if order["client_order_id"] == cid:
                    return 200, order
            return _error(404, 40410000, f"order not found for {cid}")
        if path.startswith("/v2/orders/"):
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                return _error(404, 40410000, "order not found")
            if method == "GET":
                return 200, order
            if method == "DELETE":
                if order["status"] not in ("new", "partially_filled"):
                    return _error(422, 42210000, f"order is already in {order['status']} state")
                self._close(order, "canceled")
                return 204, None
            if method == "PATCH":
                return self._replace(order, body)
        if path == "/v2/positions" and method == "GET":
            return 200, [self._position(s) for s, (q, _) in sorted(self.positions.items()) if q]
        if path.startswith("/v2/positions/") and method == "GET":
            symbol = path.rsplit("/", 1)[1]
            if not self.positions.get(symbol, [0])[0]:
                return _error(404, 40410000, "position does not exist")
            return 200, self._position(symbol)
        if path == "/v2/account/activities/FILL" and method == "GET":
            return 200, self._fill_activities(query)
        return _error(404, 40410000, f"endpoint not found: {method} {path}")

    def _account(self) -> dict[str, Any]:
        body = copy.deepcopy(self.templates["account"])
        long_value = sum(q * self.price(s) for s, (q, _) in self.positions.items() if q > 0)
        short_value = sum(q * self.price(s) for s, (q, _) in self.positions.items() if q < 0)
        equity = self.cash + long_value + short_value
        body.update(
            cash=_num(round(self.cash, 2)),
            equity=_num(round(equity, 2)),
            portfolio_value=_num(round(equity, 2)),
            buying_power=_num(round(max(self.cash, 0.0), 2)),
            long_market_value=_num(round(long_value, 2)),
            short_market_value=_num(round(short_value, 2)),
            daytrade_count=self.daytrade_count,
            pattern_day_trader=False,
        )
        return body

    def _submit(self, body: dict[str, Any]) -> tuple[int, Any] | None:
        cid = str(body.get("client_order_id") or uuid.uuid4())
        if any(o["client_order_id"] == cid for o in self.orders.values()):
            return _error(422, 40010001, "client_order_id must be unique")
        if self._reject_next is not None:
            reason, self._reject_next = self._reject_next, None
            return _error(403, 40310000, reason)
        symbol = str(body["symbol"])
        if symbol not in self.bars:
            return _error(422, 40010001, f"asset {symbol} not found")
        price = self.price(symbol)
        qty = float(body["qty"]) if body.get("qty") is not None else None
        notional = float(body["notional"]) if body.get("notional") is not None else None
        if body["side"] == "buy":
            cost = notional if notional is not None else (qty or 0) * price
            if cost > self.cash:
                return _error(
                    403,
                    40310000,
                    f"insufficient buying power (need {cost:.2f}, have {self.cash:.2f})",
                )
        order = self._new_order(body, cid, qty, notional)
        self.orders[order["id"]] = order
        self._emit("new", order)
        lose, self._lose_next_submit = self._lose_next_submit, False
        answer = copy.deepcopy(order)
        self._pending_matches.append(order)  # matched once the answer is out, as at Alpaca
        return None if lose else (200, answer)

    def _new_order(
        self, body: Mapping[str, Any], cid: str, qty: float | None, notional: float | None
    ) -> dict[str, Any]:
        now = _now_text(time.time())
        order = copy.deepcopy(self.templates["order"])
        kind = str(body.get("type"))
        order.update(
            id=str(uuid.uuid4()),
            client_order_id=cid,
            created_at=now,
            updated_at=now,
            submitted_at=now,
            asset_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, str(body["symbol"]))),
            symbol=str(body["symbol"]),
            notional=None if notional is None else _num(notional),
            qty=None if qty is None else _num(qty),
            filled_qty="0",
            filled_avg_price=None,
            order_type=kind,
            type=kind,
            side=str(body["side"]),
            time_in_force=str(body.get("time_in_force")),
            limit_price=None if body.get("limit_price") is None else str(body["limit_price"]),
            stop_price=None if body.get("stop_price") is None else str(body["stop_price"]),
            status="new",
            position_intent=None,
            commission=0,
        )
        return order

    def answered(self) -> None:
        """The answer to a request is out: match the orders it placed."""
        with self._lock:
            orders, self._pending_matches = self._pending_matches, []
            for order in orders:
                self._after_answer(order)

    def _after_answer(self, order: dict[str, Any]) -> None:
        """Fill what the price now allows, now or after ``fill_delay_s``."""
        if self.fill_delay_s > 0:
            timer = threading.Timer(self.fill_delay_s, self._match_locked, args=(order,))
            timer.daemon = True
            timer.start()
        else:
            self._match(order, on_bar=False)

    def _match_locked(self, order: dict[str, Any]) -> None:
        with self._lock:
            if order["status"] in ("new", "partially_filled"):
                self._match(order, on_bar=False)

    def _match(self, order: dict[str, Any], *, on_bar: bool) -> None:
        symbol = order["symbol"]
        open_, high, low, close = self.bars[symbol][self.bar_index[symbol]]
        if not on_bar:
            open_ = high = low = close  # at submission only the price now counts
        buy = order["side"] == "buy"
        kind = order["type"]
        limit = None if order["limit_price"] is None else float(order["limit_price"])
        stop = None if order["stop_price"] is None else float(order["stop_price"])
        price: float | None = None
        if kind in ("stop", "stop_limit") and order["id"] not in self.triggered:
            assert stop is not None
            if (buy and high >= stop) or (not buy and low <= stop):
                self.triggered.add(order["id"])
                open_ = max(open_, stop) if buy else min(open_, stop)
            else:
                return
        if kind in ("market", "stop"):
            price = open_ if on_bar else close
        else:
            assert limit is not None
            if buy and low <= limit:
                price = min(open_, limit)
            elif not buy and high >= limit:
                price = max(open_, limit)
        if price is None:
            return
        remaining = self._remaining(order, price)
        if self._partial_next is not None and not on_bar:
            remaining, self._partial_next = min(remaining, self._partial_next), None
        self._fill(order, remaining, price)

    def _remaining(self, order: dict[str, Any], price: float) -> float:
        filled = float(order["filled_qty"])
        if order["qty"] is None:  # notional: sized at the fill price, rounded down
            order["qty"] = _num(math.floor(float(order["notional"]) / price * 1e9) / 1e9)
        return round(float(order["qty"]) - filled, 9)

    def _fill(self, order: dict[str, Any], qty: float, price: float) -> None:
        now = time.time()
        filled = round(float(order["filled_qty"]) + qty, 9)
        average = float(order["filled_avg_price"] or 0.0)
        average = (average * float(order["filled_qty"]) + price * qty) / filled
        done = filled >= float(order["qty"])
        order.update(
            filled_qty=_num(filled),
            filled_avg_price=f"{average:.4f}".rstrip("0").rstrip("."),
            status="filled" if done else "partially_filled",
            updated_at=_now_text(now),
            filled_at=_now_text(now) if done else None,
        )
        sign = 1 if order["side"] == "buy" else -1
        position = self.positions.setdefault(order["symbol"], [0.0, 0.0])
        position[0] = round(position[0] + sign * qty, 9)
        position[1] += sign * qty * price
        self.cash -= sign * qty * price
        event = "fill" if done else "partial_fill"
        self.activities.append(
            {
                "id": f"{datetime.fromtimestamp(now, tz=UTC):%Y%m%d%H%M%S%f}::"
                f"{next(self._activity_ids):08d}",
                "activity_type": "FILL",
                "transaction_time": _now_text(now),
                "type": event,
                "price": _num(price),
                "qty": _num(qty),
                "side": order["side"],
                "symbol": order["symbol"],
                "leaves_qty": _num(round(float(order["qty"]) - filled, 9)),
                "order_id": order["id"],
                "cum_qty": _num(filled),
                "order_status": order["status"],
            }
        )
        self._emit(event, order, price=price, qty=qty, position_qty=position[0])

    def _close(self, order: dict[str, Any], status: str) -> None:
        now = _now_text(time.time())
        order.update(status=status, updated_at=now)
        if status == "canceled":
            order["canceled_at"] = now
        if status == "replaced":
            order["replaced_at"] = now
        self._emit(status, order)

    def _cancel_result(self, order: dict[str, Any]) -> dict[str, Any]:
        self._close(order, "canceled")
        return {"id": order["id"], "status": 200, "body": order}

    def _replace(self, order: dict[str, Any], body: Mapping[str, Any]) -> tuple[int, Any]:
        if order["status"] not in ("new", "partially_filled"):
            return _error(422, 42210000, f"order is already in {order['status']} state")
        cid = str(body.get("client_order_id") or uuid.uuid4())
        if any(o["client_order_id"] == cid for o in self.orders.values()):
            return _error(422, 40010001, "client_order_id must be unique")
        fields = dict(order)
        for name in ("qty", "limit_price", "stop_price"):
            if body.get(name) is not None:
                fields[name] = str(body[name])
        new = self._new_order(fields, cid, float(fields["qty"]), None)
        new["replaces"] = order["id"]
        order["replaced_by"] = new["id"]
        self._close(order, "replaced")
        self.orders[new["id"]] = new
        self._emit("new", new)
        answer = copy.deepcopy(new)
        self._pending_matches.append(new)
        return 200, answer

    def _list_orders(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        status = query.get("status", "open")
        orders = list(self.orders.values())
        if status == "open":
            orders = [o for o in orders if o["status"] in ("new", "partially_filled")]
        elif status == "closed":
            orders = [o for o in orders if o["status"] not in ("new", "partially_filled")]
        if query.get("direction", "desc") == "desc":
            orders.reverse()
        return orders[: int(query.get("limit", 50))]

    def _position(self, symbol: str) -> dict[str, Any]:
        qty, cost = self.positions[symbol]
        price = self.price(symbol)
        body = copy.deepcopy(self.templates["position"])
        average = cost / qty
        body.update(
            asset_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            symbol=symbol,
            qty=_num(abs(qty)),
            side="long" if qty > 0 else "short",
            avg_entry_price=_num(round(average, 4)),
            market_value=_num(round(qty * price, 2)),
            cost_basis=_num(round(cost, 2)),
            current_price=_num(price),
            unrealized_pl=_num(round((price - average) * qty, 2)),
        )
        return body

    def _fill_activities(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        after = query.get("after")
        activities = [a for a in self.activities if after is None or a["transaction_time"] > after]
        if query.get("direction", "desc") == "desc":
            activities.reverse()
        token = query.get("page_token")
        if token:
            ids = [a["id"] for a in activities]
            activities = activities[ids.index(token) + 1 :] if token in ids else []
        return activities[: int(query.get("page_size", 100))]

    # ------------------------------------------------------------------ stream

    def _refuse_stream(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.refuse_streams:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "refused\n")
        return None

    def _stream_session(self, connection: ServerConnection) -> None:
        with suppress(ConnectionClosed, OSError, TimeoutError, ValueError):
            auth = json.loads(connection.recv(timeout=5))
            data = auth.get("data") or {}
            ok = data.get("key_id") == self.key_id and data.get("secret_key") == self.secret_key
            status = "authorized" if ok else "unauthorized"
            reply = {
                "stream": "authorization",
                "data": {"action": "authenticate", "status": status},
            }
            connection.send(json.dumps(reply).encode())
            if not ok:
                connection.close()
                return
            listen = json.loads(connection.recv(timeout=5))
            streams = (listen.get("data") or {}).get("streams") or []
            with self._lock:
                self.stream_connections += 1
                connection.send(
                    json.dumps({"stream": "listening", "data": {"streams": streams}}).encode()
                )
                if "trade_updates" in streams:
                    self._listeners.append(connection)
            while True:  # hold the connection; clients send nothing more but pings
                connection.recv()
        with self._lock:
            if connection in self._listeners:
                self._listeners.remove(connection)

    def _emit(self, event: str, order: Mapping[str, Any], **figures: float) -> None:
        data: dict[str, Any] = {
            "event": event,
            "timestamp": _now_text(time.time()),
            "order": copy.deepcopy(dict(order)),
        }
        if event in ("fill", "partial_fill"):
            data.update(
                execution_id=str(uuid.uuid4()),
                price=_num(figures["price"]),
                qty=_num(figures["qty"]),
                position_qty=_num(figures["position_qty"]),
            )
        frame = json.dumps({"stream": "trade_updates", "data": data}).encode()
        if self.mute_events:
            return
        for connection in list(self._listeners):
            with suppress(ConnectionClosed, OSError):
                connection.send(frame)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        result = self.server.fake.handle(self.command, self.path, dict(self.headers.items()), body)
        delay = self.server.fake.take_answer_delay()
        if delay:
            time.sleep(delay)
        if result is None:  # the order was taken; the answer is lost
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.server.fake.answered()
            return
        status, payload = result
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.server.fake.answered()

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the
        # second until the client's delayed ACK (40 ms on Linux), as no real server would.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeAlpaca


@contextmanager
def fake_alpaca(**options: Any) -> Iterator[FakeAlpaca]:
    fake = FakeAlpaca(**options)
    try:
        yield fake
    finally:
        fake.close()
