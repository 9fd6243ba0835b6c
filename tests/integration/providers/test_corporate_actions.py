"""Corporate actions (splits, dividends) through the real polygon-api-client and alpaca-py
against the local replay server, on the providers' own published payloads."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.providers import AlpacaProvider, Backoff, PolygonProvider, ProviderError
from tc2.env import MarketCalendar

from .conftest import ALPACA_RESPONSES, ReplayServer, json_reply, polygon_mock

KEY = "pk-test-0123456789"
KEY_ID = "AKTESTKEYID0123"
SECRET = "secret-0123456789abcdef"
SPLITS_PATH = "/v3/reference/splits"
DIVIDENDS_PATH = "/v3/reference/dividends"
ACTIONS_PATH = "/v1/corporate-actions"


@pytest.fixture
def polygon(server: ReplayServer, backoff: Backoff, calendar: MarketCalendar) -> PolygonProvider:
    return PolygonProvider(KEY, base_url=server.url, backoff=backoff, calendar=calendar)


@pytest.fixture
def alpaca(server: ReplayServer, backoff: Backoff, calendar: MarketCalendar) -> AlpacaProvider:
    return AlpacaProvider(
        KEY_ID, SECRET, data_url=server.url, backoff=backoff, calendar=calendar, timeout_s=5
    )


@pytest.fixture
def alpaca_action_pages(shared_fixtures: object) -> list[dict[str, Any]]:
    """alpaca-py's two corporate-action pages (the first has a next_page_token), in order."""
    fixtures = json.loads(ALPACA_RESPONSES.read_text())["fixtures"]
    return [
        item["response_body"]
        for item in sorted(fixtures, key=lambda item: item["line"])
        if item["test"] == "test_get_corporate_actions"
    ]


def serve_polygon_mocks(server: ReplayServer) -> None:
    server.route(SPLITS_PATH, json_reply(polygon_mock("v3/reference/splits")))
    server.route(DIVIDENDS_PATH, json_reply(polygon_mock("v3/reference/dividends")))


class PolygonCorporateActionsTests:
    def test_the_symbols_splits_come_from_the_real_splits_payload(
        self, polygon: PolygonProvider, server: ReplayServer
    ) -> None:
        serve_polygon_mocks(server)

        actions = polygon.corporate_actions(
            symbol="SHOP", start=date(2022, 1, 1), end=date(2022, 12, 31)
        )

        assert actions == [
            CorporateAction(
                symbol="SHOP",
                ex_date=date(2022, 6, d),
                kind=ActionKind.SPLIT,
                ratio=10.0,
                source="polygon",
            )
            for d in (22, 29)
        ]
        [splits] = server.queries(SPLITS_PATH)
        assert splits["ticker"] == "SHOP"
        assert splits["execution_date.gte"] == "2022-01-01"
        assert splits["execution_date.lte"] == "2022-12-31"
        assert splits["limit"] == "1000"
        [dividends] = server.queries(DIVIDENDS_PATH)
        assert dividends["ticker"] == "SHOP"
        assert dividends["ex_dividend_date.gte"] == "2022-01-01"

    def test_reverse_splits_and_cash_dividends_keep_their_figures(
        self, polygon: PolygonProvider, server: ReplayServer
    ) -> None:
        serve_polygon_mocks(server)

        brw = polygon.corporate_actions(
            symbol="BRW", start=date(2022, 1, 1), end=date(2022, 12, 31)
        )
        cssen = polygon.corporate_actions(
            symbol="CSSEN", start=date(2023, 1, 1), end=date(2025, 12, 31)
        )

        assert [(a.ex_date, a.ratio) for a in brw] == [(date(2022, 5, 20), 0.5)]
        assert [(a.ex_date, a.kind, a.cash) for a in cssen][:2] == [
            (date(2023, 9, 14), ActionKind.DIVIDEND, 0.59375),
            (date(2023, 12, 14), ActionKind.DIVIDEND, 0.59375),
        ]
        assert len(cssen) == 8  # the other two rows are AIRTP's

    def test_a_split_row_that_divides_by_zero_is_a_provider_error(
        self, polygon: PolygonProvider, server: ReplayServer
    ) -> None:
        payload = copy.deepcopy(polygon_mock("v3/reference/splits"))
        payload["results"][0]["split_from"] = 0
        server.route(SPLITS_PATH, json_reply(payload))
        server.route(DIVIDENDS_PATH, json_reply(polygon_mock("v3/reference/dividends")))

        with pytest.raises(ProviderError, match="not a split row"):
            polygon.corporate_actions(
                symbol="GOOGL", start=date(2022, 1, 1), end=date(2022, 12, 31)
            )

    def test_a_range_that_ends_before_it_starts_sends_nothing(
        self, polygon: PolygonProvider, server: ReplayServer
    ) -> None:
        with pytest.raises(ValueError, match="end must not be before start"):
            polygon.corporate_actions(symbol="SHOP", start=date(2022, 2, 1), end=date(2022, 1, 1))
        assert server.requests == []


class AlpacaCorporateActionsTests:
    def test_both_pages_are_read_and_every_kind_is_mapped(
        self,
        alpaca: AlpacaProvider,
        server: ReplayServer,
        alpaca_action_pages: list[dict[str, Any]],
    ) -> None:
        first, second = alpaca_action_pages
        server.route(ACTIONS_PATH, json_reply(first))
        server.route(
            ACTIONS_PATH, json_reply(second), query={"page_token": first["next_page_token"]}
        )
        span = {"start": date(2023, 1, 1), "end": date(2024, 12, 31)}

        found = {
            symbol: alpaca.corporate_actions(symbol=symbol, **span)
            for symbol in ("SRE", "MNTS", "MSBC", "FCF", "ZMTBY")
        }

        def one(symbol: str) -> tuple[date, ActionKind, float | None, float | None]:
            [action] = found[symbol]
            return action.ex_date, action.kind, action.ratio, action.cash

        assert one("SRE") == (date(2023, 8, 22), ActionKind.SPLIT, 2.0, None)  # forward 2:1
        assert one("MNTS") == (date(2023, 8, 24), ActionKind.SPLIT, 0.02, None)  # reverse 1:50
        assert one("MSBC") == (date(2023, 5, 19), ActionKind.SPLIT, 1.05, None)  # 5 % in stock
        assert one("FCF") == (date(2023, 5, 4), ActionKind.DIVIDEND, None, 0.125)
        assert one("ZMTBY") == (date(2024, 8, 7), ActionKind.DIVIDEND, None, 0.086928)  # page 2
        query = server.queries(ACTIONS_PATH)[0]
        assert query["symbols"] == "SRE"
        assert query["types"] == "forward_split,reverse_split,stock_dividend,cash_dividend"
        assert (query["start"], query["end"], query["limit"]) == (
            "2023-01-01",
            "2024-12-31",
            "1000",
        )
        assert server.requests[0].headers["APCA-API-KEY-ID"] == KEY_ID

    def test_a_page_token_that_repeats_is_refused_not_followed_forever(
        self,
        alpaca: AlpacaProvider,
        server: ReplayServer,
        alpaca_action_pages: list[dict[str, Any]],
    ) -> None:
        server.route(ACTIONS_PATH, json_reply(alpaca_action_pages[0]))  # always the same token

        with pytest.raises(ProviderError, match="next_page_token repeats"):
            alpaca.corporate_actions(symbol="SRE", start=date(2023, 1, 1), end=date(2023, 12, 31))
        assert server.hits(ACTIONS_PATH) == 2

    def test_a_malformed_section_is_a_provider_error(
        self, alpaca: AlpacaProvider, server: ReplayServer
    ) -> None:
        server.route(
            ACTIONS_PATH,
            json_reply(
                {
                    "corporate_actions": {
                        "forward_splits": [
                            {
                                "symbol": "SRE",
                                "ex_date": "2023-08-22",
                                "new_rate": -2,
                                "old_rate": 1,
                            }
                        ]
                    },
                    "next_page_token": None,
                }
            ),
        )

        with pytest.raises(ProviderError, match="not a forward_split"):
            alpaca.corporate_actions(symbol="SRE", start=date(2023, 1, 1), end=date(2023, 12, 31))
