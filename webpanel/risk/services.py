"""Change the risk controls: set the kill switch (ACTIVE, REDUCING, HALTED) and ask the traders
to flatten in HALTED. Both go through ``tc2.execution.kill_switch`` on the program's LIVE env,
so every trader process sees the change at its next order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis
from django.contrib.auth.models import AbstractBaseUser

from tc2.errors import ValidationFailed
from tc2.execution.kill_switch import (
    BAD_STATE_MESSAGE,
    ChangeResult,
    KillSwitch,
    RiskState,
    set_risk_state,
)
from webpanel.core.errors import Conflict, ServiceUnavailable
from webpanel.program.selectors import program_env

STATE_FIELDS = {"state", "why", "expect"}
FLATTEN_FIELDS = {"why"}
CONFLICT_MESSAGE = (
    "The kill switch is {current}, not {expect} as expected: someone changed it meanwhile; "
    "nothing was changed."
)


def risk_state_set(*, body: Mapping[str, Any], user: AbstractBaseUser) -> dict[str, Any]:
    """Set the kill switch to ``body["state"]`` saying ``body["why"]``; with ``body["expect"]``
    only if the switch is in that state (compare-and-set).

    Returns the switch, whether it changed (False: it already was in that state) and the
    transition logged.

    Raises
    ------
    ValidationFailed
        A key other than state/why/expect, a state not one of the three, an empty why (422).
    Conflict
        ``expect`` given and the switch is in another state (409, the current switch in
        ``details.switch``).
    ServiceUnavailable
        Redis does not answer (503).
    """
    _check_fields(body, STATE_FIELDS)
    expect = body.get("expect")
    if expect is not None and (not isinstance(expect, str) or expect not in RiskState.__members__):
        raise ValidationFailed(
            "The expected kill switch state is not valid; nothing was changed.",
            {"expect": [BAD_STATE_MESSAGE.format(value=expect)]},
        )
    try:
        result = set_risk_state(
            program_env(),
            body.get("state", ""),
            who=user.get_username(),
            why=_text(body.get("why")),
            expect=RiskState(expect) if expect is not None else None,
        )
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    if result.conflict:
        raise Conflict(
            CONFLICT_MESSAGE.format(current=result.state.state.value, expect=expect),
            {"switch": result.state.to_dict()},
        )
    return _result(result)


def risk_flatten_request(*, body: Mapping[str, Any], user: AbstractBaseUser) -> dict[str, Any]:
    """Ask every trader to close its positions at market (the switch must be HALTED).

    Raises
    ------
    ValidationFailed
        A key other than why, an empty why, or the switch not HALTED (422, naming the state).
    ServiceUnavailable
        Redis does not answer (503).
    """
    _check_fields(body, FLATTEN_FIELDS)
    try:
        result = KillSwitch(program_env()).request_flatten(
            who=user.get_username(), why=_text(body.get("why"))
        )
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    return _result(result)


def _check_fields(body: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise ValidationFailed(
            "The request has fields this route does not take; nothing was changed.",
            {name: ["is not a field of this request"] for name in extra},
        )


def _text(value: Any) -> str:
    # The engine checks length and emptiness and names the field; only the type is ours.
    return value if isinstance(value, str) else ""


def _result(result: ChangeResult) -> dict[str, Any]:
    return {
        "changed": result.changed,
        "switch": result.state.to_dict(),
        "transition": None if result.transition is None else result.transition.to_dict(),
    }
