"""A local HTTP server that replays provider payloads, and the fixtures the provider tests share.

``ReplayServer`` answers each request from, in order: a route registered by the test (a path,
optionally a subset of query parameters, and replies served in turn with the last one repeated
forever); else the real Polygon fixture file named by the URL path plus query string
(``../shared/fixtures/polygon/rest-mocks``); else a Polygon-style 404. Replies can be faults:
any status, a body cut short with an honest Content-Length (truncated JSON), or a body cut short
against its Content-Length (the connection drops mid-response).
"""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers import Backoff
from tc2.env import MarketCalendar

REPO = Path(__file__).resolve().parents[3]
SHARED_FIXTURES = Path(
    os.environ.get("TC2_SHARED_FIXTURES", str(REPO.parent / "shared" / "fixtures"))
)
POLYGON_MOCKS = SHARED_FIXTURES / "polygon" / "rest-mocks"
POLYGON_OPENAPI = SHARED_FIXTURES / "polygon" / "openapi-rest.json"
ALPACA_RESPONSES = SHARED_FIXTURES / "alpaca" / "alpaca-py-test-responses.json"

DAY = date(2024, 3, 5)  # a Tuesday in EST: regular hours 14:30-21:00 UTC
DAY_OPEN_S = 1_709_649_000
DAY_CLOSE_S = 1_709_672_400
NS = 1_000_000_000


@dataclass(frozen=True)
class Reply:
    """One canned response. ``cut_at`` sends only that many body bytes, then drops the line."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    cut_at: int | None = None


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(payload).encode())


def truncated_json(payload: Any) -> Reply:
    """A 200 whose JSON stops halfway (the HTTP response itself is complete)."""
    body = json.dumps(payload).encode()
    return Reply(body=body[: len(body) // 2])


def dropped_connection(payload: Any) -> Reply:
    """A 200 that promises the whole body and closes the connection halfway through it."""
    body = json.dumps(payload).encode()
    return Reply(body=body, cut_at=len(body) // 2)


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class ReplayServer:
    fixture_root: Path
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    _routes: list[_Route] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, *replies: Reply, query: Mapping[str, str] | None = None) -> None:
        """Serve ``replies`` in turn (the last forever) for ``path`` [with these query values]."""
        assert replies, "a route needs at least one reply"
        with self._lock:
            self._routes.append(_Route(path, dict(query or {}), list(replies)))

    def hits(self, path: str) -> int:
        return sum(seen.path == path for seen in self.requests)

    def queries(self, path: str) -> list[dict[str, str]]:
        return [seen.query for seen in self.requests if seen.path == path]

    def answer(self, target: str, headers: Mapping[str, str]) -> Reply:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(Seen(parts.path, query, dict(headers)))
            matching = [
                route
                for route in self._routes
                if route.path == parts.path
                and all(query.get(key) == value for key, value in route.query.items())
            ]
            if matching:
                route = max(matching, key=lambda r: len(r.query))
                reply = route.replies[min(route.served, len(route.replies) - 1)]
                route.served += 1
                return reply
        return self._fixture_file(parts.path, parts.query)

    def _fixture_file(self, path: str, raw_query: str) -> Reply:
        name = path.lstrip("/").replace(":", ";") + (f"&{raw_query}" if raw_query else "")
        file = self.fixture_root / f"{name}.json"
        if file.is_file():
            return Reply(body=file.read_bytes())
        return json_reply(
            {"status": "NOT_FOUND", "request_id": "local", "message": f"no route for {path}"},
            status=404,
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        reply = self.server.replay.answer(self.path, dict(self.headers.items()))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.cut_at is None:
            self.wfile.write(reply.body)
        else:
            self.wfile.write(reply.body[: reply.cut_at])
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not POLYGON_MOCKS.is_dir() or not ALPACA_RESPONSES.is_file():
        reason = f"the shared provider fixtures are not at {SHARED_FIXTURES}"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def _httpd(shared_fixtures: Path) -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="replay", daemon=True
    )
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server(_httpd: _Server) -> ReplayServer:
    """The replay server with no routes and no requests seen (one server per test session)."""
    replay = ReplayServer(
        fixture_root=POLYGON_MOCKS, url=f"http://127.0.0.1:{_httpd.server_address[1]}"
    )
    _httpd.replay = replay
    return replay


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the backoff asked for; nothing really sleeps."""
    return []


@pytest.fixture
def backoff(sleeps: list[float]) -> Backoff:
    return Backoff(sleep=sleeps.append)


@pytest.fixture(scope="session")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


# Trades across two pages; the page break falls inside second OPEN+7.
A = DAY_OPEN_S
TRADES_PAGE_1: list[tuple[int, float, float]] = [
    ((A - 1) * NS + 5, 99.0, 100),  # pre-market: dropped
    (A * NS + 1_000, 100.00, 10),
    (A * NS + 200_000_000, 100.50, 20),
    (A * NS + 500_000_000, 99.75, 5),
    (A * NS + 999_999_999, 100.25, 15),
    ((A + 2) * NS, 101.0, 100),
    ((A + 7) * NS + 10, 101.5, 30),
]
TRADES_PAGE_2: list[tuple[int, float, float]] = [
    ((A + 7) * NS + 20, 101.1, 70),
    ((DAY_CLOSE_S - 1) * NS + 999_999_999, 102.0, 1),
    (DAY_CLOSE_S * NS, 103.0, 100),  # at the close: dropped
]


def assert_hand_aggregated(bars: SymbolDay) -> None:
    # second A: 100.00x10, 100.50x20, 99.75x5, 100.25x15 -> vw 5012.5 / 50 = 100.25
    # second A+7: 101.5x30 (page 1), 101.1x70 (page 2) -> vw 10122 / 100 = 101.22
    assert bars.resolution is Resolution.SECOND
    assert bars.n is not None and bars.vw is not None
    assert list(bars.t) == [A, A + 2, A + 7, DAY_CLOSE_S - 1]
    assert list(bars.o) == [100.00, 101.0, 101.5, 102.0]
    assert list(bars.h) == [100.50, 101.0, 101.5, 102.0]
    assert list(bars.l) == [99.75, 101.0, 101.1, 102.0]
    assert list(bars.c) == [100.25, 101.0, 101.1, 102.0]
    assert list(bars.v) == [50.0, 100.0, 100.0, 1.0]
    assert list(bars.n) == [4, 1, 2, 1]
    np.testing.assert_allclose(
        bars.vw, np.array([100.25, 101.0, 101.22, 102.0]), rtol=0, atol=1e-12
    )


# -- real payloads, and pages built in their shape -------------------------------------------


@pytest.fixture(scope="session")
def polygon_aggs_example(shared_fixtures: Path) -> dict[str, Any]:
    """The aggregates example response from Polygon's OpenAPI spec (has next_url)."""
    spec = json.loads(POLYGON_OPENAPI.read_text())
    path = spec["paths"]["/v2/aggs/ticker/{stocksTicker}/range/{multiplier}/{timespan}/{from}/{to}"]
    example: dict[str, Any] = path["get"]["responses"]["200"]["content"]["application/json"][
        "example"
    ]
    return example


def polygon_mock(name: str) -> dict[str, Any]:
    """A Polygon REST mock body by its file name under rest-mocks (URL path + query)."""
    payload: dict[str, Any] = json.loads((POLYGON_MOCKS / f"{name}.json").read_text())
    return payload


def polygon_aggs_page(
    rows: list[dict[str, Any]], *, ticker: str = "AAPL", next_url: str | None = None
) -> dict[str, Any]:
    """An aggregates response in the shape of the real ones (rest-mocks range files)."""
    page = copy.deepcopy(polygon_mock("v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04"))
    page.update(
        ticker=ticker,
        adjusted=False,
        queryCount=len(rows),
        resultsCount=len(rows),
        count=len(rows),
        results=rows,
    )
    if next_url is not None:
        page["next_url"] = next_url
    return page


def polygon_bar_rows(t_s: list[int], *, base: float = 170.0) -> list[dict[str, Any]]:
    """Aggregate rows in the real rows' shape (v, vw, o, c, h, l, t in ms, n)."""
    template = polygon_mock("v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04")["results"][0]
    rows = []
    for i, t in enumerate(t_s):
        price = round(base + (i % 50) * 0.01, 4)
        row = dict(template)
        row.update(
            t=t * 1000,
            o=price,
            h=round(price + 0.05, 4),
            l=round(price - 0.03, 4),
            c=round(price + 0.02, 4),
            v=1000.0 + i,
            vw=round(price + 0.01, 4),
            n=10 + i % 7,
        )
        rows.append(row)
    return rows


def polygon_trade_rows(trades: list[tuple[int, float, float]]) -> list[dict[str, Any]]:
    """Trade rows (sip ns, price, size) in the shape of the real v3 trades mock."""
    template = polygon_mock("v3/trades/AAPL&limit=2")["results"][0]
    rows = []
    for i, (t_ns, price, size) in enumerate(trades):
        row = copy.deepcopy(template)
        row.update(
            sip_timestamp=t_ns,
            participant_timestamp=t_ns - 300,
            price=price,
            size=size,
            id=str(1000 + i),
            sequence_number=5000 + i,
        )
        rows.append(row)
    return rows


def polygon_trades_page(
    rows: list[dict[str, Any]], *, next_url: str | None = None
) -> dict[str, Any]:
    page = copy.deepcopy(polygon_mock("v3/trades/AAPL&limit=2"))
    page["results"] = rows
    if next_url is not None:
        page["next_url"] = next_url
    return page


@pytest.fixture(scope="session")
def alpaca_responses(shared_fixtures: Path) -> dict[str, dict[str, Any]]:
    """alpaca-py's test response bodies, by ``<test file stem>::<test name>``."""
    fixtures = json.loads(ALPACA_RESPONSES.read_text())["fixtures"]
    return {
        f"{Path(item['source_file']).stem}::{item['test']}": item["response_body"]
        for item in fixtures
        if item["body_kind"] == "json"
    }
