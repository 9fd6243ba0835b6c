"""Notification channels and events of the trading settings, validated with Apprise.

A channel is a name and one Apprise URL (``tgram://``, ``discord://``, ``slack://``,
``mailto://``, ``json://`` for a generic webhook, ...). A URL is valid when Apprise can parse it
into a notifier; nothing is sent while validating. URLs hold secrets (bot tokens, webhook
keys, passwords), so they are never logged or shown: ``redact_url`` gives Apprise's privacy form
(``tgram://1...f/``), which the settings API returns, and a PATCH that sends a channel's
redacted form back keeps the stored URL (the panel round trip).

Delivery lives in ``tc2.program.notifications``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

CHANNEL_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_CHANNELS = 20

CHANNELS_NOT_AN_OBJECT = "must be an object of channel name -> Apprise URL (null removes one)"
BAD_CHANNEL_NAME = "channel name must be a lowercase letter then up to 31 of a-z, 0-9, _ or -"
TOO_MANY_CHANNELS = "at most {limit} channels, was {count}"
URL_NOT_TEXT = "must be an Apprise URL (text), was {kind}"
URL_NOT_PARSED = (
    "Apprise cannot read this URL (scheme {scheme!r}); see Apprise's list of services "
    "(tgram://, discord://, slack://, mailto://, json://, form://, ...)"
)
EVENTS_NOT_A_LIST = "must be a list of events, each one of: {known}"
UNKNOWN_EVENT = "{event!r} is not an event; one of: {known}"


class NotificationEvent(StrEnum):
    """What TC2 notifies about (``notification_events`` chooses which)."""

    FILL = "fill"  # an order filled, partially or wholly
    REJECTION = "rejection"  # the broker or a risk rule refused an order
    RISK_STATE = "risk_state"  # the kill switch changed state
    CRASH = "crash"  # a component of the program died and is being restarted
    STALE_FEED = "stale_feed"  # a bar or account stream went silent during market hours
    DAILY_SUMMARY = "daily_summary"  # after the close: the day's P&L, fills, refusals
    TEST = "test"  # the "test channel" button; always sent, whatever the list says


ALL_EVENTS = tuple(
    event.value for event in NotificationEvent if event is not NotificationEvent.TEST
)


def quiet_apprise() -> None:
    """Keep Apprise's own log lines (which may quote a URL with its secret) out of every log."""
    apprise_log = logging.getLogger("apprise")
    apprise_log.setLevel(logging.CRITICAL + 1)
    apprise_log.propagate = False


def redact_url(url: str) -> str:
    """Return ``url`` with its secrets masked (Apprise's privacy form), or a placeholder with
    only the scheme when Apprise cannot read it."""
    import apprise  # deferred: 0.4 s to import, needed only when channels are used

    quiet_apprise()
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return f"{_scheme(url)}://(unreadable)"
    return str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]


def apprise_parses(url: str) -> bool:
    """Whether Apprise can make a notifier of ``url`` (nothing is sent)."""
    import apprise

    quiet_apprise()
    return apprise.Apprise.instantiate(url) is not None


def merge_channels_document(current: Mapping[str, str], changes: Any) -> Mapping[str, Any] | Any:
    """PATCH semantics of ``notification_channels``: per name, a URL replaces, null removes,
    and the stored URL's redacted form keeps it (what the settings API showed)."""
    if not isinstance(changes, Mapping):
        return changes
    merged: dict[str, Any] = dict(current)
    for name, url in changes.items():
        if url is None:
            merged.pop(name, None)
        elif name in current and isinstance(url, str) and url == redact_url(current[name]):
            continue
        else:
            merged[name] = url
    return merged


def parse_channels(value: Any, *, error: Callable[[str, str], None]) -> dict[str, str]:
    """Validate ``notification_channels`` (name -> Apprise URL); bad fields go to ``error``.

    Messages never quote a URL (it may hold a secret), only its scheme.
    """
    if not isinstance(value, Mapping):
        error("notification_channels", CHANNELS_NOT_AN_OBJECT)
        return {}
    if len(value) > MAX_CHANNELS:
        error(
            "notification_channels", TOO_MANY_CHANNELS.format(limit=MAX_CHANNELS, count=len(value))
        )
    channels: dict[str, str] = {}
    for name, url in value.items():
        field = f"notification_channels.{name}"
        if not isinstance(name, str) or not CHANNEL_NAME_PATTERN.fullmatch(name):
            error(field, BAD_CHANNEL_NAME)
        elif not isinstance(url, str):
            error(field, URL_NOT_TEXT.format(kind=type(url).__name__))
        elif not apprise_parses(url):
            error(field, URL_NOT_PARSED.format(scheme=_scheme(url)))
        else:
            channels[name] = url
    return dict(sorted(channels.items()))


def parse_events(value: Any, *, error: Callable[[str, str], None]) -> tuple[str, ...]:
    """Validate ``notification_events`` (a list of ``NotificationEvent`` values but ``test``)."""
    known = ", ".join(ALL_EVENTS)
    if not isinstance(value, list | tuple):
        error("notification_events", EVENTS_NOT_A_LIST.format(known=known))
        return ALL_EVENTS
    events: list[str] = []
    for index, event in enumerate(value):
        if event not in ALL_EVENTS:
            error(f"notification_events.{index}", UNKNOWN_EVENT.format(event=event, known=known))
        elif event not in events:
            events.append(event)
    return tuple(sorted(events, key=ALL_EVENTS.index))


def _scheme(url: str) -> str:
    head, separator, _ = url.partition("://")
    return head[:16] if separator and head.isascii() and head.isalnum() else "?"
