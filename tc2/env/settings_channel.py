"""Trading settings delivered to the running program through Redis, without a restart.

The web layer stores the settings (its database is the source of truth) and publishes each
saved version here; the program publishes the stored version when it starts, so what Redis holds
is never older than the program. Components that use the settings (the data collector, the bar
streamer, later the traders) poll with a ``SettingsWatcher`` at least every few seconds, apply a
new version and acknowledge it, and the web layer reads the acknowledgements to tell the user
when a change has reached the program.

Versions are compared for equality, not order: a Redis that lost its data starts counting again,
and whatever the program publishes then is still new to every component.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis

from tc2.env.exec_env import ExecEnv
from tc2.env.trading_settings import TradingSettings

_DOCUMENT = b"document"
_VERSION = b"version"
# The version and the document change together, so no reader sees one without the other.
_PUBLISH_SCRIPT = """
local version = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'version', version, 'document', ARGV[1])
return version
"""


def _settings_key(env: ExecEnv) -> str:
    return env.key("settings", "trading")


def _counter_key(env: ExecEnv) -> str:
    return env.key("settings", "version")


def _applied_key(env: ExecEnv, component: str) -> str:
    return env.key("settings", "applied", component)


class Logger(Protocol):
    def info(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedSettings:
    """One published version of the trading settings."""

    version: int
    settings: TradingSettings


def settings_publish(env: ExecEnv, settings: TradingSettings) -> int:
    """Publish ``settings`` as a new version and return the version.

    Raises
    ------
    redis.RedisError
        Redis is unreachable; nothing was published.
    """
    document = json.dumps(settings.to_document())
    version = env.redis.eval(_PUBLISH_SCRIPT, 2, _counter_key(env), _settings_key(env), document)
    return int(version)


def settings_published(env: ExecEnv) -> PublishedSettings | None:
    """Return the settings last published, or None when none were (or Redis lost them).

    Raises
    ------
    redis.RedisError
        Redis is unreachable.
    """
    raw = env.redis.hgetall(_settings_key(env))
    if _VERSION not in raw or _DOCUMENT not in raw:
        return None
    # Published documents were validated by the web layer; live is allowed here for the same
    # reason as when the web layer reads its stored settings back.
    settings = TradingSettings.parse(json.loads(raw[_DOCUMENT]), allow_live=True)
    return PublishedSettings(version=int(raw[_VERSION]), settings=settings)


def settings_applied(env: ExecEnv, components: Sequence[str]) -> Mapping[str, int | None]:
    """Return the version each of ``components`` last acknowledged (None: never).

    Raises
    ------
    redis.RedisError
        Redis is unreachable.
    """
    if not components:
        return {}
    values = env.redis.mget([_applied_key(env, name) for name in components])
    return {
        name: None if value is None else int(value)
        for name, value in zip(components, values, strict=True)
    }


class SettingsWatcher:
    """A component's view of the published settings: each new version once, then acknowledged.

    Parameters
    ----------
    env
        The LIVE environment whose Redis carries the settings.
    component
        The component's name, under which it acknowledges versions.
    """

    def __init__(self, env: ExecEnv, component: str) -> None:
        self.env = env
        self.component = component
        self._seen: int | None = None

    def poll(self) -> PublishedSettings | None:
        """Return the published settings if their version is new to this watcher, else None.

        A Redis error counts as nothing new (the component keeps what it has and asks again).
        """
        try:
            raw = self.env.redis.hget(_settings_key(self.env), _VERSION)
            if raw is None or int(raw) == self._seen:
                return None
            published = settings_published(self.env)
        except redis.RedisError:
            return None
        if published is not None:
            self._seen = published.version
        return published

    def acknowledge(self, published: PublishedSettings) -> None:
        """Record that this component now works with ``published`` (best effort)."""
        try:
            self.env.redis.set(_applied_key(self.env, self.component), str(published.version))
        except redis.RedisError:
            self._seen = None  # acknowledge again at the next poll


class SymbolUniverse:
    """The symbols a component works on, following the published settings.

    Parameters
    ----------
    watcher
        The component's settings watcher.
    symbols
        The symbols the component was started with (the settings when the program started).
    log
        Where a change is reported, one line per applied version.
    """

    def __init__(self, watcher: SettingsWatcher, symbols: Sequence[str], *, log: Logger) -> None:
        self.watcher = watcher
        self.symbols: tuple[str, ...] = tuple(symbols)
        self.log = log

    def refresh(self) -> bool:
        """Apply a newly published version (and acknowledge it); return whether symbols changed."""
        published = self.watcher.poll()
        if published is None:
            return False
        before, after = self.symbols, published.settings.symbols
        self.symbols = after
        self.watcher.acknowledge(published)
        if before == after:
            self.log.info(f"Settings version {published.version} applied; symbols unchanged")
            return False
        added = [symbol for symbol in after if symbol not in before]
        removed = [symbol for symbol in before if symbol not in after]
        change = "; ".join(
            part
            for part in (
                f"added {', '.join(added)}" if added else "",
                f"removed {', '.join(removed)}" if removed else "",
            )
            if part
        )
        self.log.info(
            f"Settings version {published.version} applied: symbols {', '.join(after)} ({change})"
        )
        return True
