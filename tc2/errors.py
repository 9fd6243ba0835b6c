"""One error hierarchy for the engine.

Each class says what the operator should do when it is raised. The web layer maps these to the API's
error contract in one place (``webpanel.core.exception_handler``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class TC2Error(Exception):
    """Base of every error the engine raises on purpose."""


class ConfigurationError(TC2Error):
    """A setting or environment variable is wrong; fix it and restart. Nothing was changed."""


class ValidationFailed(ConfigurationError):
    """Input failed validation; ``field_errors`` names each bad field. Nothing was changed.

    Parameters
    ----------
    message
        One sentence for the user.
    field_errors
        Field name (dotted for nested fields) -> list of messages naming the bad value.
    """

    def __init__(self, message: str, field_errors: Mapping[str, Sequence[str]]) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in field_errors.items()}


class ClockError(TC2Error):
    """Code tried to move a clock backward or read time it may not see: a programming error."""


class DataError(TC2Error):
    """Market data is missing or invalid; repair or re-collect it before relying on it."""


class StrategyError(TC2Error):
    """User strategy code failed; fix the strategy. The engine kept running."""


class ExecutionError(TC2Error):
    """An order could not be placed or tracked; check the broker and the account."""


class TemporaryBrokerError(ExecutionError):
    """The broker is unreachable or rate-limiting; usually resolves itself, retried with backoff."""


class LookAheadError(StrategyError):
    """Code asked for data from after its clock (look-ahead); the run was stopped, fix the code.

    Raised by every clock-gated data access: a bar that has not ended yet, a bar after now, a
    model trained on the simulated day or later, a user-defined indicator or signal whose value
    at a bar changed once later bars arrived (the message names it).
    """
