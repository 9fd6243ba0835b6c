"""How one log line looks: ``YYYY-MM-DD HH:MM:SS.mmm LEVEL [component] message`` in New York time.

Every physical line carries the full prefix, so a reader (or ``LINE_PATTERN``) can parse any line
on its own, including each line of a traceback.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tc2.logs.feeds import LogLevel

# Operators read these logs next to the exchange's clock, so lines use market time, not UTC.
NEW_YORK = ZoneInfo("America/New_York")

# Matches (with ``fullmatch``) every line the writer produces; readers and tests share it.
LINE_PATTERN = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}) (?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}) "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR) \[(?P<component>[^\[\]\n]*)\] (?P<message>[^\n]*)"
)
DROPPED_MESSAGE = "{count} log lines were dropped because the writer fell behind"
LOST_MESSAGE = "{count} log lines were lost because writing them failed: {error}"
WRITER_COMPONENT = "logs"

_FORBIDDEN_IN_COMPONENT = re.compile(r"[\[\]\s]")


def log_date(timestamp: float) -> str:
    """Return the New York date (``YYYY-MM-DD``) of a ``time.time()`` value; it names the file."""
    return datetime.fromtimestamp(timestamp, NEW_YORK).strftime("%Y-%m-%d")


def format_prefix(timestamp: float, level: LogLevel, component: str) -> str:
    """Return ``YYYY-MM-DD HH:MM:SS.mmm LEVEL [component]`` for a ``time.time()`` value.

    Parameters
    ----------
    timestamp
        Seconds since the epoch, taken when the caller logged.
    level
        Severity of the line.
    component
        Who logged; brackets and whitespace are replaced by ``_`` so the prefix stays parseable.

    Returns
    -------
    str
        The prefix, without the trailing space that separates it from the message.
    """
    moment = datetime.fromtimestamp(timestamp, NEW_YORK)
    milliseconds = moment.microsecond // 1000
    safe_component = _FORBIDDEN_IN_COMPONENT.sub("_", component) or "-"
    return f"{moment:%Y-%m-%d %H:%M:%S}.{milliseconds:03d} {level.value} [{safe_component}]"


def format_lines(timestamp: float, level: LogLevel, component: str, message: str) -> list[str]:
    """Return the physical lines (without newlines) for one logged message.

    Parameters
    ----------
    timestamp
        Seconds since the epoch, taken when the caller logged.
    level
        Severity of the message.
    component
        Who logged (see ``format_prefix``).
    message
        Text to log; each of its lines (``str.splitlines`` rules) becomes one prefixed line, and
        an empty message still yields one line.

    Returns
    -------
    list[str]
        At least one line, each matching ``LINE_PATTERN``.
    """
    prefix = format_prefix(timestamp, level, component)
    # splitlines also breaks on \r, \v, \x1c.. and U+2028, so no line terminator a viewer might
    # honour survives inside a line and every stored line carries its own prefix.
    parts = message.splitlines() or [""]
    return [f"{prefix} {part}" for part in parts]
