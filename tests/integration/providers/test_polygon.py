"""PolygonProvider through the real polygon-api-client against a local replay server."""

from __future__ import annotations

import copy
import socket
from datetime import date
from typing import Any

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.providers import (
    Backoff,
    NoDataForDay,
    PolygonProvider,
    ProviderError,
    ProviderUnavailable,
)
from tc2.env import MarketCalendar
from tc2.errors import ConfigurationError

from .conftest import (
    DAY,
    DAY_CLOSE_S,
    DAY_OPEN_S,
    NS,
    TRADES_PAGE_1,
    TRADES_PAGE_2,
    ReplayServer,
    assert_hand_aggregated,
    dropped_connection,
    json_reply,
    polygon_aggs_page,
    polygon_bar_rows,
    polygon_mock,
    polygon_trade_rows,
    polygon_trades_page,
    truncated_json,
)

KEY = "pk-test-0123456789"
MINUTE_PATH = f"/v2/aggs/ticker/AAPL/range/1/minute/{DAY}/{DAY}"
SECOND_PATH = f"/v2/aggs/ticker/AAPL/range/1/second/{DAY_OPEN_S * 1000}/{DAY_CLOSE_S * 1000 - 1}"
TRADES_PATH = "/v3/trades/AAPL"
PREMARKET_S = DAY_OPEN_S - 5 * 3600 - 1800  # 04:00 New York
MINUTES = [PREMARKET_S + 60 * i for i in range(960)]  # 04:00-19:59, as Polygon has them

# What Polygon answers (HTTP 403) when the plan does not include the data asked for.
NOT_ENTITLED = {
    "status": "NOT_AUTHORIZED",
    "request_id": "a1b2c3",
    "message": "You are not entitled to this data. Please upgrade your plan at "
    "https://polygon.io/pricing",
}
RATE_LIMITED = {
    "status": "ERROR",
    "request_id": "d4e5f6",
    "error": "You've exceeded the maximum requests per minute, please wait or upgrade your "
    "subscription to continue. https://polygon.io/pricing",
}
SERVER_ERROR = {"status": "ERROR", "request_id": "g7h8i9", "error": "internal error"}


@pytest.fixture
def provider(server: ReplayServer, backoff: Backoff, calendar: MarketCalendar) -> PolygonProvider:
    return PolygonProvider(KEY, base_url=server.url, backoff=backoff, calendar=calendar)


def minute_day_in_two_pages(server: ReplayServer) -> list[dict[str, Any]]:
    rows = polygon_bar_rows(MINUTES)
    # Polygon's next_url restarts the range at the next bar's ms time and carries a cursor.
    second_page = f"/v2/aggs/ticker/AAPL/range/1/minute/{MINUTES[600] * 1000}/{DAY}"
    server.route(
        MINUTE_PATH,
        json_reply(polygon_aggs_page(rows[:600], next_url=f"{server.url}{second_page}?cursor=cDI")),
    )
    server.route(second_page, json_reply(polygon_aggs_page(rows[600:])), query={"cursor": "cDI"})
    return rows


class MinuteBarsTests:
    def test_pages_are_joined_in_order(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        rows = minute_day_in_two_pages(server)

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 960 and bars.resolution is Resolution.MINUTE
        np.testing.assert_array_equal(bars.t, MINUTES)
        for name in ("o", "h", "l", "c", "v", "vw"):
            np.testing.assert_array_equal(getattr(bars, name), [row[name] for row in rows])
        np.testing.assert_array_equal(bars.n, [row["n"] for row in rows])
        assert [seen.path for seen in server.requests] == [
            MINUTE_PATH,
            f"/v2/aggs/ticker/AAPL/range/1/minute/{MINUTES[600] * 1000}/{DAY}",
        ]
        assert sleeps == []

    def test_request_asks_for_50000_unadjusted_ascending_with_the_key_in_a_header(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        minute_day_in_two_pages(server)

        provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        first = server.requests[0]
        assert first.query == {"adjusted": "false", "sort": "asc", "limit": "50000"}
        assert first.headers["Authorization"] == f"Bearer {KEY}"
        assert all(KEY not in str(seen.query) for seen in server.requests)

    def test_next_url_on_polygons_host_is_fetched_from_the_configured_base_url(
        self,
        provider: PolygonProvider,
        server: ReplayServer,
        polygon_aggs_example: dict[str, Any],
    ) -> None:
        # The OpenAPI example's next_url names https://api.polygon.io; the key must not go there.
        day = date(2020, 1, 2)
        page = copy.deepcopy(polygon_aggs_example)
        page["results"] = page["results"][:1]  # 2020-01-02 00:00 New York
        path = f"/v2/aggs/ticker/AAPL/range/1/minute/{day}/{day}"
        server.route(path, json_reply(page))
        server.route(
            "/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10",
            json_reply(polygon_aggs_page([])),
            query={"cursor": "bGltaXQ9MiZzb3J0PWFzYw"},
        )

        bars = provider.day_bars(symbol="AAPL", day=day, resolution=Resolution.MINUTE)

        assert list(bars.t) == [1577941200] and list(bars.c) == [75.0875]
        assert server.hits("/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10") == 1

    def test_real_payload_fields_map_to_columns(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        day = date(2022, 4, 26)
        server.route(
            f"/v2/aggs/ticker/AAPL/range/1/minute/{day}/{day}",
            json_reply(polygon_mock("v2/aggs/ticker/AAPL/prev")),
        )

        bars = provider.day_bars(symbol="AAPL", day=day, resolution=Resolution.MINUTE)

        assert bars.symbol == "AAPL" and bars.day == day
        assert list(bars.t) == [1651003200]  # ms bar start -> epoch s
        assert bars.n is not None and bars.vw is not None
        assert (bars.o[0], bars.h[0], bars.l[0], bars.c[0]) == (162.25, 162.34, 156.72, 156.8)
        assert (bars.v[0], bars.n[0], bars.vw[0]) == (95595226.0, 899965, 158.6074)

    def test_bar_on_another_day_is_rejected(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        # The real range mock holds 2005-04-01 and 2005-04-04: asked for 04-01, one is off the day.
        day = date(2005, 4, 1)
        path = f"/v2/aggs/ticker/AAPL/range/1/minute/{day}/{day}"
        server.route(
            path, json_reply(polygon_mock(f"v2/aggs/ticker/AAPL/range/1/day/{day}/2005-04-04"))
        )

        with pytest.raises(ProviderError, match=r"bar 1 starts at 1112587200 .* not on 2005-04-01"):
            provider.day_bars(symbol="AAPL", day=day, resolution=Resolution.MINUTE)

    def test_no_results_is_no_data_for_the_day(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        server.route(MINUTE_PATH, json_reply({**polygon_aggs_page([]), "results": None}))

        with pytest.raises(NoDataForDay, match="no minute bars for AAPL on 2024-03-05"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    def test_a_day_that_is_not_a_session_sends_no_request(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        with pytest.raises(NoDataForDay, match="not a session"):
            provider.day_bars(symbol="AAPL", day=date(2024, 3, 9), resolution=Resolution.MINUTE)
        assert server.requests == []

    @pytest.mark.parametrize(
        ("symbol", "resolution"), [("aapl", Resolution.MINUTE), ("AAPL", Resolution.HOUR)]
    )
    def test_bad_request_is_refused_before_sending(
        self, provider: PolygonProvider, server: ReplayServer, symbol: str, resolution: Resolution
    ) -> None:
        with pytest.raises(ValueError, match=r"symbol|resolution"):
            provider.day_bars(symbol=symbol, day=DAY, resolution=resolution)
        assert server.requests == []


class SecondBarsTests:
    def test_second_aggregates_are_kept_to_regular_hours(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        seconds = [DAY_OPEN_S - 1, DAY_OPEN_S, DAY_OPEN_S + 1, DAY_CLOSE_S - 1, DAY_CLOSE_S]
        server.route(SECOND_PATH, json_reply(polygon_aggs_page(polygon_bar_rows(seconds))))

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)

        assert list(bars.t) == seconds[1:4]
        assert server.hits(TRADES_PATH) == 0
        assert server.requests[0].query == {"adjusted": "false", "sort": "asc", "limit": "50000"}

    @pytest.mark.parametrize("status", [403, 200])
    def test_not_entitled_falls_back_to_trades(
        self, provider: PolygonProvider, server: ReplayServer, status: int
    ) -> None:
        server.route(SECOND_PATH, json_reply(NOT_ENTITLED, status=status))
        trades_in_two_pages(server)

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)

        assert_hand_aggregated(bars)
        assert server.queries(TRADES_PATH)[0] == {
            "timestamp.gte": str(DAY_OPEN_S * NS),
            "timestamp.lt": str(DAY_CLOSE_S * NS),
            "limit": "50000",
            "sort": "timestamp",
            "order": "asc",
        }

    def test_no_second_aggregates_falls_back_to_trades(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        server.route(SECOND_PATH, json_reply({**polygon_aggs_page([]), "resultsCount": 0}))
        trades_in_two_pages(server)

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)

        assert_hand_aggregated(bars)

    def test_real_trades_after_the_close_give_no_data(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        # The real v3 trades mock: two trades at 17:37 New York on 2022-04-28, after the close.
        day = date(2022, 4, 28)
        server.route(
            "/v2/aggs/ticker/AAPL/range/1/second/1651152600000/1651175999999",
            json_reply(NOT_ENTITLED, status=403),
        )
        server.route(TRADES_PATH, json_reply(polygon_mock("v3/trades/AAPL&limit=2")))

        with pytest.raises(NoDataForDay, match=r"none of the 2 trades .* regular hours"):
            provider.day_bars(symbol="AAPL", day=day, resolution=Resolution.SECOND)

    def test_trades_also_not_entitled_is_a_provider_error(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        server.route(SECOND_PATH, json_reply(NOT_ENTITLED, status=403))
        server.route(TRADES_PATH, json_reply(NOT_ENTITLED, status=403))

        with pytest.raises(ProviderError, match=r"/v3/trades/AAPL: .*NOT_AUTHORIZED.*not entitled"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)


def trades_in_two_pages(server: ReplayServer) -> None:
    next_url = f"{server.url}{TRADES_PATH}?cursor=dHJhZGVzMg"
    server.route(
        TRADES_PATH,
        json_reply(polygon_trades_page(polygon_trade_rows(TRADES_PAGE_1), next_url=next_url)),
    )
    server.route(
        TRADES_PATH,
        json_reply(polygon_trades_page(polygon_trade_rows(TRADES_PAGE_2))),
        query={"cursor": "dHJhZGVzMg"},
    )


class FaultTests:
    def test_429_twice_then_success_waits_4_then_8(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        rows = polygon_bar_rows(MINUTES[:3])
        server.route(
            MINUTE_PATH,
            json_reply(RATE_LIMITED, 429),
            json_reply(RATE_LIMITED, 429),
            json_reply(polygon_aggs_page(rows)),
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 3
        assert sleeps == [4, 8]
        assert server.hits(MINUTE_PATH) == 3  # the library did not retry on its own

    def test_429_forever_gives_up_before_240_s_of_waiting(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(MINUTE_PATH, json_reply(RATE_LIMITED, 429))

        with pytest.raises(ProviderUnavailable) as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        # 4+8+16+32+64 = 124 s; one more wait (128 s) would make 252 s > 240 s, so it stops.
        assert sleeps == [4, 8, 16, 32, 64]
        assert sum(sleeps) <= 240
        assert raised.value.attempts == 6 == server.hits(MINUTE_PATH)
        assert raised.value.waited_s == 124
        message = str(raised.value)
        assert MINUTE_PATH in message and "HTTP 429" in message
        assert "124 s" in message and "128 s" in message and "240 s" in message

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_server_error_then_success_is_retried(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float], status: int
    ) -> None:
        server.route(
            MINUTE_PATH,
            json_reply(SERVER_ERROR, status),
            json_reply(polygon_aggs_page(polygon_bar_rows(MINUTES[:2]))),
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 2
        assert sleeps == [1]
        assert server.hits(MINUTE_PATH) == 2

    def test_500_forever_gives_up_after_three_retries(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(MINUTE_PATH, json_reply(SERVER_ERROR, 500))

        with pytest.raises(
            ProviderUnavailable, match=r"HTTP 500; gave up after 3 retries"
        ) as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert sleeps == [1, 1, 1]
        assert server.hits(MINUTE_PATH) == 4
        assert raised.value.waited_s == 3

    def test_refused_connection_is_retried_then_unavailable(
        self, backoff: Backoff, sleeps: list[float], calendar: MarketCalendar
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        provider = PolygonProvider(
            KEY, base_url=f"http://127.0.0.1:{port}", backoff=backoff, calendar=calendar
        )

        with pytest.raises(ProviderUnavailable, match="network error") as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert sleeps == [1, 1, 1]
        assert KEY not in str(raised.value)

    def test_connection_dropped_mid_body_is_retried(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        page = polygon_aggs_page(polygon_bar_rows(MINUTES[:5]))
        server.route(MINUTE_PATH, dropped_connection(page), json_reply(page))

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 5
        assert sleeps == [1]

    def test_truncated_json_is_a_provider_error_and_not_retried(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(MINUTE_PATH, truncated_json(polygon_aggs_page(polygon_bar_rows(MINUTES))))

        with pytest.raises(ProviderError, match="not valid JSON, truncated or malformed") as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert not isinstance(raised.value, ProviderUnavailable)
        assert str(raised.value).startswith(f"Polygon GET {MINUTE_PATH}:")
        assert server.hits(MINUTE_PATH) == 1 and sleeps == []

    def test_truncated_second_page_returns_nothing(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        rows = polygon_bar_rows(MINUTES)
        second_page = f"/v2/aggs/ticker/AAPL/range/1/minute/{MINUTES[600] * 1000}/{DAY}"
        next_url = f"{server.url}{second_page}?cursor=cDI"
        server.route(MINUTE_PATH, json_reply(polygon_aggs_page(rows[:600], next_url=next_url)))
        server.route(second_page, truncated_json(polygon_aggs_page(rows[600:])))

        with pytest.raises(ProviderError, match=rf"{second_page} \(page 2\): .*not valid JSON"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    def test_missing_field_names_the_field_and_result(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        rows = polygon_bar_rows(MINUTES[:10])
        del rows[7]["c"]
        server.route(MINUTE_PATH, json_reply(polygon_aggs_page(rows)))

        with pytest.raises(ProviderError, match=r"result 7 has no field 'c'"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    @pytest.mark.parametrize(
        ("field", "value", "expected"),
        [
            ("o", "170.1", r"field 'o' of result 3 must be a number, was '170.1'"),
            ("t", 1.5e12, r"field 't' of result 3 must be an integer"),
            ("n", None, r"field 'n' of result 3 must be an integer, was None"),
            ("h", True, r"field 'h' of result 3 must be a number, was True"),
        ],
    )
    def test_wrong_type_is_a_provider_error(
        self,
        provider: PolygonProvider,
        server: ReplayServer,
        field: str,
        value: object,
        expected: str,
    ) -> None:
        rows = polygon_bar_rows(MINUTES[:10])
        rows[3][field] = value
        server.route(MINUTE_PATH, json_reply(polygon_aggs_page(rows)))

        with pytest.raises(ProviderError, match=expected):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            ([1, 2, 3], "is a JSON list, expected an object"),
            ({"status": "OK", "results": {"t": 1}}, "field 'results' must be a list"),
            ({"status": "OK", "results": [1]}, "result 0 must be a JSON object"),
            ({"status": "OK", "resultsCount": 5}, "resultsCount is 5 but the response has no"),
            ({"status": "ERROR", "error": "bad"}, "status 'ERROR' 'bad'"),
        ],
    )
    def test_malformed_response_is_a_provider_error(
        self, provider: PolygonProvider, server: ReplayServer, payload: Any, expected: str
    ) -> None:
        server.route(MINUTE_PATH, json_reply(payload))

        with pytest.raises(ProviderError, match=expected):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    def test_bars_out_of_order_are_a_provider_error(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        rows = polygon_bar_rows(MINUTES[:10])
        rows[4], rows[5] = rows[5], rows[4]
        server.route(MINUTE_PATH, json_reply(polygon_aggs_page(rows)))

        with pytest.raises(ProviderError, match="not strictly increasing at row 5"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    def test_repeating_next_url_is_a_provider_error(
        self, provider: PolygonProvider, server: ReplayServer
    ) -> None:
        loop = f"{server.url}{MINUTE_PATH}?cursor=same"
        server.route(
            MINUTE_PATH, json_reply(polygon_aggs_page(polygon_bar_rows(MINUTES[:1]), next_url=loop))
        )

        with pytest.raises(ProviderError, match="next_url repeats an earlier page"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    def test_unknown_key_is_refused_without_naming_the_key(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(
            MINUTE_PATH,
            json_reply({"status": "ERROR", "request_id": "x", "error": "Unknown API Key"}, 401),
        )

        with pytest.raises(ProviderError, match=r"error \(ERROR\): Unknown API Key") as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert KEY not in str(raised.value) and sleeps == []

    def test_rate_limit_on_a_trades_page_is_waited_out(
        self, provider: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(SECOND_PATH, json_reply(NOT_ENTITLED, status=403))
        next_url = f"{server.url}{TRADES_PATH}?cursor=dHJhZGVzMg"
        server.route(
            TRADES_PATH,
            json_reply(polygon_trades_page(polygon_trade_rows(TRADES_PAGE_1), next_url=next_url)),
        )
        server.route(
            TRADES_PATH,
            json_reply(RATE_LIMITED, 429),
            json_reply(polygon_trades_page(polygon_trade_rows(TRADES_PAGE_2))),
            query={"cursor": "dHJhZGVzMg"},
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)

        assert_hand_aggregated(bars)
        assert sleeps == [4]


class ConstructionTests:
    def test_repr_does_not_show_the_key(self, server: ReplayServer) -> None:
        provider = PolygonProvider(KEY, base_url=server.url + "/")
        assert KEY not in repr(provider)
        assert provider.base_url == server.url
        assert provider.name == "polygon"

    @pytest.mark.parametrize(
        ("key", "url", "expected"),
        [("", "https://api.polygon.io", "needs an API key"), (KEY, "api.polygon.io", "http")],
    )
    def test_bad_settings_are_refused(self, key: str, url: str, expected: str) -> None:
        with pytest.raises(ConfigurationError, match=expected):
            PolygonProvider(key, base_url=url)
