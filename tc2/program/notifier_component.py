"""The program's ``notifier`` component: delivers what every process posts, and the kill
switch's changes, to the channels of the current settings.

A thread of the program (``ComponentSpec(kind=THREAD, target=
"tc2.program.notifier_component:run_notifier", options={"redis_url": ...})``). Each pass it
takes the settings when a new version is published (``SettingsWatcher``), forwards new
kill-switch log entries (from the moment it starts: a restart does not repeat old ones), and
hands the outbox's messages to its ``Notifier``, whose channel threads do the sending.
"""

from __future__ import annotations

from typing import Any

import redis

from tc2.env.exec_env import ExecEnv
from tc2.env.settings_channel import SettingsWatcher, settings_published
from tc2.env.trading_settings import TradingSettings
from tc2.execution.kill_switch import KillSwitch
from tc2.logs import LogFeed, feed_logger
from tc2.program.notifications import (
    NotificationOutbox,
    Notifier,
    risk_state_notification,
)

NOTIFIER = "notifier"
PASS_WAIT_S = 1.0


class NotifierLoop:
    """One pass at a time of the notifier's work (the component calls ``step`` in a loop).

    Parameters
    ----------
    env
        The program's LIVE env.
    settings
        The settings to start with (the stored ones).
    """

    def __init__(self, env: ExecEnv, *, settings: TradingSettings) -> None:
        log = feed_logger(LogFeed.PROGRAM, NOTIFIER)
        self.env = env
        self.notifier = Notifier(
            channels=settings.notification_channels,
            events=settings.notification_events,
            log=log.warning,
        )
        self.outbox = NotificationOutbox(env)
        self.switch = KillSwitch(env)
        self.watcher = SettingsWatcher(env, NOTIFIER)
        last = self.switch.history(count=1)
        self._last_id = last[0].id if last else "0-0"

    def step(self, *, wait_s: float = PASS_WAIT_S) -> int:
        """Apply new settings, forward kill-switch changes, deliver the outbox; return how
        many messages were handed to the channels."""
        published = self.watcher.poll()
        if published is not None:
            self.notifier.configure(
                channels=published.settings.notification_channels,
                events=published.settings.notification_events,
            )
            self.watcher.acknowledge(published)
        handed = 0
        for transition in self.switch.transitions_after(self._last_id):
            self._last_id = transition.id
            handed += self.notifier.notify(risk_state_notification(transition))
        message = self.outbox.take(wait_s=wait_s)
        while message is not None:
            handed += self.notifier.notify(message)
            message = self.outbox.take_nowait()
        return handed

    def close(self) -> None:
        self.notifier.close()


def run_notifier(context: Any) -> None:
    """The component target: ``context.options["redis_url"]`` names the program's Redis."""
    env = ExecEnv.live(context.options["redis_url"])
    log = feed_logger(LogFeed.PROGRAM, NOTIFIER)
    try:
        published = settings_published(env)
    except redis.RedisError:
        published = None
    loop = NotifierLoop(env, settings=published.settings if published else TradingSettings())
    try:
        while not context.should_stop():
            context.heartbeat()
            try:
                loop.step()
            except redis.RedisError as exc:  # Redis restarting: wait and carry on
                log.warning(f"notifier waits for Redis: {type(exc).__name__}")
                context.wait(PASS_WAIT_S)
    finally:
        loop.close()
        env.close()
