"""Polygon (also answering as Massive) live aggregates over its websocket, stocks cluster.

The protocol, spoken here with the ``websockets`` library: the server greets with a ``connected``
status; the client sends ``{"action": "auth", "params": KEY}`` and gets ``auth_success`` (or
``auth_failed``); then ``{"action": "subscribe", "params": "A.SPY,AM.SPY"}``. Every message is a
JSON array of events: ``A`` (second aggregates) become 1-second bars, ``AM`` (minute aggregates)
1-minute bars, with ``t`` = ``s`` (window start, ms) in seconds; ``status`` events are logged.
Polygon's aggregate events carry no trade count, so ``n`` is None; ``vw`` is the window's VWAP.

polygon-api-client's ``WebSocketClient`` can be pointed at a local server
(``feed="127.0.0.1:PORT", secure=False``) and does raise on ``auth_failed``, but it cannot be
driven the way a TC2 stream must be: it retries refused or failed connections forever inside
``websockets.connect`` with that library's jittered delays (up to 90 s, reported only to the
standard ``logging`` module), reconnects drops at once up to ``max_reconnects`` and then raises,
ends silently when the server closes normally, and can only be stopped from inside its event
loop. So the protocol is spoken here, and ``LiveBarStream`` reconnects with ``Backoff``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from tc2.data.bars import Resolution
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import ProviderError
from tc2.data.providers.payload import preview
from tc2.data.providers.stream import (
    REPLY_TIMEOUT_S,
    STREAM_RESOLUTIONS,
    LiveBarStream,
    MalformedEvent,
    StreamBar,
    StreamLink,
    event_integer,
    event_number,
    event_text,
)
from tc2.errors import ConfigurationError

DEFAULT_POLYGON_STREAM_URL = "wss://socket.polygon.io"
POLYGON_STREAM_URL_VARIABLE = "POLYGON_STREAM_URL"
STOCKS_PATH = "/stocks"
"""The stocks cluster, added to a stream URL that has no path."""
CHANNELS = {Resolution.SECOND: "A", Resolution.MINUTE: "AM"}
"""The subscription prefix (and event type) of each resolution."""

_CONNECTED = ("connected", "success")  # the real server says "connected", its spec "success"
_CONNECTION_LIMIT = "max_connections"
_NOTEWORTHY = ("max_connections", "force_disconnect", "slow_consumer", "error", "auth_failed")

MISSING_KEY_MESSAGE = "Polygon needs an API key (POLYGON_API_KEY); none was given"
BAD_RESOLUTIONS_MESSAGE = "resolutions must be a non-empty subset of 1s and 1m, was {value}"
AUTH_FAILED_MESSAGE = (
    "{where}: Polygon refused the API key (auth_failed: {message}); check POLYGON_API_KEY and "
    "that the plan includes real-time websockets"
)
UNEXPECTED_MESSAGE = "{where}: expected {expecting}, got {events}"


class PolygonStream(LiveBarStream):
    """Live second and minute aggregates from Polygon's stocks websocket.

    Parameters
    ----------
    api_key
        The Polygon API key; sent in the auth message, never logged or put in messages.
    url
        Scheme and host of the websocket (``wss://socket.polygon.io``, ``wss://delayed.polygon.io``
        or a local test server); ``/stocks`` is added when the URL has no path.
    resolutions
        Which aggregates to subscribe to: ``1s`` (``A.<SYM>``), ``1m`` (``AM.<SYM>``) or both.
    backoff
        Reconnect policy.
    reply_timeout_s
        Longest wait for the opening handshake and each handshake reply.

    Raises
    ------
    ConfigurationError
        If ``api_key`` is empty, ``url`` is not a ws(s):// URL or ``resolutions`` is not a
        non-empty subset of 1s and 1m.
    """

    name = "polygon"
    title = "Polygon"
    url_variable = POLYGON_STREAM_URL_VARIABLE

    def __init__(
        self,
        api_key: str,
        *,
        url: str = DEFAULT_POLYGON_STREAM_URL,
        resolutions: Sequence[Resolution] = STREAM_RESOLUTIONS,
        backoff: Backoff = DEFAULT_BACKOFF,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
    ) -> None:
        if not api_key:
            raise ConfigurationError(MISSING_KEY_MESSAGE)
        chosen = tuple(dict.fromkeys(resolutions))
        if not chosen or not set(chosen) <= set(CHANNELS):
            raise ConfigurationError(
                BAD_RESOLUTIONS_MESSAGE.format(value=", ".join(map(str, chosen)) or "none")
            )
        stripped = url.strip().rstrip("/")
        if urlsplit(stripped).path == "":
            stripped += STOCKS_PATH
        super().__init__(url=stripped, backoff=backoff, reply_timeout_s=reply_timeout_s)
        self._api_key = api_key
        self._resolutions = chosen
        self._by_event = {CHANNELS[resolution]: resolution for resolution in chosen}

    @property
    def resolutions(self) -> tuple[Resolution, ...]:
        """The resolutions subscribed to."""
        return self._resolutions

    def subscription(self, symbols: Sequence[str]) -> str:
        """Return the ``params`` of the subscribe message for ``symbols`` (``A.SPY,AM.SPY``)."""
        return ",".join(
            f"{CHANNELS[resolution]}.{symbol}"
            for symbol in symbols
            for resolution in self._resolutions
        )

    def _handshake(self, link: StreamLink, symbols: tuple[str, ...]) -> None:
        greeting = link.receive("the connected status")
        status, _ = _first_status(greeting)
        if status == _CONNECTION_LIMIT:
            raise RateLimited(f"{_CONNECTION_LIMIT} on connect")
        if status not in _CONNECTED:
            raise ProviderError(
                UNEXPECTED_MESSAGE.format(
                    where=link.where, expecting="the connected status", events=preview(greeting)
                )
            )
        link.send({"action": "auth", "params": self._api_key})
        reply = link.receive("the auth status")
        status, message = _first_status(reply)
        if status == "auth_failed":
            raise ProviderError(AUTH_FAILED_MESSAGE.format(where=link.where, message=message))
        if status == "auth_timeout":
            raise TransientFailure("auth_timeout")
        if status == _CONNECTION_LIMIT:
            raise RateLimited(f"{_CONNECTION_LIMIT} after auth")
        if status != "auth_success":
            raise ProviderError(
                UNEXPECTED_MESSAGE.format(
                    where=link.where, expecting="the auth status", events=preview(reply)
                )
            )
        link.send({"action": "subscribe", "params": self.subscription(symbols)})

    def _event_bar(self, event: dict[str, Any]) -> StreamBar | None:
        kind = event.get("ev")
        resolution = self._by_event.get(kind) if isinstance(kind, str) else None
        if resolution is None:
            if kind == "status":
                self._status(event)
            return None
        start_ms = event_integer(event, "s")
        if start_ms % 1000:
            raise MalformedEvent(f"start {start_ms} ms is not on a whole second")
        vw = event.get("vw")
        return StreamBar(
            symbol=event_text(event, "sym"),
            resolution=resolution,
            t=start_ms // 1000,
            o=event_number(event, "o"),
            h=event_number(event, "h"),
            l=event_number(event, "l"),
            c=event_number(event, "c"),
            v=event_number(event, "v"),
            vw=None if vw is None else event_number(event, "vw"),
        )

    def _status(self, event: dict[str, Any]) -> None:
        status = event.get("status")
        if status in _NOTEWORTHY:
            self._log.warning(f"Polygon stream status {status}: {preview(event.get('message'))}")


def _first_status(events: list[dict[str, Any]]) -> tuple[str | None, str]:
    for event in events:
        if event.get("ev") == "status":
            status = event.get("status")
            message = event.get("message")
            return (
                status if isinstance(status, str) else None,
                message if isinstance(message, str) else "",
            )
    return None, ""
