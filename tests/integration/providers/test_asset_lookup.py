"""Asset lookups against the local replay server: a real provider refuses unknown tickers.

Polygon answers ``/v3/reference/tickers/{T}`` (its recorded AAPL reply; NOT_FOUND for others),
Alpaca ``/v2/assets/{T}`` on the trading API (alpaca-py's recorded AAPL asset; 404 otherwise).
The data jobs' existence check asks the configured provider, so a patch, heal or recollect of
an unknown ticker is refused before any job exists.
"""

from __future__ import annotations

from typing import Any

import pytest

from tc2.data.providers import AlpacaProvider, Backoff, PolygonProvider, ProviderError
from tc2.errors import ValidationFailed
from tc2.program.data_jobs import check_symbols_exist
from tc2.program.jobs import JobContext

from .conftest import ReplayServer, json_reply

ASSET_PATH = "/v2/assets/{symbol}"


@pytest.fixture
def polygon(server: ReplayServer, backoff: Backoff) -> PolygonProvider:
    return PolygonProvider("test-key", base_url=server.url, backoff=backoff, timeout_s=5)


@pytest.fixture
def alpaca(
    server: ReplayServer, backoff: Backoff, alpaca_responses: dict[str, Any]
) -> AlpacaProvider:
    asset = alpaca_responses["test_asset_routes::test_get_asset"]
    server.route(ASSET_PATH.format(symbol="AAPL"), json_reply(asset))
    return AlpacaProvider(
        "AKTESTKEYID0123",
        "secret-0123456789abcdef",
        data_url=server.url,
        trading_url=server.url,
        backoff=backoff,
        timeout_s=5,
    )


class PolygonLookupTests:
    def test_a_listed_ticker_is_known_and_another_is_not(
        self, polygon: PolygonProvider, server: ReplayServer
    ):
        assert polygon.has_symbol("AAPL") is True
        assert polygon.has_symbol("FOO") is False
        assert server.hits("/v3/reference/tickers/FOO") == 1

    def test_a_server_error_is_retried_then_reported(
        self, polygon: PolygonProvider, server: ReplayServer, sleeps: list[float]
    ):
        server.route("/v3/reference/tickers/SPY", json_reply({"status": "ERROR"}, status=500))

        with pytest.raises(ProviderError):
            polygon.has_symbol("SPY")
        assert sleeps  # retried before giving up


class AlpacaLookupTests:
    def test_a_listed_asset_is_known_and_another_is_not(
        self, alpaca: AlpacaProvider, server: ReplayServer
    ):
        assert alpaca.has_symbol("AAPL") is True
        assert alpaca.has_symbol("FOO") is False
        (seen,) = [s for s in server.requests if s.path == ASSET_PATH.format(symbol="AAPL")]
        assert seen.headers["APCA-API-KEY-ID"] == "AKTESTKEYID0123"

    def test_a_refusal_is_a_provider_error(self, alpaca: AlpacaProvider, server: ReplayServer):
        server.route(ASSET_PATH.format(symbol="SPY"), json_reply({"message": "forbidden"}, 403))

        with pytest.raises(ProviderError, match="HTTP 403"):
            alpaca.has_symbol("SPY")


class DataJobCheckTests:
    """The rule the API applies (422 naming ``symbols``), with the provider the env configures."""

    @pytest.fixture(autouse=True)
    def _polygon_configured(self, server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("TC2_DATA_PROVIDER", raising=False)
        monkeypatch.setenv("POLYGON_API_KEY", "test-key")
        monkeypatch.setenv("POLYGON_BASE_URL", server.url)

    def test_an_unknown_ticker_is_refused_naming_it(self):
        with pytest.raises(ValidationFailed) as caught:
            check_symbols_exist({"symbols": ["AAPL", "FOO"]}, JobContext(universe=("AAPL",)))

        assert caught.value.field_errors == {"symbols": ["Polygon has no such ticker: FOO"]}

    def test_a_known_ticker_outside_the_universe_may_be_collected(self, server: ReplayServer):
        check_symbols_exist({"symbols": ["AAPL"]}, JobContext(universe=("SPY",)))
        check_symbols_exist({"symbols": ["AAPL"]}, JobContext(universe=("SPY",)))

        assert server.hits("/v3/reference/tickers/AAPL") <= 1  # known tickers are remembered

    def test_through_the_alpaca_provider_too(
        self, server: ReplayServer, monkeypatch: pytest.MonkeyPatch, alpaca: AlpacaProvider
    ):
        monkeypatch.setenv("TC2_DATA_PROVIDER", "alpaca")
        monkeypatch.setenv("ALPACA_API_KEY_ID", "AKTESTKEYID0123")
        monkeypatch.setenv("ALPACA_API_SECRET_KEY", "secret-0123456789abcdef")
        monkeypatch.setenv("ALPACA_TRADING_URL", server.url)

        with pytest.raises(ValidationFailed) as caught:
            check_symbols_exist({"symbols": ["FOO"]}, JobContext())

        assert caught.value.field_errors == {"symbols": ["Alpaca has no such ticker: FOO"]}
