"""Backoff: the one retry loop both providers use."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tc2.data.providers import Backoff, ProviderUnavailable, RateLimited, TransientFailure
from tc2.data.providers.base import ProviderError
from tc2.errors import ConfigurationError


def scripted(*outcomes: Exception | str) -> Callable[[], str]:
    """An attempt that raises or returns each outcome in turn."""
    remaining = list(outcomes)

    def attempt() -> str:
        outcome = remaining.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt


class BackoffTests:
    def test_defaults_are_tc2s_numbers(self) -> None:
        backoff = Backoff()
        assert (backoff.rate_limit_initial_s, backoff.rate_limit_max_total_s) == (4, 240)
        assert (backoff.server_error_retries, backoff.server_error_delay_s) == (3, 1)
        # Doubling from 4 s while the waits stay within 240 s in total: 124 s; +128 would be 252.
        assert backoff.rate_limit_waits() == (4, 8, 16, 32, 64)

    def test_rate_limit_waits_double_and_stop_within_the_total(self) -> None:
        sleeps: list[float] = []
        backoff = Backoff(sleep=sleeps.append)

        with pytest.raises(ProviderUnavailable) as raised:
            backoff.run(scripted(*[RateLimited()] * 10), what="GET /x")

        assert sleeps == list(backoff.rate_limit_waits()) == [4, 8, 16, 32, 64]
        assert (raised.value.attempts, raised.value.waited_s) == (6, 124)

    def test_server_errors_and_rate_limits_keep_separate_budgets(self) -> None:
        sleeps: list[float] = []
        backoff = Backoff(sleep=sleeps.append)
        failure = TransientFailure("HTTP 503")

        result = backoff.run(
            scripted(failure, RateLimited(), failure, RateLimited(), failure, "ok"), what="GET /x"
        )

        assert result == "ok"
        assert sleeps == [1, 4, 1, 8, 1]

    def test_other_errors_are_not_retried(self) -> None:
        sleeps: list[float] = []

        with pytest.raises(ProviderError, match="malformed"):
            Backoff(sleep=sleeps.append).run(scripted(ProviderError("malformed")), what="GET /x")

        assert sleeps == []

    def test_custom_policy(self) -> None:
        sleeps: list[float] = []
        backoff = Backoff(
            rate_limit_initial_s=1,
            rate_limit_max_total_s=10,
            server_error_retries=0,
            sleep=sleeps.append,
        )

        with pytest.raises(ProviderUnavailable, match="gave up after 0 retries"):
            backoff.run(scripted(TransientFailure("network error (X)")), what="GET /x")
        assert backoff.rate_limit_waits() == (1, 2, 4)

    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"rate_limit_initial_s": 0}, "rate_limit_initial_s must be > 0, was 0"),
            ({"rate_limit_max_total_s": -1}, "rate_limit_max_total_s must be >= 0, was -1"),
            ({"server_error_retries": -1}, "server_error_retries must be >= 0, was -1"),
            ({"server_error_delay_s": float("nan")}, "server_error_delay_s must be >= 0, was nan"),
        ],
    )
    def test_bad_policy_is_refused(self, options: dict[str, float], expected: str) -> None:
        with pytest.raises(ConfigurationError, match=expected):
            Backoff(**options)  # type: ignore[arg-type]
