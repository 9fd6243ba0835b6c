"""Alpaca live minute bars over its market-data websocket (``/v2/iex`` or ``/v2/sip``).

The protocol, spoken here with the ``websockets`` library in its JSON form: the server greets with
``[{"T": "success", "msg": "connected"}]``; the client sends ``{"action": "auth", "key": ...,
"secret": ...}`` and gets ``authenticated`` (or an ``error`` with a code); then ``{"action":
"subscribe", "bars": [...]}``, answered by a ``subscription`` event. Every message is a JSON array
of events; ``b`` events (minute bars: ``S`` symbol, ``t`` RFC 3339 start, ``o h l c v n vw``)
become 1-minute bars.

Error codes: 402 (auth failed), 401, 403, 400, 405 (symbol limit), 408, 409 (insufficient
subscription) and 410 (feed does not allow the subscription) are refusals, raised as
``ProviderError``; 406 (connection limit, another client holds the connection) is retried as a
rate limit; 404 (auth timeout), 407 (slow client) and 500 are retried as transient.

alpaca-py's ``StockDataStream`` is not used, although ``url_override`` points it at a local
server and ``stop()`` works from another thread: it retries a refused key forever (its loop logs
the ``ValueError`` from ``_auth`` and reconnects; only "insufficient subscription" ends it), so
an authentication failure never reaches the caller; it reconnects with its own delays instead of
``Backoff``, reports to the standard ``logging`` module rather than the data feed, and runs on
``websockets.legacy``, deprecated since websockets 14.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tc2.data.bars import Resolution
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import ProviderError
from tc2.data.providers.payload import preview
from tc2.data.providers.stream import (
    REPLY_TIMEOUT_S,
    LiveBarStream,
    MalformedEvent,
    StreamBar,
    StreamLink,
    event_integer,
    event_number,
    event_text,
)
from tc2.errors import ConfigurationError

DEFAULT_ALPACA_STREAM_URL = "wss://stream.data.alpaca.markets/v2/iex"
ALPACA_STREAM_URL_VARIABLE = "ALPACA_STREAM_URL"

RATE_LIMIT_CODES = frozenset({406})
TRANSIENT_CODES = frozenset({404, 407, 500})
AUTH_CODES = frozenset({401, 402, 403})
_NS = 1_000_000_000

MISSING_KEYS_MESSAGE = "Alpaca needs an API key id and a secret key; missing: {missing}"
AUTH_FAILED_MESSAGE = (
    "{where}: Alpaca refused the keys ({code} {message}); check ALPACA_API_KEY_ID and "
    "ALPACA_API_SECRET_KEY"
)
REFUSED_MESSAGE = "{where}: Alpaca refused the request ({code} {message})"
UNEXPECTED_MESSAGE = "{where}: expected {expecting}, got {events}"


class AlpacaStream(LiveBarStream):
    """Live minute bars from Alpaca's stock market-data websocket.

    Parameters
    ----------
    api_key, secret_key
        The Alpaca key id and secret; sent in the auth message, never logged or put in messages.
    url
        The websocket URL with its feed (``wss://stream.data.alpaca.markets/v2/iex``, ``.../sip``,
        or a local test server).
    backoff
        Reconnect policy.
    reply_timeout_s
        Longest wait for the opening handshake and each handshake reply.

    Raises
    ------
    ConfigurationError
        If a key is empty or ``url`` is not a ws(s):// URL.
    """

    name = "alpaca"
    title = "Alpaca"
    url_variable = ALPACA_STREAM_URL_VARIABLE

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        url: str = DEFAULT_ALPACA_STREAM_URL,
        backoff: Backoff = DEFAULT_BACKOFF,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
    ) -> None:
        missing = [
            name for name, key in (("key id", api_key), ("secret key", secret_key)) if not key
        ]
        if missing:
            raise ConfigurationError(MISSING_KEYS_MESSAGE.format(missing=", ".join(missing)))
        super().__init__(url=url, backoff=backoff, reply_timeout_s=reply_timeout_s)
        self._api_key = api_key
        self._secret_key = secret_key

    def _handshake(self, link: StreamLink, symbols: tuple[str, ...]) -> None:
        self._expect(link, link.receive("the connected message"), "connected")
        link.send({"action": "auth", "key": self._api_key, "secret": self._secret_key})
        self._expect(link, link.receive("the auth reply"), "authenticated")
        link.send({"action": "subscribe", "bars": list(symbols)})

    def _expect(self, link: StreamLink, events: list[dict[str, Any]], message: str) -> None:
        for event in events:
            kind = event.get("T")
            if kind == "error":
                raise _error(event, where=link.where)
            if kind == "success" and event.get("msg") == message:
                return
        raise ProviderError(
            UNEXPECTED_MESSAGE.format(
                where=link.where, expecting=f"{message!r}", events=preview(events)
            )
        )

    def _event_bar(self, event: dict[str, Any]) -> StreamBar | None:
        kind = event.get("T")
        if kind == "b":
            return StreamBar(
                symbol=event_text(event, "S"),
                resolution=Resolution.MINUTE,
                t=_epoch_seconds(event_text(event, "t")),
                o=event_number(event, "o"),
                h=event_number(event, "h"),
                l=event_number(event, "l"),
                c=event_number(event, "c"),
                v=event_number(event, "v"),
                n=None if event.get("n") is None else event_integer(event, "n"),
                vw=None if event.get("vw") is None else event_number(event, "vw"),
            )
        if kind == "error":
            raise _error(event, where=f"{self.title} stream {self.url}")
        if kind == "subscription":
            self._log.info(f"Alpaca stream subscription: bars {preview(event.get('bars'))}")
        return None


def _error(event: dict[str, Any], *, where: str) -> Exception:
    code = event.get("code")
    message = preview(event.get("msg"))
    if code in RATE_LIMIT_CODES:
        return RateLimited(f"{code} {message}")
    if code in TRANSIENT_CODES:
        return TransientFailure(f"{code} {message}")
    if code in AUTH_CODES:
        return ProviderError(AUTH_FAILED_MESSAGE.format(where=where, code=code, message=message))
    return ProviderError(REFUSED_MESSAGE.format(where=where, code=preview(code), message=message))


def _epoch_seconds(text: str) -> int:
    if not text.endswith("Z"):
        raise MalformedEvent(f"t must be an RFC 3339 UTC time ending in Z, was {preview(text)}")
    try:
        ns = int(np.datetime64(text[:-1], "ns").astype(np.int64))
    except ValueError:
        raise MalformedEvent(f"t is not a valid time: {preview(text)}") from None
    if ns == np.iinfo(np.int64).min or ns % _NS:
        raise MalformedEvent(f"t is not a whole second: {preview(text)}")
    return ns // _NS
