"""Live bar streams against local websocket servers speaking Polygon's and Alpaca's protocols.

Every server is started here (``stream_server``) on 127.0.0.1; nothing leaves the machine. The
bar streamer component is run end to end into the real Redis of ``redis_url``.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tc2.data.bars import Resolution
from tc2.data.providers import (
    AlpacaStream,
    Backoff,
    PolygonStream,
    ProviderError,
    ProviderUnavailable,
    StreamBar,
    live_stream_from_environ,
)
from tc2.data.providers.alpaca_stream import DEFAULT_ALPACA_STREAM_URL
from tc2.data.providers.polygon_stream import DEFAULT_POLYGON_STREAM_URL
from tc2.data.stream_cache import StreamCache
from tc2.env import ExecEnv
from tc2.env.settings_channel import settings_applied, settings_publish
from tc2.env.trading_settings import TradingSettings
from tc2.errors import ConfigurationError, DataError
from tc2.program import bar_streamer
from tc2.program.components import ComponentContext, ComponentKind

from .conftest import DAY, DAY_CLOSE_S, DAY_OPEN_S, ReplayServer, json_reply
from .stream_server import (
    LogRecorder,
    Session,
    StreamRun,
    free_port_url,
    stream_server,
    wait_until,
)
from .test_alpaca import bar_rows

POLYGON_KEY = "pk-stream-secret-value"
ALPACA_ID = "AK-stream-secret-id"
ALPACA_SECRET = "alpaca-stream-secret-value"
SECRETS = (POLYGON_KEY, ALPACA_ID, ALPACA_SECRET)
PROMPT_S = 1.0
"""How soon run() must return after stop is set (it polls every 0.2 s)."""

FAST = Backoff(
    rate_limit_initial_s=0.01,
    rate_limit_max_total_s=0.07,  # waits 0.01, 0.02, 0.04: four connection attempts
    server_error_retries=2,
    server_error_delay_s=0.01,
)

CONNECTED = {"ev": "status", "status": "connected", "message": "Connected Successfully"}
AUTH_SUCCESS = {"ev": "status", "status": "auth_success", "message": "authenticated"}
AUTH_FAILED = {"ev": "status", "status": "auth_failed", "message": "authentication failed"}
MAX_CONNECTIONS = {
    "ev": "status",
    "status": "max_connections",
    "message": "Maximum number of connections exceeded.",
}


@pytest.fixture(scope="session")
def polygon_ws_examples(shared_fixtures: Path) -> dict[str, dict[str, Any]]:
    """The ``A`` and ``AM`` message examples of Polygon's websocket spec."""
    spec = json.loads((shared_fixtures / "polygon" / "openapi-websocket.json").read_text())
    return {
        kind: spec["paths"][f"/stocks/{kind}"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["example"]
        for kind in ("A", "AM")
    }


def polygon(url: str, *, backoff: Backoff = FAST, **kwargs: Any) -> PolygonStream:
    return PolygonStream(POLYGON_KEY, url=url, backoff=backoff, reply_timeout_s=2.0, **kwargs)


def polygon_handshake(session: Session) -> bool:
    """Polygon's side of connect, auth and subscribe; False when the key is refused."""
    session.send([CONNECTED])
    auth = session.recv()
    if auth != {"action": "auth", "params": POLYGON_KEY}:
        session.send([AUTH_FAILED])
        return False
    session.send([AUTH_SUCCESS])
    subscribe = session.recv()
    session.send(
        [
            {"ev": "status", "status": "success", "message": f"subscribed to: {channel}"}
            for channel in subscribe["params"].split(",")
        ]
    )
    return True


def second_event(example: dict[str, Any], symbol: str, t: int, price: float) -> dict[str, Any]:
    """An ``A`` event in the shape of the spec's example, for ``symbol`` at second ``t``."""
    event = copy.deepcopy(example)
    event.update(
        sym=symbol, s=t * 1000, e=(t + 1) * 1000, o=price, h=price + 0.02, l=price - 0.01, c=price
    )
    return event


def second_bar(example: dict[str, Any], symbol: str, t: int, price: float) -> StreamBar:
    return StreamBar(
        symbol=symbol,
        resolution=Resolution.SECOND,
        t=t,
        o=price,
        h=price + 0.02,
        l=price - 0.01,
        c=price,
        v=example["v"],
        vw=example["vw"],
    )


class PolygonStreamTests:
    def test_auth_and_subscribe_are_polygons_and_its_examples_become_bars(
        self, polygon_ws_examples: dict[str, dict[str, Any]]
    ) -> None:
        second, minute = polygon_ws_examples["A"], polygon_ws_examples["AM"]

        def script(session: Session) -> None:
            polygon_handshake(session)
            trade = {"ev": "T", "sym": "SPCE", "p": 25.39, "s": 100, "t": 1610144868000}
            other = {**second, "sym": "MSFT"}  # not subscribed: not delivered
            session.send([trade, second, other, minute])
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPCE", "GTE", "SPCE"])
            bars = run.wait_bars(2)
            run.stop_and_time()

        assert run.error is None
        [session] = server.sessions
        assert session.path == "/stocks"
        assert session.received[:2] == [
            {"action": "auth", "params": POLYGON_KEY},
            {"action": "subscribe", "params": "A.SPCE,AM.SPCE,A.GTE,AM.GTE"},
        ]
        assert bars == [
            StreamBar(
                symbol="SPCE",
                resolution=Resolution.SECOND,
                t=1_610_144_868,  # "s": 1610144868000 ms
                o=25.39,
                h=25.39,
                l=25.39,
                c=25.39,
                v=200.0,
                n=None,
                vw=25.3981,
            ),
            StreamBar(
                symbol="GTE",
                resolution=Resolution.MINUTE,
                t=1_610_144_640,  # "s": 1610144640000 ms
                o=0.4488,
                h=0.4489,
                l=0.4486,
                c=0.4486,
                v=4110.0,
                n=None,
                vw=0.4488,
            ),
        ]
        assert not any(POLYGON_KEY in message for message in run.log.messages())

    def test_only_the_chosen_resolutions_are_subscribed_and_delivered(
        self, polygon_ws_examples: dict[str, dict[str, Any]]
    ) -> None:
        def script(session: Session) -> None:
            polygon_handshake(session)
            session.send([polygon_ws_examples["A"], {**polygon_ws_examples["AM"], "sym": "SPCE"}])
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url, resolutions=[Resolution.MINUTE]), ["SPCE"])
            [bar] = run.wait_bars(1)
            run.stop_and_time()

        assert server.sessions[0].received[1] == {"action": "subscribe", "params": "AM.SPCE"}
        assert (bar.symbol, bar.resolution, bar.t) == ("SPCE", Resolution.MINUTE, 1_610_144_640)

    def test_dropped_and_closed_connections_reconnect_resubscribe_and_bars_keep_flowing(
        self, polygon_ws_examples: dict[str, dict[str, Any]]
    ) -> None:
        example = polygon_ws_examples["A"]
        t0 = DAY_OPEN_S

        def script(session: Session) -> None:
            polygon_handshake(session)
            session.send([second_event(example, "SPY", t0 + session.index, 500.0 + session.index)])
            if session.index == 0:
                session.drop()  # no closing handshake: a network failure
            elif session.index == 1:
                return  # the server closes normally (code 1000)
            else:
                session.hold()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            bars = run.wait_bars(3)
            run.stop_and_time()

        assert run.error is None
        assert bars == [second_bar(example, "SPY", t0 + i, 500.0 + i) for i in range(3)]
        assert len(server.sessions) == 3
        for session in server.sessions:
            assert session.received[:2] == [
                {"action": "auth", "params": POLYGON_KEY},
                {"action": "subscribe", "params": "A.SPY,AM.SPY"},
            ]
        reconnects = [m for m in run.log.messages("WARNING") if m.endswith("; reconnecting")]
        assert len(reconnects) == 2
        assert "after" in reconnects[0] and "1 bars" in reconnects[0]

    def test_a_refused_key_raises_provider_error_at_once(self) -> None:
        def script(session: Session) -> None:
            session.send([CONNECTED])
            session.recv()
            session.send([AUTH_FAILED])
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(
                PolygonStream("wrong-key", url=server.url, backoff=FAST, reply_timeout_s=2.0),
                ["SPY"],
            )
            assert run.ended(), "run() kept going after the key was refused"

        assert type(run.error) is ProviderError
        assert "auth_failed" in str(run.error) and "POLYGON_API_KEY" in str(run.error)
        assert "wrong-key" not in str(run.error)
        assert len(server.sessions) == 1

    def test_stop_ends_run_promptly_mid_session(self) -> None:
        def script(session: Session) -> None:
            polygon_handshake(session)
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            wait_until(
                lambda: bool(server.sessions) and len(server.sessions[0].received) == 2,
                what="the subscription",
            )
            took = run.stop_and_time()
            assert server.sessions[0].closed_by_client.wait(2.0)

        assert took < PROMPT_S
        assert run.error is None

    def test_stop_cuts_a_reconnect_wait_short(self) -> None:
        patient = Backoff(server_error_retries=5, server_error_delay_s=30.0)
        run = StreamRun(polygon(free_port_url(), backoff=patient), ["SPY"])
        wait_until(lambda: bool(run.log.messages("WARNING")), what="the first failed attempt")

        took = run.stop_and_time()

        assert took < PROMPT_S
        assert run.error is None

    def test_an_unreachable_server_gives_up_after_the_backoff(self) -> None:
        run = StreamRun(polygon(free_port_url()), ["SPY"])

        assert run.ended()
        assert isinstance(run.error, ProviderUnavailable)
        assert run.error.attempts == FAST.server_error_retries + 1
        failed = [m for m in run.log.messages("WARNING") if "connection attempt" in m]
        assert len(failed) == FAST.server_error_retries + 1
        assert "cannot connect" in failed[0]

    def test_sessions_that_end_before_any_bar_count_as_failures(self) -> None:
        def script(session: Session) -> None:
            polygon_handshake(session)
            session.drop()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            assert run.ended()

        assert isinstance(run.error, ProviderUnavailable)
        assert "without a bar" in str(run.error)
        assert len(server.sessions) == FAST.server_error_retries + 1

    def test_a_connection_limit_is_retried_as_a_rate_limit(self) -> None:
        def script(session: Session) -> None:
            session.send([MAX_CONNECTIONS])

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            assert run.ended()

        assert isinstance(run.error, ProviderUnavailable)
        assert "rate-limited (max_connections on connect)" in str(run.error)
        assert len(server.sessions) == len(FAST.rate_limit_waits()) + 1

    def test_an_http_refusal_of_the_websocket_is_a_provider_error(self) -> None:
        with stream_server(polygon_handshake, http_status=401) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            assert run.ended()

        assert type(run.error) is ProviderError
        assert "HTTP 401" in str(run.error) and "POLYGON_STREAM_URL" in str(run.error)
        assert server.refused == 1

    def test_an_http_server_error_is_retried(self) -> None:
        with stream_server(polygon_handshake, http_status=503) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            assert run.ended()

        assert isinstance(run.error, ProviderUnavailable)
        assert "HTTP 503 on connect" in str(run.error)
        assert server.refused == FAST.server_error_retries + 1

    def test_malformed_messages_and_events_are_skipped(
        self, polygon_ws_examples: dict[str, dict[str, Any]]
    ) -> None:
        example = polygon_ws_examples["A"]
        good = second_event(example, "SPY", DAY_OPEN_S, 500.0)

        def script(session: Session) -> None:
            polygon_handshake(session)
            session.send_text("not json")
            session.send({"ev": "A"})  # an object, not an array
            session.send(
                [
                    {**good, "s": "soon"},
                    {**good, "s": good["s"] + 500},  # not on a whole second
                    {**good, "h": 1.0},  # high below the open
                    {**good, "o": True},
                    good,
                ]
            )
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(polygon(server.url), ["SPY"])
            bars = run.wait_bars(1)
            time.sleep(0.3)  # nothing else arrives
            run.stop_and_time()

        assert bars == [second_bar(example, "SPY", DAY_OPEN_S, 500.0)]
        skipped = [m for m in run.log.messages("WARNING") if "malformed" in m]
        assert len(skipped) == 6
        assert "further malformed events are counted" in skipped[-1]

    def test_bad_arguments_are_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="POLYGON_API_KEY"):
            PolygonStream("")
        with pytest.raises(ConfigurationError, match="POLYGON_STREAM_URL must be a ws://"):
            PolygonStream(POLYGON_KEY, url="https://socket.polygon.io")
        with pytest.raises(ConfigurationError, match="subset of 1s and 1m"):
            PolygonStream(POLYGON_KEY, resolutions=[Resolution.HOUR])
        stream = PolygonStream(POLYGON_KEY)
        with pytest.raises(ValueError, match="non-empty sequence"):
            stream.run(symbols=[], on_bar=print, stop=threading.Event())
        with pytest.raises(ValueError, match="symbol must be"):
            stream.run(symbols=["spy"], on_bar=print, stop=threading.Event())


# -- Alpaca ------------------------------------------------------------------------------------

# A minute bar as Alpaca's market-data stream documentation shows it.
ALPACA_BAR = {
    "T": "b",
    "S": "SPY",
    "o": 388.985,
    "h": 389.13,
    "l": 388.975,
    "c": 389.12,
    "v": 49378,
    "t": "2021-02-22T19:15:00Z",
    "n": 461,
    "vw": 389.062639,
}
ALPACA_CONNECTED = [{"T": "success", "msg": "connected"}]
ALPACA_AUTHENTICATED = [{"T": "success", "msg": "authenticated"}]
ALPACA_AUTH_FAILED = [{"T": "error", "code": 402, "msg": "auth failed"}]


def alpaca(url: str, *, backoff: Backoff = FAST) -> AlpacaStream:
    return AlpacaStream(ALPACA_ID, ALPACA_SECRET, url=url, backoff=backoff, reply_timeout_s=2.0)


def alpaca_handshake(session: Session) -> bool:
    session.send(ALPACA_CONNECTED)
    auth = session.recv()
    if auth != {"action": "auth", "key": ALPACA_ID, "secret": ALPACA_SECRET}:
        session.send(ALPACA_AUTH_FAILED)
        return False
    session.send(ALPACA_AUTHENTICATED)
    subscribe = session.recv()
    session.send(
        [
            {
                "T": "subscription",
                "trades": [],
                "quotes": [],
                "bars": subscribe["bars"],
                "updatedBars": [],
                "dailyBars": [],
                "statuses": [],
                "lulds": [],
                "corrections": [],
                "cancelErrors": [],
            }
        ]
    )
    return True


def alpaca_bar(t: str, close: float) -> dict[str, Any]:
    return {**ALPACA_BAR, "t": t, "c": close, "h": max(ALPACA_BAR["h"], close)}


class AlpacaStreamTests:
    def test_auth_and_subscribe_are_alpacas_and_its_bars_become_minute_bars(self) -> None:
        def script(session: Session) -> None:
            alpaca_handshake(session)
            session.send([ALPACA_BAR, {**ALPACA_BAR, "T": "t"}, {**ALPACA_BAR, "S": "QQQ"}])
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(alpaca(f"{server.url}/v2/iex"), ["SPY", "AAPL"])
            bars = run.wait_bars(1)
            time.sleep(0.2)
            run.stop_and_time()

        assert run.error is None
        [session] = server.sessions
        assert session.path == "/v2/iex"
        assert session.received[:2] == [
            {"action": "auth", "key": ALPACA_ID, "secret": ALPACA_SECRET},
            {"action": "subscribe", "bars": ["SPY", "AAPL"]},
        ]
        assert bars == [
            StreamBar(
                symbol="SPY",
                resolution=Resolution.MINUTE,
                t=1_614_021_300,  # 2021-02-22T19:15:00Z
                o=388.985,
                h=389.13,
                l=388.975,
                c=389.12,
                v=49378.0,
                n=461,
                vw=389.062639,
            )
        ]
        assert not any(secret in message for message in run.log.messages() for secret in SECRETS)

    def test_a_dropped_connection_reconnects_resubscribes_and_bars_keep_flowing(self) -> None:
        def script(session: Session) -> None:
            alpaca_handshake(session)
            session.send([alpaca_bar(f"2021-02-22T19:1{5 + session.index}:00Z", 389.0)])
            if session.index == 0:
                session.drop()
            else:
                session.hold()

        with stream_server(script) as server:
            run = StreamRun(alpaca(server.url), ["SPY"])
            bars = run.wait_bars(2)
            run.stop_and_time()

        assert [bar.t for bar in bars] == [1_614_021_300, 1_614_021_360]
        assert len(server.sessions) == 2
        assert all(
            session.received[1] == {"action": "subscribe", "bars": ["SPY"]}
            for session in server.sessions
        )
        assert any(m.endswith("; reconnecting") for m in run.log.messages("WARNING"))

    def test_refused_keys_raise_provider_error_at_once(self) -> None:
        def script(session: Session) -> None:
            alpaca_handshake(session)
            session.hold()

        with stream_server(script) as server:
            wrong = AlpacaStream(ALPACA_ID, "wrong", url=server.url, backoff=FAST)
            run = StreamRun(wrong, ["SPY"])
            assert run.ended()

        assert type(run.error) is ProviderError
        assert "402 'auth failed'" in str(run.error) and "ALPACA_API_SECRET_KEY" in str(run.error)
        assert len(server.sessions) == 1

    def test_an_insufficient_subscription_raises_provider_error(self) -> None:
        def script(session: Session) -> None:
            session.send(ALPACA_CONNECTED)
            session.recv()
            session.send(ALPACA_AUTHENTICATED)
            session.recv()
            session.send([{"T": "error", "code": 409, "msg": "insufficient subscription"}])
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(alpaca(server.url), ["SPY"])
            assert run.ended()

        assert type(run.error) is ProviderError
        assert "409 'insufficient subscription'" in str(run.error)
        assert len(server.sessions) == 1

    def test_a_connection_limit_is_retried_as_a_rate_limit(self) -> None:
        def script(session: Session) -> None:
            session.send([{"T": "error", "code": 406, "msg": "connection limit exceeded"}])

        with stream_server(script) as server:
            run = StreamRun(alpaca(server.url), ["SPY"])
            assert run.ended()

        assert isinstance(run.error, ProviderUnavailable)
        assert "connection limit exceeded" in str(run.error)
        assert len(server.sessions) == len(FAST.rate_limit_waits()) + 1

    def test_stop_ends_run_promptly(self) -> None:
        def script(session: Session) -> None:
            alpaca_handshake(session)
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(alpaca(server.url), ["SPY"])
            wait_until(
                lambda: bool(server.sessions) and len(server.sessions[0].received) == 2,
                what="the subscription",
            )
            assert run.stop_and_time() < PROMPT_S

    def test_bad_times_are_skipped(self) -> None:
        def script(session: Session) -> None:
            alpaca_handshake(session)
            session.send(
                [
                    {**ALPACA_BAR, "t": "2021-02-22T19:15:00+00:00"},
                    {**ALPACA_BAR, "t": "yesterdayZ"},
                    {**ALPACA_BAR, "t": "2021-02-22T19:15:30Z"},  # not a minute start
                    {**ALPACA_BAR, "t": "2021-02-22T19:16:00.000000000Z"},
                ]
            )
            session.hold()

        with stream_server(script) as server:
            run = StreamRun(alpaca(server.url), ["SPY"])
            bars = run.wait_bars(1)
            time.sleep(0.2)
            run.stop_and_time()

        assert [bar.t for bar in bars] == [1_614_021_360]
        assert len([m for m in run.log.messages("WARNING") if "malformed" in m]) == 3


# -- configuration and the bar itself ----------------------------------------------------------


class LiveStreamFromEnvironTests:
    @pytest.mark.parametrize(
        "environ",
        [
            {},
            {"POLYGON_API_KEY": " "},
            {"ALPACA_API_KEY_ID": ALPACA_ID, "ALPACA_API_SECRET_KEY": ALPACA_SECRET},
            {"TC2_DATA_PROVIDER": "synthetic", "POLYGON_API_KEY": POLYGON_KEY},
        ],
    )
    def test_nothing_configured_gives_none(self, environ: dict[str, str]) -> None:
        assert live_stream_from_environ(environ) is None

    def test_a_polygon_key_gives_polygons_stocks_cluster(self) -> None:
        stream = live_stream_from_environ({"POLYGON_API_KEY": POLYGON_KEY})

        assert isinstance(stream, PolygonStream)
        assert (
            stream.url == f"{DEFAULT_POLYGON_STREAM_URL}/stocks" == "wss://socket.polygon.io/stocks"
        )
        assert POLYGON_KEY not in repr(stream)

    def test_the_polygon_stream_url_is_used(self) -> None:
        stream = live_stream_from_environ(
            {
                "TC2_DATA_PROVIDER": "polygon",
                "POLYGON_API_KEY": POLYGON_KEY,
                "POLYGON_STREAM_URL": "wss://delayed.polygon.io/",
            }
        )

        assert isinstance(stream, PolygonStream)
        assert stream.url == "wss://delayed.polygon.io/stocks"

    def test_alpaca_keys_give_alpacas_stream(self) -> None:
        keys = {"ALPACA_API_KEY_ID": ALPACA_ID, "ALPACA_API_SECRET_KEY": ALPACA_SECRET}
        default = live_stream_from_environ({"TC2_DATA_PROVIDER": "alpaca", **keys})
        sip = live_stream_from_environ(
            {
                "TC2_DATA_PROVIDER": "alpaca",
                "ALPACA_STREAM_URL": "wss://stream.data.alpaca.markets/v2/sip",
                "POLYGON_API_KEY": POLYGON_KEY,
                **keys,
            }
        )

        assert isinstance(default, AlpacaStream) and isinstance(sip, AlpacaStream)
        assert default.url == DEFAULT_ALPACA_STREAM_URL
        assert sip.url == "wss://stream.data.alpaca.markets/v2/sip"
        assert not any(secret in repr(default) for secret in SECRETS)

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"TC2_DATA_PROVIDER": "polygon"}, "needs POLYGON_API_KEY; missing: POLYGON_API_KEY"),
            ({"TC2_DATA_PROVIDER": "alpaca"}, "missing: ALPACA_API_KEY_ID, ALPACA_API_SECRET_KEY"),
            ({"TC2_DATA_PROVIDER": "iex"}, "must be one of polygon, alpaca, synthetic"),
            (
                {"POLYGON_API_KEY": POLYGON_KEY, "POLYGON_STREAM_URL": "socket.polygon.io"},
                "POLYGON_STREAM_URL must be a ws:// or wss:// URL with a host",
            ),
            (
                {
                    "TC2_DATA_PROVIDER": "alpaca",
                    "ALPACA_API_KEY_ID": ALPACA_ID,
                    "ALPACA_API_SECRET_KEY": ALPACA_SECRET,
                    "ALPACA_STREAM_URL": "https://stream.data.alpaca.markets",
                },
                "ALPACA_STREAM_URL must be a ws://",
            ),
        ],
    )
    def test_bad_configuration_is_refused_without_secrets(
        self, environ: dict[str, str], expected: str
    ) -> None:
        with pytest.raises(ConfigurationError, match=expected) as raised:
            live_stream_from_environ(environ)

        assert not any(secret in str(raised.value) for secret in SECRETS)


class StreamBarTests:
    def test_numbers_are_normalised(self) -> None:
        bar = StreamBar(
            symbol="SPY",
            resolution="1m",
            t=60,
            o=1,
            h=2,
            l=1,
            c=2,
            v=0,  # type: ignore[arg-type]
        )

        assert bar.resolution is Resolution.MINUTE
        assert (type(bar.o), type(bar.v)) == (float, float)

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"symbol": "spy"}, "symbol must be"),
            ({"resolution": Resolution.HOUR}, "resolution must be 1s or 1m"),
            ({"t": 61}, "not on a 1m boundary"),
            ({"t": 0}, "positive integer"),
            ({"o": float("nan")}, "finite and > 0"),
            ({"l": 0.0}, "finite and > 0"),
            ({"h": 1.5}, "high/low do not bound"),
            ({"v": -1.0}, "volume must be"),
            ({"n": -1}, "n must be"),
            ({"vw": 0.0}, "vw must be"),
        ],
    )
    def test_bad_bars_are_refused(self, changes: dict[str, Any], expected: str) -> None:
        fields: dict[str, Any] = {
            "symbol": "SPY",
            "resolution": Resolution.MINUTE,
            "t": 120,
            "o": 2.0,
            "h": 3.0,
            "l": 1.0,
            "c": 2.5,
            "v": 10.0,
        }
        with pytest.raises(DataError, match=expected):
            StreamBar(**{**fields, **changes})


# -- the bar streamer component ----------------------------------------------------------------


class _CountingCell:
    """A heartbeat cell that keeps every beat."""

    def __init__(self) -> None:
        self.beats: list[float] = []

    @property
    def value(self) -> float:
        return self.beats[-1] if self.beats else 0.0

    @value.setter
    def value(self, value: float) -> None:
        self.beats.append(value)


class _Component:
    """``run_bar_streamer`` on a thread with a real ComponentContext."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.cell = _CountingCell()
        self.context = ComponentContext(
            name="bar-streamer",
            kind=ComponentKind.THREAD,
            options=options,
            stop_event=threading.Event(),
            heartbeat_cell=self.cell,
            send=lambda message: None,
        )
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            bar_streamer.run_bar_streamer(self.context)
        except BaseException as exc:
            self.error = exc

    def stop(self) -> float:
        started = time.monotonic()
        self.context.stop_event.set()
        self.thread.join(5.0)
        assert not self.thread.is_alive(), "the bar streamer did not stop"
        return time.monotonic() - started


@pytest.fixture
def streamer_log(monkeypatch: pytest.MonkeyPatch) -> LogRecorder:
    log = LogRecorder()
    monkeypatch.setattr(bar_streamer, "_log", log)
    monkeypatch.setattr(bar_streamer, "HEARTBEAT_S", 0.05)
    return log


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in (
        "TC2_DATA_PROVIDER",
        "POLYGON_API_KEY",
        "POLYGON_STREAM_URL",
        "ALPACA_API_KEY_ID",
        "ALPACA_API_SECRET_KEY",
        "ALPACA_STREAM_URL",
        "ALPACA_DATA_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


class BarStreamerTests:
    def test_without_keys_it_idles_heart_beating_until_stopped(
        self, streamer_log: LogRecorder, clean_environ: pytest.MonkeyPatch, redis_url: str
    ) -> None:
        component = _Component({"redis_url": redis_url, "symbols": ["SPY"]})

        wait_until(lambda: len(component.cell.beats) >= 10, what="ten heartbeats")
        assert component.thread.is_alive()
        took = component.stop()

        assert component.error is None
        assert took < PROMPT_S
        assert streamer_log.messages("INFO") == [bar_streamer.NO_STREAM_MESSAGE]
        assert streamer_log.messages() == ["no live stream configured; streaming idles"]

    def test_it_caches_the_streamed_bars_in_redis(
        self,
        streamer_log: LogRecorder,
        clean_environ: pytest.MonkeyPatch,
        redis_url: str,
        redis_namespace: str,
        polygon_ws_examples: dict[str, dict[str, Any]],
    ) -> None:
        example = polygon_ws_examples["A"]
        events = [
            second_event(example, "SPY", DAY_OPEN_S - 1, 499.0),  # pre-market: not cached
            second_event(example, "SPY", DAY_OPEN_S, 500.0),
            second_event(example, "SPY", DAY_OPEN_S + 1, 501.0),
            second_event(example, "SPY", DAY_CLOSE_S - 1, 502.0),
        ]

        def script(session: Session) -> None:
            polygon_handshake(session)
            session.send(events)
            session.hold()

        with stream_server(script) as server:
            clean_environ.setenv("POLYGON_API_KEY", POLYGON_KEY)
            clean_environ.setenv("POLYGON_STREAM_URL", server.url)
            component = _Component(
                {"redis_url": redis_url, "symbols": ["SPY"], "namespace": redis_namespace}
            )
            with ExecEnv.live(redis_url, namespace=redis_namespace) as env:
                cache = StreamCache(env)
                wait_until(
                    lambda: len(cache.day_bars(symbol="SPY", day=DAY, resolution="1s")) == 3,
                    what="three cached bars",
                )
                beats = len(component.cell.beats)
                time.sleep(0.2)
                assert len(component.cell.beats) > beats  # heart-beating while streaming
                assert component.stop() < PROMPT_S
                bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)

        assert component.error is None
        assert list(bars.t) == [DAY_OPEN_S, DAY_OPEN_S + 1, DAY_CLOSE_S - 1]
        assert list(bars.c) == [500.0, 501.0, 502.0]
        assert streamer_log.messages()[-1].startswith(
            "3 bars cached, 1 outside regular hours dropped, 0 lost to Redis errors in the last"
        )

    def test_a_refused_key_is_logged_and_it_idles(
        self, streamer_log: LogRecorder, clean_environ: pytest.MonkeyPatch, redis_url: str
    ) -> None:
        def script(session: Session) -> None:
            session.send([CONNECTED])
            session.recv()
            session.send([AUTH_FAILED])
            session.hold()

        with stream_server(script) as server:
            clean_environ.setenv("POLYGON_API_KEY", "wrong-key")
            clean_environ.setenv("POLYGON_STREAM_URL", server.url)
            component = _Component({"redis_url": redis_url, "symbols": ["SPY"]})
            wait_until(lambda: bool(streamer_log.messages("ERROR")), what="the error line")
            beats = len(component.cell.beats)
            wait_until(lambda: len(component.cell.beats) > beats + 3, what="more heartbeats")
            assert component.thread.is_alive()
            component.stop()

        [error] = streamer_log.messages("ERROR")
        assert "auth_failed" in error
        assert error.endswith("streaming idles until the symbols change or the program restarts")
        assert len(server.sessions) == 1

    def test_a_settings_change_restarts_the_stream_on_the_new_symbols(
        self,
        streamer_log: LogRecorder,
        clean_environ: pytest.MonkeyPatch,
        redis_url: str,
        redis_namespace: str,
    ) -> None:
        def script(session: Session) -> None:
            polygon_handshake(session)
            session.hold()

        with (
            stream_server(script) as server,
            ExecEnv.live(redis_url, namespace=redis_namespace) as env,
        ):
            clean_environ.setenv("POLYGON_API_KEY", POLYGON_KEY)
            clean_environ.setenv("POLYGON_STREAM_URL", server.url)
            settings_publish(env, TradingSettings(symbols=("SPY",)))
            component = _Component(
                {"redis_url": redis_url, "symbols": ["SPY"], "namespace": redis_namespace}
            )
            wait_until(lambda: len(server.sessions) == 1, what="the first stream")

            version = settings_publish(env, TradingSettings(symbols=("SPY", "AAPL")))

            wait_until(lambda: len(server.sessions) == 2, what="a stream on the new symbols")
            wait_until(lambda: len(server.sessions[1].received) >= 2, what="its subscription")
            applied = settings_applied(env, ["bar-streamer"])
            component.stop()

        subscriptions = [session.received[1]["params"] for session in server.sessions]
        assert "AAPL" not in subscriptions[0] and "AAPL" in subscriptions[1]
        assert server.sessions[0].closed_by_client.is_set()
        assert applied == {"bar-streamer": version}
        assert f"Settings version {version} applied: symbols SPY, AAPL (added AAPL)" in (
            streamer_log.messages("INFO")
        )

    def test_minute_bars_missed_while_the_stream_was_down_are_backfilled_from_rest(
        self,
        streamer_log: LogRecorder,
        clean_environ: pytest.MonkeyPatch,
        redis_url: str,
        redis_namespace: str,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        # The REST history has every minute of the session; the stream sends the open and the
        # next minute, drops, and after the reconnect sends 09:35: 09:32-09:34 never come.
        minutes = [DAY_OPEN_S + 60 * i for i in range(390)]
        rows = bar_rows(alpaca_responses, minutes)
        for row in rows:
            row["c"] = row["o"] = row["h"] = row["l"] = 170.5  # REST prices, told apart below
        server.route(
            "/v2/stocks/bars", json_reply({"bars": {"SPY": rows}, "next_page_token": None})
        )

        def stamp(t: int) -> str:
            return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def script(session: Session) -> None:
            alpaca_handshake(session)
            if session.index == 0:
                session.send([alpaca_bar(stamp(DAY_OPEN_S + 60 * i), 389.0) for i in (0, 1)])
                session.drop()
            else:
                session.send([alpaca_bar(stamp(DAY_OPEN_S + 300), 390.0)])
                session.hold()

        with stream_server(script) as stream:
            clean_environ.setenv("TC2_DATA_PROVIDER", "alpaca")
            clean_environ.setenv("ALPACA_API_KEY_ID", ALPACA_ID)
            clean_environ.setenv("ALPACA_API_SECRET_KEY", ALPACA_SECRET)
            clean_environ.setenv("ALPACA_STREAM_URL", stream.url)
            clean_environ.setenv("ALPACA_DATA_URL", server.url)
            component = _Component(
                {"redis_url": redis_url, "symbols": ["SPY"], "namespace": redis_namespace}
            )
            with ExecEnv.live(redis_url, namespace=redis_namespace) as env:
                cache = StreamCache(env)
                wait_until(
                    lambda: len(cache.day_bars(symbol="SPY", day=DAY, resolution="1m")) == 6,
                    what="six cached minute bars",
                )
                component.stop()
                bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)

        assert component.error is None
        assert list(bars.t) == [DAY_OPEN_S + 60 * i for i in range(6)]
        assert list(bars.c) == [389.0, 389.0, 170.5, 170.5, 170.5, 390.0]
        assert server.hits("/v2/stocks/bars") == 1  # one request for the one gap
