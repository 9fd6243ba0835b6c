"""The Alpaca account stream (``trade_updates``) on its own thread, and its state.

alpaca-py's ``TradingStream`` runs an asyncio loop and reconnects by itself; ``TradeStream``
adds what the broker needs around it: a call when the stream is listening again (the broker
reconciles from REST then), a call when it drops (order operations pause), the time of the last
message (a silent stream during market hours is stale), reconnect waits capped at 10 s, and a
stop that returns at once instead of after alpaca-py's 5 s receive wait.

The handlers only put messages on a queue: the broker processes them on its own thread, where
the database may be used (Django refuses ORM calls from a thread running an event loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from alpaca.trading.stream import TradingStream

RECONNECT_MIN_S = 0.5
RECONNECT_MAX_S = 10.0  # issue 16: a dropped account stream reconnects within 10 s
STALE_AFTER_S = 60.0
# A half-open TCP connection (no FIN) shows as missed pings: 10 s apart, 20 s to answer.
WEBSOCKET_PARAMS = {"ping_interval": 10, "ping_timeout": 20, "max_queue": 1024}


class StreamStatus(StrEnum):
    STARTING = "starting"  # never connected yet
    RECONCILING = "reconciling"  # listening; REST reconciliation under way
    CONNECTED = "connected"  # listening and reconciled: order operations allowed
    DOWN = "down"  # dropped; alpaca-py is reconnecting
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamState:
    """What the program status shows of the account stream.

    ``stale`` is true when the stream has been silent ``stale_after_s`` seconds or more during
    market hours (a connected stream that hears nothing may be dead without knowing it).
    """

    status: StreamStatus
    last_event_t: float | None  # epoch seconds of the last message, any kind
    connected_since: float | None
    down_since: float | None
    reconnects: int
    stale: bool
    silent_s: float | None

    @property
    def trading_allowed(self) -> bool:
        return self.status is StreamStatus.CONNECTED

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "last_event_t": self.last_event_t,
            "connected_since": self.connected_since,
            "down_since": self.down_since,
            "reconnects": self.reconnects,
            "stale": self.stale,
            "silent_s": self.silent_s,
        }


class TradeStream(TradingStream):
    """alpaca-py's trading stream with connect/drop callbacks and a quick stop.

    Parameters
    ----------
    on_message
        Called (on the stream's thread) with every decoded message: ``trade_updates`` events and
        the ``authorization``/``listening`` acknowledgements alike.
    on_listening
        Called when the server confirms the ``trade_updates`` subscription: after every
        (re)connect, before any event of the new connection.
    on_down
        Called when the connection closes (dropped, or stopped).
    """

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        paper: bool,
        url: str,
        on_message: Callable[[dict[str, Any]], None],
        on_listening: Callable[[], None],
        on_down: Callable[[], None],
        reconnect_max_s: float = RECONNECT_MAX_S,
    ) -> None:
        super().__init__(
            api_key,
            secret_key,
            paper=paper,
            raw_data=True,
            url_override=url,
            websocket_params=dict(WEBSOCKET_PARAMS),
        )
        self._reconnect_min_backoff = min(RECONNECT_MIN_S, reconnect_max_s)
        self._reconnect_max_backoff = reconnect_max_s
        self._on_message = on_message
        self._on_listening = on_listening
        self._on_down = on_down
        self._thread: threading.Thread | None = None
        self._started = threading.Event()

        async def handler(message: Any) -> None:  # trade_updates go through _dispatch below
            pass

        self.subscribe_trade_updates(handler)

    def __repr__(self) -> str:  # the parent keeps the keys as attributes; never show them
        return f"TradeStream(url={self._endpoint!r})"

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        self._on_message(msg)
        if msg.get("stream") == "listening":
            self._on_listening()

    async def close(self) -> None:
        was_open = self._ws is not None
        await super().close()
        if was_open:
            self._on_down()

    def start(self) -> None:
        """Run the stream on a daemon thread; it connects and keeps reconnecting until stopped."""
        self._thread = threading.Thread(target=self._run, name="alpaca-trade-stream", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()  # type: ignore[assignment]
            self._started.set()
            await self._run_forever()  # type: ignore[no-untyped-call]

        asyncio.run(main())

    def stop_now(self, timeout_s: float = 5.0) -> None:
        """Stop the stream and close its connection; return when its thread has ended."""
        if self._thread is None:
            return
        self._started.wait(timeout_s)
        loop: asyncio.AbstractEventLoop | None = self._loop
        if loop is not None and loop.is_running():

            async def stop() -> None:
                await self.stop_ws()
                await self.close()  # wakes the receive wait at once

            # RuntimeError and friends: the loop ended on its own meanwhile.
            with suppress(RuntimeError, TimeoutError, asyncio.CancelledError):
                asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout_s)
        self._thread.join(timeout_s)
