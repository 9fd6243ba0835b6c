"""What a trader needs to trade at a broker (PAPER or LIVE) instead of the replay market.

``StreamCacheBarSource`` gives the runs the session's completed bars from the live stream cache
(``StreamCache``: the bar streamer pushes every streamed bar there), and ``BrokerAccounts`` gives
each run its account: an ``AlpacaBroker`` on the key's one shared hub (one account stream per
key in the process), made from the run's recorded id, behind a ``BrokerMarket``. The broker
records its orders and fills itself (``Account.records_orders``), so the run's recording facade
only names them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

from tc2.data.bars import Resolution
from tc2.data.providers.stream import StreamBar
from tc2.data.stream_cache import StreamCache
from tc2.env.trading_settings import AlpacaEndpoint
from tc2.execution.alpaca_broker import AlpacaBroker, alpaca_credentials, alpaca_endpoints
from tc2.execution.alpaca_hub import shared_hub
from tc2.execution.alpaca_stream import StreamState
from tc2.execution.market import BrokerMarket, MarketAccount
from tc2.execution.trade_records import TradeRecorder
from tc2.program.trading.trader_parts import PlannedRun, completed_bars


class StreamCacheBarSource:
    """Completed bars of today's sessions from the live stream cache.

    Parameters
    ----------
    cache
        The stream cache (its Redis client is used under a lock: runs read from their threads).
    """

    def __init__(self, cache: StreamCache) -> None:
        self.cache = cache
        self._lock = threading.Lock()

    def completed(
        self, *, symbol: str, day: date, resolution: Resolution, after_t: int, until_t: int
    ) -> list[StreamBar]:
        """The cached bars of ``symbol`` on ``day`` ending in ``(after_t, until_t]``."""
        if until_t <= after_t:
            return []
        with self._lock:
            bars = self.cache.day_bars(symbol=symbol, day=day, resolution=resolution)
        return completed_bars(
            bars, symbol=symbol, resolution=resolution, after_t=after_t, until_t=until_t
        )


class BrokerAccounts:
    """Gives each planned run its Alpaca account (``LiveRunFactory(account=...)``).

    Parameters
    ----------
    endpoint
        Paper or live (live refused unless ``allow_live``: ``TC2_ALLOW_LIVE=1``).
    allow_live
        The environment's switch.
    recorder
        The trader's recorder (the hub records every order and fill of the key through it).
    environ
        Where the keys and URL overrides are read (``os.environ`` by default).
    hub_options
        Passed to the hub when this process creates it (tests: a fast backoff).

    Raises
    ------
    ConfigurationError
        Live without both switches, or keys missing (at construction: the trader says so at
        start, not at its first run).
    """

    def __init__(
        self,
        *,
        endpoint: AlpacaEndpoint,
        allow_live: bool,
        recorder: TradeRecorder,
        environ: Mapping[str, str] | None = None,
        **hub_options: Any,
    ) -> None:
        self.endpoints = alpaca_endpoints(endpoint, allow_live=allow_live, environ=environ)
        self.credentials = alpaca_credentials(environ)
        self.recorder = recorder
        self.hub_options = hub_options
        self.brokers: dict[str, AlpacaBroker] = {}
        self._lock = threading.Lock()

    def __call__(self, plan: PlannedRun, run_id: int) -> MarketAccount:
        """The account of ``plan``'s run, recorded as ``run_id``."""
        with self._lock:
            old = self.brokers.pop(plan.run_key, None)
        if old is not None:
            old.close()  # a run made again (catch-up) replaces its broker view
        hub = shared_hub(self.credentials, self.endpoints, self.recorder, **self.hub_options)
        try:
            broker = AlpacaBroker(hub, run_id=run_id, run_key=plan.run_key)
        finally:
            hub.release()
        with self._lock:
            self.brokers[plan.run_key] = broker
        return BrokerMarket(broker)

    def stream_state(self) -> StreamState | None:
        """The key's account stream (stale: silent in market hours too long); None before
        the first run connected it."""
        with self._lock:
            broker = next(iter(self.brokers.values()), None)
        return None if broker is None else broker.stream_state()

    def close(self) -> None:
        """Close every run's broker view (the last one closes the key's connection)."""
        with self._lock:
            brokers, self.brokers = list(self.brokers.values()), {}
        for broker in brokers:
            broker.close()
