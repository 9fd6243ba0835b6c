"""The bar streamer: a program component that caches the live bars of the symbols in Redis.

It streams the symbols' bars from the provider the environment configures
(``live_stream_from_environ``: Polygon's second and minute aggregates, or Alpaca's minute bars)
into the ``StreamCache`` (regular hours only, bounded per symbol-day, expiring after 3 days). The
stream runs on its own thread; this one heart-beats every ``HEARTBEAT_S`` meanwhile, bars or not.

Without provider keys it streams the replay market instead (``ReplayBarStream``: a stored
session of the price store replayed on the ``ReplayClock``, ``TC2_REPLAY_DAY``/``_FROM``/``_SPEED``)
into the stream cache of the ``replay`` env type, apart from live bars. Without a price store
in its options (tests) it idles, heart-beating until asked to stop: ending would make the
supervisor restart it in a loop. A replay with no stored session yet (the first start, before the
seeding) is tried again after ``RETRY_AFTER_S``. When the stream gives up reconnecting
(``ProviderUnavailable``) it is started again after ``RETRY_AFTER_S``. When the provider refuses
the keys or the subscription (``ProviderError``), or the configuration or the symbols are wrong,
the error is logged and it idles: the same keys would get the same answer, and they change only
with a restart. Anything else ends the component, and the supervisor restarts it.

Minute bars the stream missed while it was down (a dropped connection, a restart) are fetched
from the same provider's REST history and cached too (``stream_backfill``).

It follows the settings (``SymbolUniverse``): when the symbols change it ends the stream and
starts it again on the new symbols within ``HEARTBEAT_S`` or so, and an idle streamer that
stopped on an error tries again with them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis

from tc2.data.price_stores import FILES_STORE, price_store_for
from tc2.data.providers import (
    ProviderError,
    ProviderUnavailable,
    StreamBar,
    history_provider_from_environ,
    live_stream_from_environ,
)
from tc2.data.providers.replay_stream import ReplayBarStream
from tc2.data.providers.stream import BarStream, check_symbols
from tc2.data.stream_cache import StreamCache
from tc2.env import EnvType, ExecEnv, LiveClock
from tc2.env.exec_env import DEFAULT_NAMESPACE
from tc2.env.replay_clock import ReplayClock, ReplaySettings
from tc2.env.settings_channel import SettingsWatcher, SymbolUniverse
from tc2.errors import ConfigurationError
from tc2.logs import LogFeed, feed_logger
from tc2.program.program import status_key
from tc2.program.stream_backfill import StreamGapFiller

DATA_LOADED_CONDITION = "data_loaded"  # tc2.program.data_collector.DATA_LOADED, not imported:
# the collector's module pulls the analysis models into this process.

HEARTBEAT_S = 2.0
"""Most seconds between two heartbeats."""
STOP_POLL_S = 0.25
"""Most seconds between a stop request and the stream being told to stop."""
RETRY_AFTER_S = 30.0
"""Seconds between a stream giving up and the next start."""
REPORT_EVERY_S = 600.0
"""Seconds between two reports of how many bars were cached."""
LOST_LOGGED_EVERY_S = 60.0
"""Most one line per this many seconds about bars Redis would not take."""

NO_STREAM_MESSAGE = "no live stream configured; streaming idles"
REPLAY_WAITS_MESSAGE = "the replay market waits for data_loaded (the start-up catch-up) to begin"
IDLE_AFTER_ERROR_MESSAGE = (
    "{error}; streaming idles until the symbols change or the program restarts"
)

_log = feed_logger(LogFeed.DATA, "streamer")


def run_bar_streamer(context: Any) -> None:
    """Component target. Options: redis_url, symbols, data_dir and store_url (the price store
    the replay market plays; without data_dir no replay), replay_after_data_loaded (the program:
    the replay begins once the program's status says data_loaded), namespace (optional, for
    tests)."""
    options = context.options
    namespace = options.get("namespace", DEFAULT_NAMESPACE)
    with ExecEnv.live(options["redis_url"], namespace=namespace) as env:
        universe = SymbolUniverse(
            SettingsWatcher(env, context.name), options.get("symbols") or (), log=_log
        )
        universe.refresh()
        live_cache = StreamCache(env)
        live_tally = _Tally(live_cache, _gap_filler(live_cache, env))
        replay_env = ExecEnv(
            env_type=EnvType.REPLAY,
            clock=LiveClock(),
            calendar=env.calendar,
            redis_url=options["redis_url"],
            namespace=namespace,
        )
        replay_tally = _Tally(StreamCache(replay_env))
        waited = False
        while not context.should_stop():
            tally = live_tally
            try:
                symbols = check_symbols(list(universe.symbols))
                stream: BarStream | None = live_stream_from_environ(os.environ)
                if stream is None and options.get("data_dir"):
                    if options.get("replay_after_data_loaded") and not _data_loaded(env):
                        # Begun during the seeding, the replay would pick the latest session
                        # written so far: an old minute-only one, and walk on from there.
                        if not waited:
                            _log.info(REPLAY_WAITS_MESSAGE)
                            waited = True
                        _idle(context, universe, HEARTBEAT_S)
                        continue
                    stream = replay_market(options, replay_env)
                    tally = replay_tally
            except (ConfigurationError, ValueError) as exc:
                _log.error(IDLE_AFTER_ERROR_MESSAGE.format(error=exc))
                _idle(context, universe, until_symbols_change=True)
                continue
            if stream is None:
                _log.info(NO_STREAM_MESSAGE)
                _idle(context, universe)
                return
            error = _stream_once(context, stream, symbols, tally, universe)
            if error is None:
                continue
            if isinstance(error, ProviderUnavailable):
                _log.warning(f"{error}; streaming again in {RETRY_AFTER_S:g} s")
                _idle(context, universe, RETRY_AFTER_S)
            elif isinstance(error, ProviderError):
                _log.error(IDLE_AFTER_ERROR_MESSAGE.format(error=error))
                _idle(context, universe, until_symbols_change=True)
            else:
                raise error
        live_tally.report()
        replay_tally.report()
        if live_tally.gaps is not None:
            live_tally.gaps.close(timeout_s=1.0)  # a stop must not wait for REST


def _data_loaded(env: ExecEnv) -> bool:
    """Whether the running program signalled ``data_loaded`` (its published status says so)."""
    raw = env.redis.get(status_key(env))
    if raw is None:
        return False
    try:
        conditions = json.loads(raw).get("conditions", [])
    except (ValueError, AttributeError):
        return False
    return DATA_LOADED_CONDITION in conditions


def replay_market(options: Any, replay_env: ExecEnv) -> ReplayBarStream:
    """The replay market's stream over the program's price store (``TC2_REPLAY_*`` settings).

    Raises
    ------
    ConfigurationError
        If a ``TC2_REPLAY_*`` variable or the price store's URL is wrong.
    """
    store = price_store_for(
        EnvType.LIVE,
        data_dir=Path(options["data_dir"]),
        url=options.get("store_url") or FILES_STORE,
    )
    return ReplayBarStream(
        store=store,
        calendar=replay_env.calendar,
        clock=ReplayClock(replay_env),
        settings=ReplaySettings.from_environ(os.environ),
    )


def _gap_filler(cache: StreamCache, env: ExecEnv) -> StreamGapFiller | None:
    """What fills the minute bars a disconnect missed: the provider's REST history, when the
    environment configures one (none for the synthetic market, which has no stream)."""
    try:
        provider = history_provider_from_environ(os.environ, calendar=env.calendar)
    except ConfigurationError:
        return None  # the stream's own configuration error is what gets logged
    if provider is None:
        return None
    return StreamGapFiller(cache=cache, provider=provider, calendar=env.calendar)


class _Tally:
    """Pushes bars into the cache (on the stream's thread), counts them and has the gaps
    before them backfilled."""

    def __init__(self, cache: StreamCache, gaps: StreamGapFiller | None = None) -> None:
        self.cache = cache
        self.gaps = gaps
        self.cached = 0
        self.dropped = 0
        self.lost = 0
        self._reported = time.monotonic()
        self._lost_logged = 0.0

    def on_bar(self, bar: StreamBar) -> None:
        try:
            kept = self.cache.push(bar)
        except redis.RedisError as exc:
            self.lost += 1
            now = time.monotonic()
            if now - self._lost_logged >= LOST_LOGGED_EVERY_S:
                self._lost_logged = now
                _log.warning(f"Redis did not take a streamed bar ({exc}); {self.lost} lost so far")
            return
        if kept:
            self.cached += 1
            if self.gaps is not None:
                self.gaps.see(bar)
        else:
            self.dropped += 1

    def report(self, *, every_s: float = 0.0) -> None:
        now = time.monotonic()
        if now - self._reported < every_s or not (self.cached or self.dropped or self.lost):
            return
        _log.info(
            f"{self.cached} bars cached, {self.dropped} outside regular hours dropped, "
            f"{self.lost} lost to Redis errors in the last {now - self._reported:.0f} s"
        )
        self._reported = now
        self.cached = self.dropped = self.lost = 0


def _stream_once(
    context: Any,
    stream: BarStream,
    symbols: Sequence[str],
    tally: _Tally,
    universe: SymbolUniverse,
) -> Exception | None:
    """Run the stream on a thread until it ends, heart-beating; return what it raised.

    A change of symbols ends it (None: the caller starts it again on the new symbols).
    """
    failure: list[Exception] = []
    stop = threading.Event()

    def target() -> None:
        try:
            stream.run(symbols=symbols, on_bar=tally.on_bar, stop=stop)
        except Exception as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"tc2-{stream.name}-stream", daemon=True)
    thread.start()
    next_settings_poll = time.monotonic() + HEARTBEAT_S
    while thread.is_alive():
        context.heartbeat()
        tally.report(every_s=REPORT_EVERY_S)
        if context.should_stop():
            stop.set()
        elif time.monotonic() >= next_settings_poll:
            next_settings_poll = time.monotonic() + HEARTBEAT_S
            if universe.refresh():
                stop.set()
        thread.join(min(HEARTBEAT_S, STOP_POLL_S))
    context.heartbeat()
    return failure[0] if failure else None


def _idle(
    context: Any,
    universe: SymbolUniverse,
    seconds: float | None = None,
    *,
    until_symbols_change: bool = False,
) -> None:
    """Heart-beat (and follow the settings) until asked to stop, or for ``seconds``, or (with
    ``until_symbols_change``) until the symbols change."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        context.heartbeat()
        if universe.refresh() and until_symbols_change:
            return
        chunk = HEARTBEAT_S if deadline is None else min(HEARTBEAT_S, deadline - time.monotonic())
        if chunk <= 0 or context.wait(chunk):
            return
