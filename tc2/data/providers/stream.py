"""Live bars from a provider's websocket: ``StreamBar``, the ``LiveBarStream`` interface and loop.

A stream connects, authenticates, subscribes to its symbols' bars and calls ``on_bar`` with each
bar as it arrives, until ``stop`` is set. The connection is the ``websockets`` library's threaded
client; each provider adds only its own small protocol (``polygon_stream.py``,
``alpaca_stream.py``): the handshake and how one event becomes a bar.

Reconnecting. Every connection runs as one attempt of ``Backoff.run``, the providers' one retry
loop: a refused or failed connection, a timeout, a server error or a drop is a
``TransientFailure`` (retried ``server_error_retries`` times, ``server_error_delay_s`` apart), a
connection limit is ``RateLimited`` (waits from ``rate_limit_initial_s``, doubling). A session
that delivered a bar or lasted ``HEALTHY_SESSION_S`` counts as a success: when it drops, the
stream reconnects at once with a fresh budget. A session that ends sooner counts as a failure,
so a server that accepts and then hangs up cannot make the stream spin. When the budget is spent,
``run`` raises ``ProviderUnavailable``; a refused key raises ``ProviderError`` at once. Every
drop and every failed attempt is logged to the ``data`` feed. The backoff's waits are waits on
``stop``, so a stop request cuts them short.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tc2.data.bars import Resolution
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import ProviderError, check_request
from tc2.data.providers.payload import preview
from tc2.errors import ConfigurationError, DataError
from tc2.logs import LogFeed, feed_logger

STREAM_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
"""The resolutions a stream delivers."""
HEALTHY_SESSION_S = 10.0
"""A session lasting this long (or delivering a bar) was a success; its drop resets the backoff."""
POLL_S = 0.2
"""How often a waiting stream looks at ``stop``: the most a stop request waits to be seen."""
REPLY_TIMEOUT_S = 10.0
"""How long the handshake waits for each server reply (and the opening handshake)."""
CLOSE_TIMEOUT_S = 1.0
MAX_MESSAGE_BYTES = 16 * 2**20
MALFORMED_LOGGED_PER_SESSION = 5
"""Malformed events logged in full per session; further ones are only counted."""

BAD_STREAM_URL_MESSAGE = "{variable} must be a ws:// or wss:// URL with a host, was {value!r}"
NO_SYMBOLS_MESSAGE = "symbols must be a non-empty sequence of tickers, was {symbols!r}"
RECONNECT_MESSAGE = "{what}: {how}; reconnecting"
ATTEMPT_FAILED_MESSAGE = "{what}: connection attempt {attempt} failed: {detail}"


class MalformedEvent(Exception):
    """One event of a stream message could not be read as what its type says it is.

    The stream skips the event (logging it) and carries on; raised by the providers' parsers.
    """


class _Stopped(Exception):
    """``stop`` was set: leave the attempt, and ``run``, at once."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamBar:
    """One streamed bar of one symbol.

    Parameters
    ----------
    symbol
        Ticker, upper case (``AAPL``, ``BRK.B``).
    resolution
        ``Resolution.SECOND`` or ``Resolution.MINUTE``.
    t
        Bar start, UTC epoch seconds, on a ``resolution`` boundary.
    o, h, l, c
        Open, high, low and close: finite, > 0, ``h``/``l`` bounding ``o``/``c``.
    v
        Volume, finite and >= 0.
    n
        Trade count (>= 0), or None when the provider does not send it (Polygon's stream).
    vw
        Volume-weighted average price (finite, > 0), or None when not sent.

    Raises
    ------
    DataError
        If any field breaks those rules (the numbers are converted to ``float``/``int`` first).
    """

    symbol: str
    resolution: Resolution
    t: int
    o: float
    h: float
    l: float  # noqa: E741 - the OHLC convention
    c: float
    v: float
    n: int | None = None
    vw: float | None = None

    def __post_init__(self) -> None:
        try:
            check_request(symbol=self.symbol, resolution=self.resolution)
            object.__setattr__(self, "resolution", Resolution(self.resolution))
            for name in ("o", "h", "l", "c", "v"):
                object.__setattr__(self, name, float(getattr(self, name)))
            if self.vw is not None:
                object.__setattr__(self, "vw", float(self.vw))
        except (TypeError, ValueError) as exc:
            raise DataError(f"stream bar {self.symbol!r} at {self.t!r}: {exc}") from None
        problem = _problem(self)
        if problem is not None:
            raise DataError(
                f"stream bar {self.symbol} {self.resolution.value} at {self.t!r}: {problem}"
            )


def _problem(bar: StreamBar) -> str | None:
    if not isinstance(bar.t, int) or isinstance(bar.t, bool) or bar.t <= 0:
        return "t must be a positive integer of epoch seconds"
    if bar.t % bar.resolution.seconds:
        return f"t is not on a {bar.resolution.value} boundary"
    prices = (bar.o, bar.h, bar.l, bar.c)
    if not all(math.isfinite(price) and price > 0 for price in prices):
        return f"prices must be finite and > 0, were {prices}"
    if bar.h < max(bar.o, bar.c) or bar.l > min(bar.o, bar.c):
        return f"high/low do not bound open/close: {prices}"
    if not (math.isfinite(bar.v) and bar.v >= 0):
        return f"volume must be finite and >= 0, was {bar.v}"
    if bar.n is not None and (not isinstance(bar.n, int) or isinstance(bar.n, bool) or bar.n < 0):
        return f"n must be an integer >= 0 or None, was {bar.n!r}"
    if bar.vw is not None and not (math.isfinite(bar.vw) and bar.vw > 0):
        return f"vw must be finite and > 0 or None, was {bar.vw}"
    return None


class StreamLink:
    """One open connection, as a provider's handshake sees it: send a request, await a reply.

    Parameters
    ----------
    connection
        The open websocket.
    stop
        Set when the stream should stop; a wait for a reply ends when it is.
    reply_timeout_s
        Longest wait for one reply.
    where
        The stream, for messages (``Polygon stream wss://socket.polygon.io/stocks``).
    """

    def __init__(
        self,
        connection: ClientConnection,
        *,
        stop: threading.Event,
        reply_timeout_s: float,
        where: str,
    ) -> None:
        self._connection = connection
        self._stop = stop
        self._reply_timeout_s = reply_timeout_s
        self.where = where

    def send(self, request: Mapping[str, Any]) -> None:
        """Send ``request`` as one JSON text message (it may hold a key: never log it).

        Raises
        ------
        TransientFailure
            If the connection closed.
        """
        try:
            self._connection.send(json.dumps(request))
        except ConnectionClosed as exc:
            raise TransientFailure(f"connection closed during the handshake ({exc})") from None

    def receive(self, expecting: str) -> list[dict[str, Any]]:
        """Return the events of the next message, a JSON array of objects.

        Parameters
        ----------
        expecting
            What the reply should be, for messages (``the auth status``).

        Raises
        ------
        TransientFailure
            If no message came within the reply timeout or the connection closed.
        ProviderError
            If the message is not a JSON array of objects.
        """
        deadline = time.monotonic() + self._reply_timeout_s
        while True:
            if self._stop.is_set():
                raise _Stopped
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransientFailure(
                    f"no reply within {self._reply_timeout_s:g} s while waiting for {expecting}"
                )
            try:
                message = self._connection.recv(timeout=min(POLL_S, remaining))
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                raise TransientFailure(
                    f"connection closed while waiting for {expecting} ({exc})"
                ) from None
            try:
                return decode_events(message)
            except MalformedEvent as exc:
                raise ProviderError(
                    f"{self.where}: expected {expecting}, got a malformed message: {exc}"
                ) from None


class BarStream(Protocol):
    """What the bar streamer runs: a provider's websocket stream (``LiveBarStream``) or the
    replay market's (``replay_stream.ReplayBarStream``), with one contract: ``run``."""

    @property
    def name(self) -> str: ...

    def run(
        self,
        *,
        symbols: Sequence[str],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
    ) -> None: ...


class LiveBarStream(ABC):
    """A provider's live bars: ``run`` calls ``on_bar`` with each bar until ``stop`` is set.

    Subclasses speak one provider's protocol: ``_handshake`` (greeting, authentication,
    subscription) and ``_event_bar`` (one event of a message to a bar, or None for control and
    other events). Connecting, receiving, reconnecting and stopping are done here.

    Parameters
    ----------
    url
        The websocket URL to connect to (``wss://...``, or ``ws://127.0.0.1:PORT/...`` in tests).
    backoff
        Reconnect policy (see the module docstring); its ``sleep`` is replaced by a wait on
        ``stop``.
    reply_timeout_s
        Longest wait for the opening handshake and for each handshake reply.

    Raises
    ------
    ConfigurationError
        If ``url`` is not a ws:// or wss:// URL with a host.
    """

    name: ClassVar[str]
    """Short name for logs and reports (``polygon``, ``alpaca``)."""
    title: ClassVar[str]
    """The provider's name in messages (``Polygon``, ``Alpaca``)."""
    url_variable: ClassVar[str]
    """The environment variable that sets the URL, named in configuration errors."""

    def __init__(
        self,
        *,
        url: str,
        backoff: Backoff = DEFAULT_BACKOFF,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
    ) -> None:
        self._url = check_stream_url(url, variable=self.url_variable)
        self._backoff = backoff
        self._reply_timeout_s = reply_timeout_s
        self._log = feed_logger(LogFeed.DATA, f"{self.name}-stream")

    @property
    def url(self) -> str:
        """The websocket URL the stream connects to."""
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r})"

    def run(
        self,
        *,
        symbols: Sequence[str],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
    ) -> None:
        """Deliver ``symbols``' bars to ``on_bar`` as they arrive, until ``stop`` is set.

        Blocks. ``on_bar`` is called on this thread, one bar at a time, in the order the
        provider sent them; bars of other symbols are not delivered. Malformed events are
        logged and skipped. Disconnects and errors reconnect as the module docstring says.

        Parameters
        ----------
        symbols
            Tickers, upper case; duplicates are ignored.
        on_bar
            Called with each bar. What it raises ends ``run`` (after closing the connection).
        stop
            Set it to end ``run``; it returns within about ``POLL_S`` (or the opening
            handshake's timeout while a connection is being opened).

        Raises
        ------
        ValueError
            If ``symbols`` is empty or holds something that is not a ticker.
        ProviderError
            If the provider refused the key or the subscription, or broke its protocol.
        ProviderUnavailable
            If connecting kept failing until the backoff gave up.
        """
        wanted = check_symbols(symbols)

        def wait(seconds: float) -> None:
            stop.wait(seconds)

        backoff = dataclasses.replace(self._backoff, sleep=wait)
        what = f"{self.title} stream {self._url}"
        attempts = [0]
        attempt = functools.partial(self._session, wanted, on_bar, stop, what, attempts)
        self._log.info(f"{what}: streaming {', '.join(wanted)}")
        while not stop.is_set():
            try:
                how = backoff.run(attempt, what=what)
            except _Stopped:
                break
            self._log.warning(RECONNECT_MESSAGE.format(what=what, how=how))
        self._log.info(f"{what}: stopped")

    # -- what a provider implements ----------------------------------------------------------

    @abstractmethod
    def _handshake(self, link: StreamLink, symbols: tuple[str, ...]) -> None:
        """Await the greeting, authenticate and subscribe to ``symbols``' bars.

        Raises ``ProviderError`` for a refusal, ``RateLimited`` for a connection limit and
        ``TransientFailure`` for anything worth retrying.
        """

    @abstractmethod
    def _event_bar(self, event: dict[str, Any]) -> StreamBar | None:
        """Return the bar ``event`` carries, or None for other events (handling control ones).

        Raises ``MalformedEvent`` (or ``DataError`` from ``StreamBar``) for an unreadable event,
        which is skipped; ``ProviderError``, ``RateLimited`` or ``TransientFailure`` to end the
        session.
        """

    # -- one connection ----------------------------------------------------------------------

    def _session(
        self,
        symbols: tuple[str, ...],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        what: str,
        attempts: list[int],
    ) -> str:
        """Connect, handshake, deliver bars; return how a healthy session ended."""
        if stop.is_set():
            raise _Stopped
        attempts[0] += 1
        try:
            connection = self._open(what)
            with connection:
                self._handshake(
                    StreamLink(
                        connection, stop=stop, reply_timeout_s=self._reply_timeout_s, where=what
                    ),
                    symbols,
                )
                self._log.info(f"{what}: connected and subscribed")
                started = time.monotonic()
                delivered, reason = self._receive(connection, symbols, on_bar, stop, what)
        except (TransientFailure, RateLimited) as exc:
            self._log.warning(
                ATTEMPT_FAILED_MESSAGE.format(what=what, attempt=attempts[0], detail=exc.detail)
            )
            raise
        lasted = time.monotonic() - started
        if delivered or lasted >= HEALTHY_SESSION_S:
            attempts[0] = 0
            return f"connection lost after {lasted:.1f} s and {delivered} bars ({reason})"
        detail = f"connection lost after {lasted:.1f} s without a bar ({reason})"
        self._log.warning(
            ATTEMPT_FAILED_MESSAGE.format(what=what, attempt=attempts[0], detail=detail)
        )
        raise TransientFailure(detail)

    def _open(self, what: str) -> ClientConnection:
        try:
            return connect(
                self._url,
                open_timeout=self._reply_timeout_s,
                close_timeout=CLOSE_TIMEOUT_S,
                max_size=MAX_MESSAGE_BYTES,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 429:
                raise RateLimited("HTTP 429 on connect") from None
            if status >= 500:
                raise TransientFailure(f"HTTP {status} on connect") from None
            raise ProviderError(
                f"{what}: the server refused the websocket (HTTP {status}); check "
                f"{self.url_variable} and the keys"
            ) from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise TransientFailure(f"cannot connect ({type(exc).__name__}: {exc})") from None

    def _receive(
        self,
        connection: ClientConnection,
        symbols: tuple[str, ...],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        what: str,
    ) -> tuple[int, str]:
        """Deliver bars until the connection closes; return (bars delivered, why it closed)."""
        wanted = frozenset(symbols)
        delivered = 0
        malformed = 0
        while True:
            if stop.is_set():
                raise _Stopped
            try:
                message = connection.recv(timeout=POLL_S)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                reason = str(exc)
                break
            try:
                events = decode_events(message)
            except MalformedEvent as exc:
                malformed += 1
                self._malformed(what, malformed, str(exc))
                continue
            for event in events:
                try:
                    bar = self._event_bar(event)
                except ProviderError:
                    raise  # a refusal (ProviderError is a DataError too, but not a bad bar)
                except (MalformedEvent, DataError) as exc:
                    malformed += 1
                    self._malformed(what, malformed, f"{exc}: {preview(event)}")
                    continue
                if bar is not None and bar.symbol in wanted:
                    on_bar(bar)
                    delivered += 1
        if malformed:
            reason += f"; {malformed} malformed events skipped"
        return delivered, reason

    def _malformed(self, what: str, count: int, detail: str) -> None:
        if count <= MALFORMED_LOGGED_PER_SESSION:
            self._log.warning(f"{what}: skipped a malformed event: {detail}")
        if count == MALFORMED_LOGGED_PER_SESSION:
            self._log.warning(f"{what}: further malformed events are counted, not logged")


# -- message parts ----------------------------------------------------------------------------


def decode_events(message: str | bytes) -> list[dict[str, Any]]:
    """Return a stream message's events: it must be a JSON array of objects.

    Raises
    ------
    MalformedEvent
        If it is not.
    """
    try:
        payload = json.loads(message)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEvent(f"not JSON ({exc}): {preview(message)}") from None
    if not isinstance(payload, list) or not all(isinstance(event, dict) for event in payload):
        raise MalformedEvent(f"not a JSON array of objects: {preview(payload)}")
    return payload


def event_number(event: Mapping[str, Any], key: str) -> float:
    """Return ``event[key]``, which must be a number (not a bool).

    Raises
    ------
    MalformedEvent
        If it is missing or not a number.
    """
    value = event.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise MalformedEvent(f"field {key!r} must be a number, was {preview(value)}")
    return float(value)


def event_integer(event: Mapping[str, Any], key: str) -> int:
    """Return ``event[key]``, which must be an integer (not a bool).

    Raises
    ------
    MalformedEvent
        If it is missing or not an integer.
    """
    value = event.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedEvent(f"field {key!r} must be an integer, was {preview(value)}")
    return value


def event_text(event: Mapping[str, Any], key: str) -> str:
    """Return ``event[key]``, which must be a string.

    Raises
    ------
    MalformedEvent
        If it is missing or not a string.
    """
    value = event.get(key)
    if not isinstance(value, str):
        raise MalformedEvent(f"field {key!r} must be a string, was {preview(value)}")
    return value


def check_symbols(symbols: Sequence[str]) -> tuple[str, ...]:
    """Return ``symbols`` without duplicates, in order, each checked to be a ticker.

    Raises
    ------
    ValueError
        If ``symbols`` is a string, empty, or holds something that is not a ticker.
    """
    if isinstance(symbols, str) or not symbols:
        raise ValueError(NO_SYMBOLS_MESSAGE.format(symbols=symbols))
    for symbol in symbols:
        check_request(symbol=symbol, resolution=Resolution.MINUTE)
    return tuple(dict.fromkeys(symbols))


def check_stream_url(url: str, *, variable: str) -> str:
    """Return ``url`` without surrounding blanks or a trailing slash.

    Raises
    ------
    ConfigurationError
        If it is not a ws:// or wss:// URL with a host; the message names ``variable``.
    """
    value = url.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigurationError(BAD_STREAM_URL_MESSAGE.format(variable=variable, value=url))
    return value
