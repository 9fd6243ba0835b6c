"""Trading settings delivered to running components through Redis (tc2.env.settings_channel)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tc2.env import ExecEnv
from tc2.env.settings_channel import (
    SettingsWatcher,
    SymbolUniverse,
    settings_applied,
    settings_publish,
    settings_published,
)
from tc2.env.trading_settings import TradingSettings


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def env(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as live:
        yield live


class SettingsWatcherTests:
    def test_each_published_version_is_seen_once(self, env: ExecEnv) -> None:
        watcher = SettingsWatcher(env, "data-collector")
        assert watcher.poll() is None  # nothing published yet

        version = settings_publish(env, TradingSettings(symbols=("SPY", "AAPL")))
        first, again = watcher.poll(), watcher.poll()

        assert first is not None and first.version == version
        assert first.settings.symbols == ("SPY", "AAPL")
        assert again is None

    def test_a_restarted_count_is_still_new(self, env: ExecEnv) -> None:
        watcher = SettingsWatcher(env, "bar-streamer")
        settings_publish(env, TradingSettings(symbols=("SPY",)))
        settings_publish(env, TradingSettings(symbols=("QQQ",)))
        assert watcher.poll() is not None
        env.redis.delete(env.key("settings", "version"), env.key("settings", "trading"))

        settings_publish(env, TradingSettings(symbols=("TXN",)))  # a Redis that lost its data

        published = watcher.poll()
        assert published is not None and published.settings.symbols == ("TXN",)

    def test_acknowledged_versions_are_read_per_component(self, env: ExecEnv) -> None:
        version = settings_publish(env, TradingSettings())
        watcher = SettingsWatcher(env, "data-collector")
        published = watcher.poll()
        assert published is not None

        watcher.acknowledge(published)

        assert settings_applied(env, ["data-collector", "bar-streamer"]) == {
            "data-collector": version,
            "bar-streamer": None,
        }
        assert settings_published(env) == published


class SymbolUniverseTests:
    def test_a_change_of_symbols_is_applied_logged_and_acknowledged(self, env: ExecEnv) -> None:
        log = _Lines()
        universe = SymbolUniverse(SettingsWatcher(env, "data-collector"), ["SPY", "QQQ"], log=log)
        version = settings_publish(env, TradingSettings(symbols=("SPY", "AAPL")))

        changed = universe.refresh()

        assert changed is True
        assert universe.symbols == ("SPY", "AAPL")
        assert log.lines == [
            f"Settings version {version} applied: symbols SPY, AAPL (added AAPL; removed QQQ)"
        ]
        assert settings_applied(env, ["data-collector"]) == {"data-collector": version}
        assert universe.refresh() is False  # nothing new

    def test_a_change_of_other_settings_keeps_the_symbols(self, env: ExecEnv) -> None:
        log = _Lines()
        universe = SymbolUniverse(SettingsWatcher(env, "bar-streamer"), ["SPY"], log=log)
        settings_publish(env, TradingSettings(symbols=("SPY",), max_purchase_pct=0.1))

        assert universe.refresh() is False
        assert universe.symbols == ("SPY",)
        assert log.lines[0].endswith("applied; symbols unchanged")
