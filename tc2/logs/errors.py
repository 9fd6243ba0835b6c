"""Errors raised by the log feeds.

They live beside the feeds rather than in ``tc2/errors.py`` only because this package was built on
its own; each still derives from ``TC2Error`` so the web layer's single exception handler maps it.
"""

from __future__ import annotations

from tc2.errors import TC2Error


class UnknownLogFeed(TC2Error, LookupError):
    """A feed name is not one of ``LogFeed``; pick a listed feed. Nothing was read or changed."""


class InvalidLogFilename(TC2Error, ValueError):
    """A log filename is not ``<feed>/<YYYY-MM-DD>_<n>``; fix the request. Nothing was read."""


class LogFileNotFound(TC2Error, LookupError):
    """The log file does not exist (never written, or cleared); list the feed's files again."""
