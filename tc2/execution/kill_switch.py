"""The kill switch: one account-wide risk state in Redis that every trader and the web layer see.

States:

- ``ACTIVE``: orders go through the risk rules (``risk_rules``).
- ``REDUCING``: only orders that reduce a position pass. The daily loss limit sets it
  automatically: exits (stops, targets, the day trader's liquidation before the close) keep
  working while nothing new opens. HALTED was not chosen for the automatic trip because it
  cancels every open order, a position's protective stop included, and would leave positions
  unguarded until someone flattens them.
- ``HALTED``: every new order is refused and each trader cancels its open orders
  (``RiskAccount.enforce``); positions are closed only on request (``request_flatten``),
  once per request and account however many processes see it.

Only a person (through the API) loosens the state; the automatic trip only tightens
(``tighten``), so it can never undo a HALTED. A REDUCING set by the loss limit stays until
someone sets ACTIVE (the next session too): resuming after a losing day is a decision.

Keys under the env (the program's LIVE env, ``ExecEnv.key``), prefix ``{ns}:live:`` omitted::

    risk:switch                   hash: state, who, why, at, seq, flatten, flatten_who,
                                  flatten_why, flatten_at
    risk:switch:log               stream of transitions (kind state|flatten, from, to, who,
                                  why, at, seq), trimmed to about LOG_LENGTH entries
    risk:flatten:{n}:{account}    who claimed flatten request n for an account (24 h)

Every change is one Lua script (read, compare, write, append to the log), so two transitions at
once are serialized and each is logged with the state it left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tc2.env.exec_env import ExecEnv
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger

LOG_LENGTH = 1000
LOG_COMPONENT = "kill-switch"
FLATTEN_CLAIM_TTL_S = 24 * 3600
MAX_WHO = 64
MAX_WHY = 500

BAD_STATE_MESSAGE = "must be one of ACTIVE, REDUCING, HALTED; was {value!r}"
BAD_WHO_MESSAGE = f"must name who changes the state (1-{MAX_WHO} characters)"
BAD_WHY_MESSAGE = f"must say why (1-{MAX_WHY} characters)"
TRANSITION_LINE = "kill switch {before} -> {after} by {who}: {why}"
FLATTEN_LINE = "kill switch: flatten request {seq} by {who}: {why}"


class RiskState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"

    @property
    def rank(self) -> int:
        """How strict the state is (ACTIVE 0, REDUCING 1, HALTED 2)."""
        return _RANK[self]


_RANK = {RiskState.ACTIVE: 0, RiskState.REDUCING: 1, RiskState.HALTED: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchState:
    """The switch as read: the state, who set it, why, when (epoch s), its change count, and
    the number of flatten requests made (the latest one's id)."""

    state: RiskState = RiskState.ACTIVE
    who: str = ""
    why: str = ""
    at: float | None = None
    seq: int = 0
    flatten: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "who": self.who,
            "why": self.why,
            "at": self.at,
            "seq": self.seq,
            "flatten": self.flatten,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """One entry of the switch's log."""

    id: str  # the stream entry id: orders the log, resumes a reader
    kind: str  # "state" or "flatten"
    before: RiskState
    after: RiskState
    who: str
    why: str
    at: float
    seq: int  # the switch's change count (state) or the flatten request's number (flatten)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "before": self.before.value,
            "after": self.after.value,
            "who": self.who,
            "why": self.why,
            "at": self.at,
            "seq": self.seq,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeResult:
    """What a change did: ``changed`` False when the state already was the one asked for, the
    expected state did not match (``conflict``), or a tighten would have loosened it."""

    changed: bool
    state: SwitchState
    transition: Transition | None = None
    conflict: bool = False


_CHANGE = """
local current = redis.call('HGET', KEYS[1], 'state')
if not current then current = 'ACTIVE' end
if ARGV[6] ~= '' and ARGV[6] ~= current then return {0, 'conflict'} end
if ARGV[1] == current then return {0, 'same'} end
local rank = {ACTIVE = 0, REDUCING = 1, HALTED = 2}
if ARGV[5] == 'tighten' and rank[ARGV[1]] <= rank[current] then return {0, 'looser'} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'who', ARGV[2], 'why', ARGV[3], 'at', ARGV[4])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'kind', 'state',
  'from', current, 'to', ARGV[1], 'who', ARGV[2], 'why', ARGV[3], 'at', ARGV[4], 'seq', seq)
return {1, id}
"""

_FLATTEN = """
local current = redis.call('HGET', KEYS[1], 'state')
if current ~= 'HALTED' then return {0, current or 'ACTIVE'} end
local n = redis.call('HINCRBY', KEYS[1], 'flatten', 1)
redis.call('HSET', KEYS[1], 'flatten_who', ARGV[1], 'flatten_why', ARGV[2], 'flatten_at', ARGV[3])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'kind', 'flatten',
  'from', 'HALTED', 'to', 'HALTED', 'who', ARGV[1], 'why', ARGV[2], 'at', ARGV[3], 'seq', n)
return {1, id}
"""

FLATTEN_NOT_HALTED_MESSAGE = "flatten is asked for in HALTED only; the kill switch is {state}"


class KillSwitch:
    """The account-wide risk state in Redis.

    Parameters
    ----------
    env
        The program's LIVE env (every trader process and the web layer use the same keys).
    now
        The time of a change in epoch seconds; default the env's clock (the wall clock of
        the LIVE env).
    log
        Receives one line per change; default the ``live_trading`` feed, as ``[kill-switch]``.
    """

    def __init__(
        self,
        env: ExecEnv,
        *,
        now: Callable[[], float] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._env = env
        self._now = now if now is not None else env.clock.timestamp
        self._log = (
            log if log is not None else feed_logger(LogFeed.LIVE_TRADING, LOG_COMPONENT).info
        )
        self.key = env.key("risk", "switch")
        self.log_key = env.key("risk", "switch", "log")

    def read(self) -> SwitchState:
        """Return the switch as it stands (ACTIVE when never set)."""
        raw: Any = self._env.redis.hgetall(self.key)
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        if not fields:
            return SwitchState()
        return SwitchState(
            state=RiskState(fields.get("state", RiskState.ACTIVE.value)),
            who=fields.get("who", ""),
            why=fields.get("why", ""),
            at=float(fields["at"]) if "at" in fields else None,
            seq=int(fields.get("seq", 0)),
            flatten=int(fields.get("flatten", 0)),
        )

    def set(
        self, state: RiskState | str, *, who: str, why: str, expect: RiskState | None = None
    ) -> ChangeResult:
        """Set the state (the API's door); ``expect`` makes it a compare-and-set.

        Raises
        ------
        ValidationFailed
            If the state is not one of the three, or ``who``/``why`` are empty or too long.
        """
        return self._change(state, who=who, why=why, mode="set", expect=expect)

    def tighten(self, state: RiskState, *, who: str, why: str) -> ChangeResult:
        """Move to ``state`` only if it is stricter than the current one (the automatic trip)."""
        return self._change(state, who=who, why=why, mode="tighten", expect=None)

    def request_flatten(self, *, who: str, why: str) -> ChangeResult:
        """Ask every trader to close its account's positions (HALTED only); returns the switch
        with ``flatten`` counting this request.

        Raises
        ------
        ValidationFailed
            If the switch is not HALTED, or ``who``/``why`` are bad.
        """
        _check_words(who, why)
        at = self._now()
        script = self._env.redis.register_script(_FLATTEN)
        done, value = script(keys=[self.key, self.log_key], args=[who, why, repr(at), LOG_LENGTH])
        if not done:
            raise ValidationFailed(
                FLATTEN_NOT_HALTED_MESSAGE.format(state=value.decode()),
                {"state": [FLATTEN_NOT_HALTED_MESSAGE.format(state=value.decode())]},
            )
        state = self.read()
        self._log(FLATTEN_LINE.format(seq=state.flatten, who=who, why=why))
        return ChangeResult(changed=True, state=state, transition=self._entry(value))

    def claim_flatten(self, request: int, *, account: str, who: str) -> bool:
        """Claim flatten request ``request`` for ``account``: True for the first claimer only,
        so an account is flattened once however many processes see the request."""
        key = self._env.key("risk", "flatten", str(request), account)
        return bool(self._env.redis.set(key, who, nx=True, ex=FLATTEN_CLAIM_TTL_S))

    def history(self, count: int = 50) -> list[Transition]:
        """Return the latest ``count`` log entries, newest first."""
        rows: Any = self._env.redis.xrevrange(self.log_key, count=count)
        return [_transition(entry_id, fields) for entry_id, fields in rows]

    def transitions_after(
        self, last_id: str = "0-0", *, block_ms: int | None = None, count: int = 100
    ) -> list[Transition]:
        """Return the log entries after ``last_id`` (oldest first), waiting up to ``block_ms``
        for one when there is none (``$`` as ``last_id``: only those still to come)."""
        answer: Any = self._env.redis.xread({self.log_key: last_id}, count=count, block=block_ms)
        if not answer:
            return []
        return [_transition(entry_id, fields) for entry_id, fields in answer[0][1]]

    def _change(
        self, state: RiskState | str, *, who: str, why: str, mode: str, expect: RiskState | None
    ) -> ChangeResult:
        try:
            target = RiskState(state)
        except ValueError:
            raise ValidationFailed(
                "The kill switch state is not valid; nothing was changed.",
                {"state": [BAD_STATE_MESSAGE.format(value=state)]},
            ) from None
        _check_words(who, why)
        at = self._now()
        script = self._env.redis.register_script(_CHANGE)
        args = [target.value, who, why, repr(at), mode, expect.value if expect else "", LOG_LENGTH]
        done, value = script(keys=[self.key, self.log_key], args=args)
        current = self.read()
        if not done:
            return ChangeResult(changed=False, state=current, conflict=value == b"conflict")
        transition = self._entry(value)
        if transition is not None:
            self._log(
                TRANSITION_LINE.format(
                    before=transition.before.value, after=target.value, who=who, why=why
                )
            )
        return ChangeResult(changed=True, state=current, transition=transition)

    def _entry(self, entry_id: bytes) -> Transition | None:
        rows: Any = self._env.redis.xrange(self.log_key, min=entry_id, max=entry_id)
        return _transition(rows[0][0], rows[0][1]) if rows else None


def set_risk_state(
    env: ExecEnv,
    state: RiskState | str,
    *,
    who: str,
    why: str,
    expect: RiskState | None = None,
    log: Callable[[str], None] | None = None,
) -> ChangeResult:
    """Set the kill switch of ``env`` (the function the trading API calls).

    Raises
    ------
    ValidationFailed
        As ``KillSwitch.set``.
    """
    return KillSwitch(env, log=log).set(state, who=who, why=why, expect=expect)


def _check_words(who: str, why: str) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(who, str) or not 0 < len(who.strip()) <= MAX_WHO:
        errors["who"] = [BAD_WHO_MESSAGE]
    if not isinstance(why, str) or not 0 < len(why.strip()) <= MAX_WHY:
        errors["why"] = [BAD_WHY_MESSAGE]
    if errors:
        raise ValidationFailed("The kill switch change is not valid; nothing was changed.", errors)


def _transition(entry_id: bytes, fields: dict[bytes, bytes]) -> Transition:
    text = {k.decode(): v.decode() for k, v in fields.items()}
    return Transition(
        id=entry_id.decode(),
        kind=text["kind"],
        before=RiskState(text["from"]),
        after=RiskState(text["to"]),
        who=text["who"],
        why=text["why"],
        at=float(text["at"]),
        seq=int(text["seq"]),
    )
