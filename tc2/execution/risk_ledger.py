"""What the risk engine keeps between orders, shared by every trader: the start-of-day equity,
the orders of the last minute, and the refusals made (kept for display).

``RedisRiskLedger`` keeps them in Redis under the program's LIVE env, so the day trader, the
swing trader and the web layer count one account; ``MemoryRiskLedger`` in memory (unit tests,
a run nobody shares). Keys, prefix ``{ns}:live:`` omitted::

    risk:day_start:{YYYY-MM-DD}   the session's start-of-day equity (first writer wins), 4 days
    risk:orders                   sorted set of the last minute's orders (score: epoch s)
    risk:refusals                 list of JSON refusals, newest first, REFUSALS_KEPT long
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from datetime import date
from typing import Protocol

from tc2.env.exec_env import ExecEnv

RATE_WINDOW_S = 60.0
REFUSALS_KEPT = 500
DAY_START_TTL_S = 4 * 24 * 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """One order the risk engine refused: which rule, the message with its figures, the order."""

    at: float  # epoch s on the engine's clock
    trader: str  # who sent it: "day", "swing", a run's key
    rule: str  # kill_switch, daily_loss, open_positions, symbol_exposure, total_exposure,
    # order_rate
    message: str
    symbol: str
    side: str
    qty: float | None
    notional: float | None
    client_order_id: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class RefusalSink(Protocol):
    """Hears every refusal (the records layer, notifications, the ledger for display)."""

    def refusal_recorded(self, refusal: Refusal) -> None: ...


class RiskLedger(Protocol):
    def day_start_equity(self, day: date, equity: float) -> float:
        """Return ``day``'s start-of-day equity, setting it to ``equity`` if none was kept."""
        ...

    def admit_order(self, now: float, limit: int | None) -> tuple[bool, int]:
        """Count an order at ``now`` unless ``limit`` orders were counted in the 60 s before;
        return whether it was counted and the count it would make."""
        ...

    def refusal_recorded(self, refusal: Refusal) -> None: ...

    def refusals(self, count: int = 50) -> list[Refusal]:
        """The latest refusals, newest first."""
        ...


_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[3])
local count = redis.call('ZCARD', KEYS[1]) + 1
if ARGV[2] ~= '' and count > tonumber(ARGV[2]) then return {0, count} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[3]) + 1)
return {1, count}
"""


class RedisRiskLedger:
    """The ledger in Redis: one account's figures for every trader process."""

    def __init__(self, env: ExecEnv) -> None:
        self._env = env
        self._orders_key = env.key("risk", "orders")
        self._refusals_key = env.key("risk", "refusals")

    def day_start_equity(self, day: date, equity: float) -> float:
        key = self._env.key("risk", "day_start", day.isoformat())
        redis = self._env.redis
        redis.set(key, repr(float(equity)), nx=True, ex=DAY_START_TTL_S)
        kept = redis.get(key)
        return float(kept) if kept is not None else equity

    def day_start(self, day: date) -> float | None:
        """``day``'s start-of-day equity if one was kept (a reader's view: sets nothing)."""
        kept = self._env.redis.get(self._env.key("risk", "day_start", day.isoformat()))
        return None if kept is None else float(kept)

    def orders_last_minute(self, now: float) -> int:
        """Orders counted in the 60 s before ``now``."""
        return int(self._env.redis.zcount(self._orders_key, now - RATE_WINDOW_S, "+inf"))

    def admit_order(self, now: float, limit: int | None) -> tuple[bool, int]:
        script = self._env.redis.register_script(_ADMIT)
        member = f"{now!r}:{uuid.uuid4().hex}"
        args = [repr(now), "" if limit is None else str(limit), repr(RATE_WINDOW_S), member]
        done, count = script(keys=[self._orders_key], args=args)
        return bool(done), int(count)

    def refusal_recorded(self, refusal: Refusal) -> None:
        pipe = self._env.redis.pipeline()
        pipe.lpush(self._refusals_key, json.dumps(refusal.to_dict()))
        pipe.ltrim(self._refusals_key, 0, REFUSALS_KEPT - 1)
        pipe.execute()

    def refusals(self, count: int = 50) -> list[Refusal]:
        rows = self._env.redis.lrange(self._refusals_key, 0, count - 1)
        return [Refusal(**json.loads(row)) for row in rows]


class MemoryRiskLedger:
    """The ledger in memory, thread-safe (unit tests, one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._starts: dict[date, float] = {}
        self._orders: deque[float] = deque()
        self._refusals: deque[Refusal] = deque(maxlen=REFUSALS_KEPT)

    def day_start_equity(self, day: date, equity: float) -> float:
        with self._lock:
            return self._starts.setdefault(day, equity)

    def admit_order(self, now: float, limit: int | None) -> tuple[bool, int]:
        with self._lock:
            while self._orders and self._orders[0] <= now - RATE_WINDOW_S:
                self._orders.popleft()
            count = len(self._orders) + 1
            if limit is not None and count > limit:
                return False, count
            self._orders.append(now)
            return True, count

    def refusal_recorded(self, refusal: Refusal) -> None:
        with self._lock:
            self._refusals.appendleft(refusal)

    def refusals(self, count: int = 50) -> list[Refusal]:
        with self._lock:
            return list(self._refusals)[:count]
