"""history_provider_from_environ: which provider the environment configures."""

from __future__ import annotations

import pytest

from tc2.data.providers import (
    DEFAULT_BASE_URL,
    AlpacaProvider,
    PolygonProvider,
    history_provider_from_environ,
)
from tc2.errors import ConfigurationError

POLYGON_KEY = "pk-secret-value"
ALPACA_ID = "AK-secret-id"
ALPACA_SECRET = "alpaca-secret-value"
SECRETS = (POLYGON_KEY, ALPACA_ID, ALPACA_SECRET)


class HistoryProviderFromEnvironTests:
    @pytest.mark.parametrize(
        "environ",
        [
            {},
            {"POLYGON_API_KEY": "  "},
            {"ALPACA_API_KEY_ID": ALPACA_ID, "ALPACA_API_SECRET_KEY": ALPACA_SECRET},
            {"TC2_DATA_PROVIDER": "synthetic", "POLYGON_API_KEY": POLYGON_KEY},
        ],
    )
    def test_nothing_configured_gives_none(self, environ: dict[str, str]) -> None:
        assert history_provider_from_environ(environ) is None

    def test_polygon_key_gives_polygon_at_its_default_url(self) -> None:
        provider = history_provider_from_environ({"POLYGON_API_KEY": POLYGON_KEY})

        assert isinstance(provider, PolygonProvider)
        assert provider.base_url == DEFAULT_BASE_URL == "https://api.polygon.io"

    def test_polygon_base_url_is_used(self) -> None:
        provider = history_provider_from_environ(
            {
                "TC2_DATA_PROVIDER": "Polygon",
                "POLYGON_API_KEY": POLYGON_KEY,
                "POLYGON_BASE_URL": "https://api.massive.com/",
            }
        )

        assert isinstance(provider, PolygonProvider)
        assert provider.base_url == "https://api.massive.com"

    def test_alpaca_with_keys_gives_alpaca(self) -> None:
        provider = history_provider_from_environ(
            {
                "TC2_DATA_PROVIDER": "alpaca",
                "ALPACA_API_KEY_ID": ALPACA_ID,
                "ALPACA_API_SECRET_KEY": ALPACA_SECRET,
                "ALPACA_DATA_URL": "http://127.0.0.1:9",
                "POLYGON_API_KEY": POLYGON_KEY,
            }
        )

        assert isinstance(provider, AlpacaProvider)
        assert provider.data_url == "http://127.0.0.1:9"

    def test_alpaca_without_a_data_url_uses_alpacas(self) -> None:
        provider = history_provider_from_environ(
            {
                "TC2_DATA_PROVIDER": "alpaca",
                "ALPACA_API_KEY_ID": ALPACA_ID,
                "ALPACA_API_SECRET_KEY": ALPACA_SECRET,
            }
        )

        assert isinstance(provider, AlpacaProvider)
        assert provider.data_url == "https://data.alpaca.markets"

    @pytest.mark.parametrize(
        ("environ", "missing"),
        [
            ({}, "missing: ALPACA_API_KEY_ID, ALPACA_API_SECRET_KEY"),
            ({"ALPACA_API_KEY_ID": ALPACA_ID}, "missing: ALPACA_API_SECRET_KEY"),
            ({"ALPACA_API_SECRET_KEY": ALPACA_SECRET}, "missing: ALPACA_API_KEY_ID"),
            ({"ALPACA_API_KEY_ID": ALPACA_ID, "ALPACA_API_SECRET_KEY": " "}, "SECRET_KEY$"),
        ],
    )
    def test_alpaca_without_keys_names_the_missing_variables(
        self, environ: dict[str, str], missing: str
    ) -> None:
        with pytest.raises(ConfigurationError, match=missing) as raised:
            history_provider_from_environ({"TC2_DATA_PROVIDER": "alpaca", **environ})

        assert not any(secret in str(raised.value) for secret in SECRETS)

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"TC2_DATA_PROVIDER": "polygon"}, "needs POLYGON_API_KEY; missing: POLYGON_API_KEY"),
            ({"TC2_DATA_PROVIDER": "iex"}, "must be one of polygon, alpaca, synthetic .*'iex'"),
            (
                {"POLYGON_API_KEY": POLYGON_KEY, "POLYGON_BASE_URL": "api.polygon.io"},
                "POLYGON_BASE_URL must start with http:// or https://, was 'api.polygon.io'",
            ),
            (
                {
                    "TC2_DATA_PROVIDER": "alpaca",
                    "ALPACA_API_KEY_ID": ALPACA_ID,
                    "ALPACA_API_SECRET_KEY": ALPACA_SECRET,
                    "ALPACA_DATA_URL": "ftp://x",
                },
                "ALPACA_DATA_URL must start with http",
            ),
        ],
    )
    def test_bad_configuration_is_refused_without_secrets(
        self, environ: dict[str, str], expected: str
    ) -> None:
        with pytest.raises(ConfigurationError, match=expected) as raised:
            history_provider_from_environ(environ)

        assert not any(secret in str(raised.value) for secret in SECRETS)
