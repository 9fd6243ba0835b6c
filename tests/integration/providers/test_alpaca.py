"""AlpacaProvider through the real alpaca-py client against a local replay server."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.providers import (
    AlpacaProvider,
    Backoff,
    NoDataForDay,
    ProviderError,
    ProviderUnavailable,
)
from tc2.env import MarketCalendar
from tc2.errors import ConfigurationError

from .conftest import (
    DAY,
    DAY_OPEN_S,
    NS,
    TRADES_PAGE_1,
    TRADES_PAGE_2,
    ReplayServer,
    assert_hand_aggregated,
    dropped_connection,
    json_reply,
    truncated_json,
)

KEY_ID = "AKTESTKEYID0123"
SECRET = "secret-0123456789abcdef"
BARS_PATH = "/v2/stocks/bars"
TRADES_PATH = "/v2/stocks/trades"
MINUTES = [DAY_OPEN_S - 5 * 3600 - 1800 + 60 * i for i in range(960)]  # 04:00-19:59 New York
RATE_LIMITED = {"code": 42910000, "message": "rate limit exceeded"}
STOCK_TESTS = "test_historical_stock_data"


@pytest.fixture
def provider(server: ReplayServer, backoff: Backoff, calendar: MarketCalendar) -> AlpacaProvider:
    return AlpacaProvider(
        KEY_ID, SECRET, data_url=server.url, backoff=backoff, calendar=calendar, timeout_s=5
    )


def rfc3339(t_ns: int) -> str:
    seconds, fraction = divmod(t_ns, NS)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction:09d}Z"


def bar_rows(alpaca_responses: dict[str, Any], t_s: list[int]) -> list[dict[str, Any]]:
    """Bars in the shape of alpaca-py's test_get_bars response (t, o, h, l, c, v, n, vw)."""
    template = alpaca_responses[f"{STOCK_TESTS}::test_get_bars"]["bars"]["AAPL"][0]
    rows = []
    for i, t in enumerate(t_s):
        price = round(170.0 + (i % 40) * 0.01, 4)
        row = dict(template)
        row.update(
            t=rfc3339(t * NS).replace(".000000000Z", "Z"),
            o=price,
            h=round(price + 0.04, 4),
            l=round(price - 0.02, 4),
            c=round(price + 0.01, 4),
            v=500 + i,
            n=5 + i % 3,
            vw=round(price + 0.005, 6),
        )
        rows.append(row)
    return rows


def trade_rows(
    alpaca_responses: dict[str, Any], trades: list[tuple[int, float, float]]
) -> list[dict[str, Any]]:
    """Trades in the shape of alpaca-py's test_get_trades response (t, x, p, s, c, i, z)."""
    template = alpaca_responses[f"{STOCK_TESTS}::test_get_trades"]["trades"]["AAPL"][0]
    rows = []
    for i, (t_ns, price, size) in enumerate(trades):
        row = copy.deepcopy(template)
        row.update(t=rfc3339(t_ns), p=price, s=size, i=100 + i)
        rows.append(row)
    return rows


def page(key: str, rows: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    return {key: {"AAPL": rows}, "next_page_token": token}


class MinuteBarsTests:
    def test_real_multisymbol_payload_gives_the_symbols_bar(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        day = date(2022, 3, 9)
        server.route(
            BARS_PATH, json_reply(alpaca_responses[f"{STOCK_TESTS}::test_multisymbol_get_bars"])
        )

        bars = provider.day_bars(symbol="AAPL", day=day, resolution=Resolution.MINUTE)

        assert list(bars.t) == [1646802000]  # 2022-03-09T05:00:00Z
        assert bars.n is not None and bars.vw is not None
        assert (bars.o[0], bars.h[0], bars.l[0], bars.c[0]) == (161.51, 163.41, 159.41, 162.95)
        assert (bars.v[0], bars.n[0], bars.vw[0]) == (88496480, 700291, 161.942117)
        [seen] = server.requests
        assert seen.query == {
            "symbols": "AAPL",
            "timeframe": "1Min",
            "start": "2022-03-09T05:00:00+00:00",
            "end": "2022-03-10T04:59:59+00:00",
            "limit": "10000",
            "adjustment": "raw",
        }
        assert seen.headers["APCA-API-KEY-ID"] == KEY_ID
        assert seen.headers["APCA-API-SECRET-KEY"] == SECRET

    def test_real_payload_with_a_next_page_spanning_two_days_is_rejected(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        first = alpaca_responses[f"{STOCK_TESTS}::test_get_bars"]  # 2022-02-01 and 02-02
        server.route(BARS_PATH, json_reply(first))
        server.route(
            BARS_PATH,
            json_reply(alpaca_responses[f"{STOCK_TESTS}::test_get_bars_single_empty_response"]),
            query={"page_token": first["next_page_token"]},
        )

        with pytest.raises(ProviderError, match=r"bar 1 starts at 1643778000 .* not on 2022-02-01"):
            provider.day_bars(symbol="AAPL", day=date(2022, 2, 1), resolution=Resolution.MINUTE)

        assert [q.get("page_token") for q in server.queries(BARS_PATH)] == [
            None,
            first["next_page_token"],
        ]

    def test_pages_are_joined_in_order(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        sleeps: list[float],
    ) -> None:
        rows = bar_rows(alpaca_responses, MINUTES)
        server.route(BARS_PATH, json_reply(page("bars", rows[:700], token="cGFnZTI=")))
        server.route(
            BARS_PATH, json_reply(page("bars", rows[700:])), query={"page_token": "cGFnZTI="}
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        np.testing.assert_array_equal(bars.t, MINUTES)
        np.testing.assert_array_equal(bars.c, [row["c"] for row in rows])
        np.testing.assert_array_equal(bars.n, [row["n"] for row in rows])
        assert server.hits(BARS_PATH) == 2 and sleeps == []

    def test_empty_response_is_no_data(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        server.route(
            BARS_PATH,
            json_reply(alpaca_responses[f"{STOCK_TESTS}::test_get_bars_single_empty_response"]),
        )

        with pytest.raises(NoDataForDay, match="no minute bars for AAPL on 2024-03-05"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)


class SecondBarsTests:
    def test_trades_are_aggregated_into_seconds(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        server.route(
            TRADES_PATH,
            json_reply(page("trades", trade_rows(alpaca_responses, TRADES_PAGE_1), "dDI=")),
        )
        server.route(
            TRADES_PATH,
            json_reply(page("trades", trade_rows(alpaca_responses, TRADES_PAGE_2))),
            query={"page_token": "dDI="},
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.SECOND)

        assert_hand_aggregated(bars)
        assert server.queries(TRADES_PATH)[0] == {
            "symbols": "AAPL",
            "start": "2024-03-05T14:30:00+00:00",
            "end": "2024-03-05T21:00:00+00:00",
            "limit": "10000",
        }

    def test_real_trades_before_the_open_give_no_data(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
    ) -> None:
        # alpaca-py's test trades are at 00:00 New York on 2022-03-09, long before the open.
        first = alpaca_responses[f"{STOCK_TESTS}::test_get_trades"]
        server.route(TRADES_PATH, json_reply(first))
        server.route(
            TRADES_PATH,
            json_reply(alpaca_responses[f"{STOCK_TESTS}::test_get_trades_multi_empty_response"]),
            query={"page_token": first["next_page_token"]},
        )

        with pytest.raises(NoDataForDay, match=r"none of the 2 trades .* regular hours"):
            provider.day_bars(symbol="AAPL", day=date(2022, 3, 9), resolution=Resolution.SECOND)


class FaultTests:
    def test_429_twice_then_success_waits_4_then_8(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        sleeps: list[float],
    ) -> None:
        server.route(
            BARS_PATH,
            json_reply(RATE_LIMITED, 429),
            json_reply(RATE_LIMITED, 429),
            json_reply(page("bars", bar_rows(alpaca_responses, MINUTES[:4]))),
        )

        bars = provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 4
        assert sleeps == [4, 8]
        assert server.hits(BARS_PATH) == 3  # alpaca-py's own 429 retry is off

    def test_429_forever_gives_up(
        self, provider: AlpacaProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(BARS_PATH, json_reply(RATE_LIMITED, 429))

        with pytest.raises(ProviderUnavailable, match="still rate-limited"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert sleeps == [4, 8, 16, 32, 64]

    def test_504_forever_gives_up_after_three_retries(
        self, provider: AlpacaProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        # 504 is also in alpaca-py's own retry list; only our policy may retry it.
        server.route(BARS_PATH, json_reply({"message": "gateway timeout"}, 504))

        with pytest.raises(ProviderUnavailable, match=r"HTTP 504; gave up after 3 retries"):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert sleeps == [1, 1, 1]
        assert server.hits(BARS_PATH) == 4

    def test_500_then_success_is_retried(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        sleeps: list[float],
    ) -> None:
        server.route(
            BARS_PATH,
            json_reply({"message": "internal server error"}, 500),
            json_reply(page("bars", bar_rows(alpaca_responses, MINUTES[:4]))),
        )

        assert len(provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)) == 4
        assert sleeps == [1]

    def test_dropped_connection_is_retried(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        sleeps: list[float],
    ) -> None:
        body = page("bars", bar_rows(alpaca_responses, MINUTES[:4]))
        server.route(BARS_PATH, dropped_connection(body), json_reply(body))

        assert len(provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)) == 4
        assert sleeps == [1]

    def test_truncated_json_is_a_provider_error_and_not_retried(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        sleeps: list[float],
    ) -> None:
        server.route(BARS_PATH, truncated_json(page("bars", bar_rows(alpaca_responses, MINUTES))))

        with pytest.raises(ProviderError, match="not valid JSON, truncated or malformed") as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert not isinstance(raised.value, ProviderUnavailable)
        assert str(raised.value).startswith(f"Alpaca GET {BARS_PATH}:")
        assert server.hits(BARS_PATH) == 1 and sleeps == []

    def test_refusal_gives_alpacas_message_without_the_keys(
        self, provider: AlpacaProvider, server: ReplayServer, sleeps: list[float]
    ) -> None:
        server.route(
            BARS_PATH,
            json_reply(
                {"code": 40310000, "message": "subscription does not permit querying recent SIP"},
                403,
            ),
        )

        with pytest.raises(ProviderError, match=r"HTTP 403\): 'subscription does not") as raised:
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert KEY_ID not in str(raised.value) and SECRET not in str(raised.value)
        assert sleeps == []

    @pytest.mark.parametrize(
        ("mutate", "expected"),
        [
            (lambda row: row.pop("c"), r"result 2 has no field 'c'"),
            (lambda row: row.update(t="2024-03-05 14:30:00"), r"field 't' of result 2 must be"),
            (lambda row: row.update(t="2024-13-45T00:00:00Z"), r"field 't' of result 2 is not a"),
            (lambda row: row.update(v="many"), r"field 'v' of result 2 must be a number"),
        ],
    )
    def test_malformed_bar_is_a_provider_error(
        self,
        provider: AlpacaProvider,
        server: ReplayServer,
        alpaca_responses: dict[str, Any],
        mutate: Any,
        expected: str,
    ) -> None:
        rows = bar_rows(alpaca_responses, MINUTES[:5])
        mutate(rows[2])
        server.route(BARS_PATH, json_reply(page("bars", rows)))

        with pytest.raises(ProviderError, match=expected):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            ({"next_page_token": None}, "the response has no 'bars' field"),
            ({"bars": [1], "next_page_token": None}, "must be an object keyed by symbol"),
            ({"bars": {"AAPL": {}}, "next_page_token": None}, r"bars\['AAPL'\] must be a list"),
            ({"bars": {}, "next_page_token": 7}, "next_page_token must be a string"),
        ],
    )
    def test_malformed_response_is_a_provider_error(
        self, provider: AlpacaProvider, server: ReplayServer, payload: Any, expected: str
    ) -> None:
        server.route(BARS_PATH, json_reply(payload))

        with pytest.raises(ProviderError, match=expected):
            provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)


class ConstructionTests:
    def test_repr_does_not_show_the_keys(self, server: ReplayServer) -> None:
        provider = AlpacaProvider(KEY_ID, SECRET, data_url=server.url, feed="iex")
        assert KEY_ID not in repr(provider) and SECRET not in repr(provider)
        assert provider.data_url == server.url and provider.name == "alpaca"

    def test_feed_is_sent(
        self,
        server: ReplayServer,
        backoff: Backoff,
        calendar: MarketCalendar,
        alpaca_responses: dict[str, Any],
    ) -> None:
        provider = AlpacaProvider(
            KEY_ID, SECRET, data_url=server.url, feed="iex", backoff=backoff, calendar=calendar
        )
        server.route(BARS_PATH, json_reply(page("bars", bar_rows(alpaca_responses, MINUTES[:2]))))

        provider.day_bars(symbol="AAPL", day=DAY, resolution=Resolution.MINUTE)

        assert server.queries(BARS_PATH)[0]["feed"] == "iex"

    @pytest.mark.parametrize(
        ("key", "secret", "options", "expected"),
        [
            ("", SECRET, {}, "missing: key id"),
            (KEY_ID, "", {}, "missing: secret key"),
            (KEY_ID, SECRET, {"data_url": "data.alpaca.markets"}, "http"),
            (KEY_ID, SECRET, {"feed": "nasdaq"}, "feed must be one of"),
        ],
    )
    def test_bad_settings_are_refused(
        self, key: str, secret: str, options: dict[str, Any], expected: str
    ) -> None:
        with pytest.raises(ConfigurationError, match=expected) as raised:
            AlpacaProvider(key, secret, **options)
        assert SECRET not in str(raised.value)
