"""Market-data providers: a symbol-day of history from Polygon or Alpaca, behind one interface.

``history_provider_from_environ`` picks the provider the environment configures, or None when
no provider is configured (the caller then uses the synthetic market).
``live_stream_from_environ`` picks the live bar stream (``stream.py``) by the same rules. The
factories live here, above the providers and streams they build, so no implementation module
imports another's factory and none imports this package.
"""

from __future__ import annotations

from collections.abc import Mapping

from tc2.data.providers.alpaca import AlpacaProvider
from tc2.data.providers.alpaca_stream import (
    ALPACA_STREAM_URL_VARIABLE,
    DEFAULT_ALPACA_STREAM_URL,
    AlpacaStream,
)
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import (
    HISTORY_RESOLUTIONS,
    HistoryProvider,
    NoDataForDay,
    ProviderError,
    ProviderUnavailable,
)
from tc2.data.providers.polygon import DEFAULT_BASE_URL, PolygonProvider
from tc2.data.providers.polygon_stream import (
    DEFAULT_POLYGON_STREAM_URL,
    POLYGON_STREAM_URL_VARIABLE,
    PolygonStream,
)
from tc2.data.providers.stream import LiveBarStream, StreamBar
from tc2.data.providers.trades import seconds_from_trades
from tc2.env import MarketCalendar
from tc2.errors import ConfigurationError

PROVIDER_VARIABLE = "TC2_DATA_PROVIDER"
PROVIDER_CHOICES = ("polygon", "alpaca", "synthetic")
POLYGON_KEY_VARIABLE = "POLYGON_API_KEY"
POLYGON_URL_VARIABLE = "POLYGON_BASE_URL"
ALPACA_KEY_VARIABLES = ("ALPACA_API_KEY_ID", "ALPACA_API_SECRET_KEY")
ALPACA_URL_VARIABLE = "ALPACA_DATA_URL"
ALPACA_TRADING_URL_VARIABLE = "ALPACA_TRADING_URL"

UNKNOWN_PROVIDER_MESSAGE = "TC2_DATA_PROVIDER must be one of {choices} or empty, was {value!r}"
MISSING_VARIABLES_MESSAGE = "TC2_DATA_PROVIDER={provider} needs {needed}; missing: {missing}"
BAD_URL_MESSAGE = "{variable} must start with http:// or https://, was {value!r}"

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_BASE_URL",
    "HISTORY_RESOLUTIONS",
    "AlpacaProvider",
    "AlpacaStream",
    "Backoff",
    "HistoryProvider",
    "LiveBarStream",
    "NoDataForDay",
    "PolygonProvider",
    "PolygonStream",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "StreamBar",
    "TransientFailure",
    "configured_provider",
    "history_provider_from_environ",
    "live_stream_from_environ",
    "seconds_from_trades",
]


def history_provider_from_environ(
    environ: Mapping[str, str],
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    calendar: MarketCalendar | None = None,
) -> HistoryProvider | None:
    """Return the history provider the environment configures, or None for the synthetic market.

    ``TC2_DATA_PROVIDER`` chooses: ``alpaca`` needs ``ALPACA_API_KEY_ID`` and
    ``ALPACA_API_SECRET_KEY`` (``ALPACA_DATA_URL`` optional); ``polygon`` needs
    ``POLYGON_API_KEY`` (``POLYGON_BASE_URL`` optional, for Massive or a proxy); ``synthetic``
    means no provider. Empty or unset: Polygon when ``POLYGON_API_KEY`` is set, else None.
    Blank values count as unset.

    Parameters
    ----------
    environ
        The environment, such as ``os.environ``.
    backoff, calendar
        Passed to the provider.

    Returns
    -------
    HistoryProvider | None
        The provider, or None when none is configured.

    Raises
    ------
    ConfigurationError
        If ``TC2_DATA_PROVIDER`` is unknown, the chosen provider's keys are missing (the message
        names the variables, never their values) or a URL variable is not an http(s) URL.
    """
    name, env = configured_provider(environ)
    if name == "alpaca":
        return AlpacaProvider(
            env[ALPACA_KEY_VARIABLES[0]],
            env[ALPACA_KEY_VARIABLES[1]],
            data_url=_url(env, ALPACA_URL_VARIABLE),
            trading_url=_url(env, ALPACA_TRADING_URL_VARIABLE),
            backoff=backoff,
            calendar=calendar,
        )
    if name == "polygon":
        return PolygonProvider(
            env[POLYGON_KEY_VARIABLE],
            base_url=_url(env, POLYGON_URL_VARIABLE) or DEFAULT_BASE_URL,
            backoff=backoff,
            calendar=calendar,
        )
    return None


def live_stream_from_environ(
    environ: Mapping[str, str], *, backoff: Backoff = DEFAULT_BACKOFF
) -> LiveBarStream | None:
    """Return the live stream the environment configures, or None when none is.

    The rules of ``history_provider_from_environ``: ``TC2_DATA_PROVIDER=alpaca`` needs
    ``ALPACA_API_KEY_ID`` and ``ALPACA_API_SECRET_KEY`` (``ALPACA_STREAM_URL`` optional, default
    ``wss://stream.data.alpaca.markets/v2/iex``; ``.../v2/sip`` for the SIP feed); ``polygon``
    needs ``POLYGON_API_KEY`` (``POLYGON_STREAM_URL`` optional, default
    ``wss://socket.polygon.io``; the ``/stocks`` cluster path is added); ``synthetic`` means no
    stream. Empty or unset: Polygon when ``POLYGON_API_KEY`` is set, else None. Blank values
    count as unset.

    Parameters
    ----------
    environ
        The environment, such as ``os.environ``.
    backoff
        Passed to the stream.

    Returns
    -------
    LiveBarStream | None
        The stream, or None when none is configured.

    Raises
    ------
    ConfigurationError
        If ``TC2_DATA_PROVIDER`` is unknown, the chosen provider's keys are missing (the message
        names the variables, never their values) or a stream URL is not a ws(s):// URL.
    """
    name, env = configured_provider(environ)
    if name == "alpaca":
        return AlpacaStream(
            env[ALPACA_KEY_VARIABLES[0]],
            env[ALPACA_KEY_VARIABLES[1]],
            url=env.get(ALPACA_STREAM_URL_VARIABLE) or DEFAULT_ALPACA_STREAM_URL,
            backoff=backoff,
        )
    if name == "polygon":
        return PolygonStream(
            env[POLYGON_KEY_VARIABLE],
            url=env.get(POLYGON_STREAM_URL_VARIABLE) or DEFAULT_POLYGON_STREAM_URL,
            backoff=backoff,
        )
    return None


def configured_provider(environ: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """Which market-data provider the environment chooses, and the environment with values stripped.

    Returns ``("alpaca" | "polygon" | None, env)``: the one place that reads
    ``TC2_DATA_PROVIDER`` and checks the chosen provider's keys, for history and streams alike.

    Raises
    ------
    ConfigurationError
        If ``TC2_DATA_PROVIDER`` is unknown or the chosen provider's keys are missing (the
        message names the variables, never their values).
    """
    env = {name: value.strip() for name, value in environ.items()}
    choice = env.get(PROVIDER_VARIABLE, "").lower()
    if choice not in ("", *PROVIDER_CHOICES):
        raise ConfigurationError(
            UNKNOWN_PROVIDER_MESSAGE.format(
                choices=", ".join(PROVIDER_CHOICES), value=env[PROVIDER_VARIABLE]
            )
        )
    if choice == "synthetic":
        return None, env
    if choice == "alpaca":
        missing = [name for name in ALPACA_KEY_VARIABLES if not env.get(name)]
        if missing:
            raise ConfigurationError(
                MISSING_VARIABLES_MESSAGE.format(
                    provider="alpaca",
                    needed=" and ".join(ALPACA_KEY_VARIABLES),
                    missing=", ".join(missing),
                )
            )
        return "alpaca", env
    if not env.get(POLYGON_KEY_VARIABLE):
        if choice == "polygon":
            raise ConfigurationError(
                MISSING_VARIABLES_MESSAGE.format(
                    provider="polygon", needed=POLYGON_KEY_VARIABLE, missing=POLYGON_KEY_VARIABLE
                )
            )
        return None, env
    return "polygon", env


def _url(env: Mapping[str, str], variable: str) -> str | None:
    value = env.get(variable, "")
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise ConfigurationError(BAD_URL_MESSAGE.format(variable=variable, value=value))
    return value
