"""How providers retry: one policy object and the one retry loop every provider uses.

A request attempt raises ``RateLimited`` for HTTP 429 and ``TransientFailure`` for a 5xx status
or a network error; ``Backoff.run`` waits and tries again, or gives up with
``ProviderUnavailable``. Anything else an attempt raises (a ``ProviderError`` for a refusal or a
malformed response) is not retried: asking again would get the same answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tc2.data.providers.base import ProviderUnavailable
from tc2.errors import ConfigurationError

T = TypeVar("T")

RATE_LIMITED_MESSAGE = (
    "{what}: still rate-limited ({detail}) after {attempts} requests and {waited:g} s of "
    "waiting (rate-limit waits {schedule} s); the next wait of {next:g} s would take them past "
    "the {limit:g} s limit"
)
FAILING_MESSAGE = (
    "{what}: {detail}; gave up after {retries} retries ({attempts} requests, {waited:g} s of "
    "waiting in all)"
)


class RateLimited(Exception):
    """One request attempt was answered with HTTP 429 (too many requests)."""

    def __init__(self, detail: str = "HTTP 429") -> None:
        super().__init__(detail)
        self.detail = detail


class TransientFailure(Exception):
    """One request attempt failed with a server error (5xx) or a network error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Retry policy for market-data requests (TC2's numbers by default).

    Rate limits (HTTP 429) wait ``rate_limit_initial_s`` and double each time: 4, 8, 16, 32,
    64 s. It gives up when the next wait would take the rate-limit waits past
    ``rate_limit_max_total_s``: with the defaults, after five waits (124 s) and six requests,
    since a sixth wait of 128 s would make 252 s. Server errors (5xx) and network errors are
    retried ``server_error_retries`` times, ``server_error_delay_s`` apart. The budgets apply to
    each request (each page of a paginated day), so a day of many pages can wait longer in all,
    but no single page waits past them.

    Parameters
    ----------
    rate_limit_initial_s
        First wait after a 429, in seconds; each further wait doubles.
    rate_limit_max_total_s
        Most seconds of rate-limit waiting for one request.
    server_error_retries
        Retries after a 5xx status or a network error.
    server_error_delay_s
        Seconds between those retries.
    sleep
        Called with each wait in seconds; tests pass a recorder instead of ``time.sleep``.

    Raises
    ------
    ConfigurationError
        If a wait is negative, the initial rate-limit wait is not positive, or the retry count
        is negative.
    """

    rate_limit_initial_s: float = 4.0
    rate_limit_max_total_s: float = 240.0
    server_error_retries: int = 3
    server_error_delay_s: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rate_limit_initial_s > 0:
            raise ConfigurationError(
                f"rate_limit_initial_s must be > 0, was {self.rate_limit_initial_s}"
            )
        if not self.rate_limit_max_total_s >= 0:
            raise ConfigurationError(
                f"rate_limit_max_total_s must be >= 0, was {self.rate_limit_max_total_s}"
            )
        if self.server_error_retries < 0:
            raise ConfigurationError(
                f"server_error_retries must be >= 0, was {self.server_error_retries}"
            )
        if not self.server_error_delay_s >= 0:
            raise ConfigurationError(
                f"server_error_delay_s must be >= 0, was {self.server_error_delay_s}"
            )

    def rate_limit_waits(self) -> tuple[float, ...]:
        """Return the waits a request that is rate-limited forever goes through before giving up."""
        waits: list[float] = []
        wait = self.rate_limit_initial_s
        while sum(waits) + wait <= self.rate_limit_max_total_s:
            waits.append(wait)
            wait *= 2
        return tuple(waits)

    def run(self, attempt: Callable[[], T], *, what: str) -> T:
        """Call ``attempt`` until it returns, retrying rate limits and transient failures.

        Parameters
        ----------
        attempt
            Sends one request; raises ``RateLimited`` or ``TransientFailure`` to ask for a retry.
        what
            The request, for messages (``Polygon GET /v2/aggs/...``); never holds a key.

        Returns
        -------
        T
            What ``attempt`` returned.

        Raises
        ------
        ProviderUnavailable
            When the rate-limit budget or the server-error retries are used up; the message
            says how many requests were sent and how long it waited.
        """
        attempts = 0
        waited = 0.0
        rate_waits: list[float] = []
        next_rate_wait = self.rate_limit_initial_s
        failures = 0
        while True:
            attempts += 1
            try:
                return attempt()
            except RateLimited as exc:
                if sum(rate_waits) + next_rate_wait > self.rate_limit_max_total_s:
                    raise ProviderUnavailable(
                        RATE_LIMITED_MESSAGE.format(
                            what=what,
                            detail=exc.detail,
                            attempts=attempts,
                            waited=waited,
                            schedule=", ".join(f"{w:g}" for w in rate_waits) or "none",
                            next=next_rate_wait,
                            limit=self.rate_limit_max_total_s,
                        ),
                        attempts=attempts,
                        waited_s=waited,
                    ) from None
                wait = next_rate_wait
                rate_waits.append(wait)
                next_rate_wait *= 2
            except TransientFailure as exc:
                failures += 1
                if failures > self.server_error_retries:
                    raise ProviderUnavailable(
                        FAILING_MESSAGE.format(
                            what=what,
                            detail=exc.detail,
                            attempts=attempts,
                            waited=waited,
                            retries=self.server_error_retries,
                        ),
                        attempts=attempts,
                        waited_s=waited,
                    ) from None
                wait = self.server_error_delay_s
            self.sleep(wait)
            waited += wait


DEFAULT_BACKOFF = Backoff()
"""TC2's policy: 429 waits 4, 8, 16, 32, 64 s (at most 240 s); 3 retries 1 s apart on 5xx."""
