"""The job contract between the engine and whatever runs jobs (RQ workers, today).

Engine work that may take long (simulate, optimize, repair data, check health, draw visuals) is a
plain function ``run(*, params, progress) -> dict``. It reports progress through the ``progress``
callback it is handed and never imports the job system. The callback is also where a job stops
early: it raises ``JobCanceled`` when the user canceled the job and ``JobInterrupted`` when the
worker is shutting down, so work stops at its next progress point.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.env.market_calendar import OUT_OF_RANGE_MESSAGE
from tc2.env.trading_settings import DEFAULT_SYMBOLS, SYMBOL_PATTERN
from tc2.errors import TC2Error, ValidationFailed
from tc2.program.job_params import MAX_SYMBOLS_PER_JOB, TICKER_RULE


class Progress(Protocol):
    """Report ``percent`` (0-100) and a short ``message``; may raise JobCanceled/JobInterrupted."""

    def __call__(self, percent: float, message: str = "") -> None: ...


class JobCanceled(TC2Error):
    """The user canceled the job; it stopped at a progress point and its result is discarded."""


class JobInterrupted(TC2Error):
    """The worker was stopping (program shutdown or restart); submit the job again if needed."""


class JobPolicy(StrEnum):
    """Which concurrent requests a job type refuses with 409 while one is queued or running."""

    ONE_PER_TYPE = "one_per_type"  # TC2's rule: one of each kind at a time (the default)
    ONE_PER_PARAMS = "one_per_params"  # identical requests refused, different ones run together
    UNLIMITED = "unlimited"


ParamsParser = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobContext:
    """What a request is checked against beyond its own shape, as the caller knows it.

    ``universe`` is the settings' symbol universe: on the synthetic market the only symbols
    that exist.
    """

    universe: tuple[str, ...] = DEFAULT_SYMBOLS


ExistenceCheck = Callable[[Mapping[str, Any], JobContext], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobType:
    """One kind of job.

    Parameters
    ----------
    name
        Stable identifier used in the API (``type``).
    run
        Dotted path ``module:function`` of the engine function, called as
        ``function(params=..., progress=...)`` and returning a JSON-ready dict.
    parse_params
        Validates and normalises the request's params; raises ValidationFailed. The normalised
        params are what is stored and what the function receives.
    policy
        Concurrency policy (see JobPolicy).
    shared_state
        The job changes what every user shares (the bars on file); a web layer lets only its
        administrators submit it.
    description
        One sentence for the API docs and the panel.
    check_exists
        Checks the parsed params against what exists (``JobContext``); raises
        ValidationFailed. None when the params name nothing that may be missing.
    sink_only
        Keys of the result handed to the type's result sinks but not stored with the job (bulk
        the sinks keep in rows of their own, such as an evaluation's fills).
    """

    name: str
    run: str
    parse_params: ParamsParser
    policy: JobPolicy = JobPolicy.ONE_PER_TYPE
    shared_state: bool = False
    description: str = ""
    check_exists: ExistenceCheck | None = None
    sink_only: tuple[str, ...] = ()

    def parse(self, raw: Mapping[str, Any], *, context: JobContext) -> dict[str, Any]:
        """Parse ``raw`` whole, then check it against what exists; raise ValidationFailed."""
        parsed = self.parse_params(raw)
        if self.check_exists is not None:
            self.check_exists(parsed, context)
        return parsed

    def execute(self, *, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
        """Import and call the job function with already-parsed params."""
        module_name, _, function_name = self.run.partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(params=params, progress=progress)
        if not isinstance(result, dict):
            raise TypeError(f"job {self.name} returned {type(result).__name__}, expected a dict")
        return result


class UnknownJobType(TC2Error, LookupError):
    """No job type has this name."""


class JobRegistry:
    """The job types a deployment offers, by name."""

    def __init__(self, job_types: Iterable[JobType]) -> None:
        self._types: dict[str, JobType] = {}
        for job_type in job_types:
            if job_type.name in self._types:
                raise ValueError(f"job type {job_type.name!r} registered twice")
            self._types[job_type.name] = job_type

    def get(self, name: str) -> JobType:
        try:
            return self._types[name]
        except KeyError:
            known = ", ".join(sorted(self._types))
            raise UnknownJobType(f"unknown job type {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._types)


def reject_unknown_params(params: Mapping[str, Any], known: Iterable[str]) -> dict[str, list[str]]:
    """Return field errors for keys of ``params`` that are not in ``known``."""
    allowed = set(known)
    return {str(key): ["unknown parameter"] for key in params if key not in allowed}


def require_object(params: Any) -> Mapping[str, Any]:
    if not isinstance(params, Mapping):
        raise ValidationFailed("params must be a JSON object.", {"params": ["expected an object"]})
    return params


def symbols_param(value: Any, errors: dict[str, list[str]], *, field: str = "symbols") -> list[str]:
    """A job's list of 1-100 tickers, duplicates dropped; on error, ``errors[field]`` says why."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SYMBOLS_PER_JOB:
        errors[field] = [f"must be a list of 1-{MAX_SYMBOLS_PER_JOB} ticker symbols, was {value!r}"]
        return []
    bad = [s for s in value if not isinstance(s, str) or not SYMBOL_PATTERN.fullmatch(s)]
    if bad:
        errors[field] = [f"not tickers ({TICKER_RULE}): {bad!r}"]
        return []
    return list(dict.fromkeys(value))


def date_param(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    """A job's ``YYYY-MM-DD`` date inside the market calendar; on error, ``errors[field]`` says
    why (a date the calendar does not cover can name no session, so no job may take it)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        errors[field] = [f"must be a date YYYY-MM-DD, was {value!r}"]
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[field] = [f"is not a real date: {value!r}"]
        return None
    calendar = MarketCalendar.xnys()
    if not calendar.start <= day <= calendar.end:
        errors[field] = [
            OUT_OF_RANGE_MESSAGE.format(
                name="day", value=day, start=calendar.start, end=calendar.end
            )
        ]
        return None
    return day


def live_store_from_environ() -> PriceStore:
    """The LIVE price store the environment configures, as job functions read it."""
    config = RuntimeConfig.from_environ()
    return _live_store(config.data_dir, config.price_store)


@functools.lru_cache(maxsize=4)
def _live_store(data_dir: Path, url: str) -> PriceStore:
    # One per process and location: a MongoDB store holds a client worth reusing.
    return price_store_for(EnvType.LIVE, data_dir=data_dir, url=url)
