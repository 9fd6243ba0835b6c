"""A local websocket server for the stream tests, and a stream run on a thread.

``StreamServer`` runs the websockets library's threaded server on 127.0.0.1 (a free port) and
hands every connection to the test's script as a ``Session``: what the client sent is recorded,
and the script can reply, drop the connection without a closing handshake, or hold it until the
client leaves. ``StreamRun`` runs ``LiveBarStream.run`` on a thread and collects its bars, its
error and its log lines.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from tc2.data.providers import LiveBarStream, StreamBar

WAIT_S = 5.0


class Session:
    """One client connection as the server's script sees it."""

    def __init__(self, connection: ServerConnection, index: int) -> None:
        self.connection = connection
        self.index = index
        self.path = connection.request.path if connection.request is not None else ""
        self.received: list[Any] = []
        self.closed_by_client = threading.Event()

    def send(self, events: Any) -> None:
        self.connection.send(json.dumps(events))

    def send_text(self, text: str) -> None:
        self.connection.send(text)

    def recv(self) -> Any:
        payload = json.loads(self.connection.recv(timeout=WAIT_S))
        self.received.append(payload)
        return payload

    def drop(self) -> None:
        """Cut the TCP connection without a websocket closing handshake."""
        self.connection.socket.shutdown(socket.SHUT_RDWR)

    def hold(self) -> None:
        """Keep the connection open until the client closes it (or 30 s pass)."""
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            try:
                self.received.append(json.loads(self.connection.recv(timeout=0.1)))
            except TimeoutError:
                continue
            except ConnectionClosed:
                self.closed_by_client.set()
                return


class StreamServer:
    """Serve each connection with ``script(session)``; ``sessions`` lists them in order."""

    def __init__(
        self, script: Callable[[Session], None], *, http_status: int | None = None
    ) -> None:
        self.script = script
        self.sessions: list[Session] = []
        self.refused = 0
        self._lock = threading.Lock()
        self._http_status = http_status
        self._server: Server = serve(
            self._handle, "127.0.0.1", 0, compression=None, process_request=self._refuse
        )
        self.port = int(self._server.socket.getsockname()[1])
        self.url = f"ws://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="stream-server", daemon=True
        )
        self._thread.start()

    def _refuse(self, connection: ServerConnection, request: Request) -> Response | None:
        """Answer the opening handshake with ``http_status`` instead of upgrading, if set."""
        if self._http_status is None:
            return None
        with self._lock:
            self.refused += 1
        return connection.respond(HTTPStatus(self._http_status), "refused\n")

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            session = Session(connection, len(self.sessions))
            self.sessions.append(session)
        with suppress(ConnectionClosed, OSError):  # the client left: the script is done
            self.script(session)

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=WAIT_S)


@contextmanager
def stream_server(
    script: Callable[[Session], None], *, http_status: int | None = None
) -> Iterator[StreamServer]:
    server = StreamServer(script, http_status=http_status)
    try:
        yield server
    finally:
        server.close()


def free_port_url() -> str:
    """A ws:// URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"ws://127.0.0.1:{port}"


class LogRecorder:
    """Stands in for a stream's FeedLogger: keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def _add(self, level: str, message: str) -> None:
        self.lines.append((level, message))

    def debug(self, message: str) -> None:
        self._add("DEBUG", message)

    def info(self, message: str) -> None:
        self._add("INFO", message)

    def warning(self, message: str) -> None:
        self._add("WARNING", message)

    def error(self, message: str) -> None:
        self._add("ERROR", message)

    def exception(self, message: str) -> None:
        self._add("ERROR", message)

    def messages(self, level: str | None = None) -> list[str]:
        return [message for lvl, message in self.lines if level is None or lvl == level]


class StreamRun:
    """``stream.run`` on a thread: its bars, what it raised, its log lines, its stop event."""

    def __init__(self, stream: LiveBarStream, symbols: list[str]) -> None:
        self.stream = stream
        self.log = LogRecorder()
        stream._log = self.log
        self.bars: list[StreamBar] = []
        self.error: Exception | None = None
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(symbols,), daemon=True)
        self._thread.start()

    def _run(self, symbols: list[str]) -> None:
        try:
            self.stream.run(symbols=symbols, on_bar=self.bars.append, stop=self.stop)
        except Exception as exc:
            self.error = exc

    def wait_bars(self, count: int) -> list[StreamBar]:
        wait_until(lambda: len(self.bars) >= count, what=f"{count} bars (have {self.bars})")
        return self.bars

    def ended(self, timeout: float = WAIT_S) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop_and_time(self) -> float:
        """Set stop; return the seconds ``run`` took to return."""
        started = time.monotonic()
        self.stop.set()
        assert self.ended(), "run() did not return after stop was set"
        return time.monotonic() - started


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.01)
