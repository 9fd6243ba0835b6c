"""Where analysis models keep their state and their latest grades: Redis, or memory.

Live and paper envs keep them in Redis under the env's keys
(``{namespace}:{env_type}:analysis:{kind}:{MODEL}``, one hash field per symbol), so the program,
the workers and the panel see the same models. A simulation gets a ``MemoryModelStateStore`` of its
own: models warmed for a simulated day never leak into the live ones (or another simulation).
Values are JSON documents.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, cast

from tc2.env.exec_env import ExecEnv

STATE = "state"
GRADE = "grade"


class ModelStateStore(ABC):
    """JSON documents per (kind, model, symbol); ``kind`` is ``state`` or ``grade``."""

    @abstractmethod
    def get(self, kind: str, model: str, symbol: str) -> dict[str, Any] | None:
        """The stored document, None when there is none."""

    @abstractmethod
    def put(self, kind: str, model: str, symbol: str, document: dict[str, Any]) -> None:
        """Store ``document``, replacing what was there."""

    @abstractmethod
    def delete(self, kind: str, model: str, symbol: str) -> bool:
        """Remove the document; whether there was one."""

    @abstractmethod
    def symbols(self, kind: str, model: str) -> list[str]:
        """The symbols with a document, sorted."""


class MemoryModelStateStore(ModelStateStore):
    """A store in this process's memory (simulations, tests)."""

    def __init__(self) -> None:
        self._documents: dict[tuple[str, str, str], str] = {}

    def get(self, kind: str, model: str, symbol: str) -> dict[str, Any] | None:
        text = self._documents.get((kind, model, symbol))
        return None if text is None else cast("dict[str, Any]", json.loads(text))

    def put(self, kind: str, model: str, symbol: str, document: dict[str, Any]) -> None:
        # Stored as text, like Redis: what comes back is a copy, never the caller's object.
        self._documents[(kind, model, symbol)] = json.dumps(document)

    def delete(self, kind: str, model: str, symbol: str) -> bool:
        return self._documents.pop((kind, model, symbol), None) is not None

    def symbols(self, kind: str, model: str) -> list[str]:
        return sorted(s for (k, m, s) in self._documents if k == kind and m == model)


class RedisModelStateStore(ModelStateStore):
    """A store in the env's Redis, under its key prefix.

    Raises
    ------
    ConfigurationError
        On first use, if the env has no Redis.
    """

    def __init__(self, env: ExecEnv) -> None:
        self._env = env

    def _key(self, kind: str, model: str) -> str:
        return self._env.key("analysis", kind, model)

    def get(self, kind: str, model: str, symbol: str) -> dict[str, Any] | None:
        raw = cast("bytes | None", self._env.redis.hget(self._key(kind, model), symbol))
        return None if raw is None else cast("dict[str, Any]", json.loads(raw))

    def put(self, kind: str, model: str, symbol: str, document: dict[str, Any]) -> None:
        self._env.redis.hset(self._key(kind, model), symbol, json.dumps(document))

    def delete(self, kind: str, model: str, symbol: str) -> bool:
        return bool(self._env.redis.hdel(self._key(kind, model), symbol))

    def symbols(self, kind: str, model: str) -> list[str]:
        keys = cast("list[bytes]", self._env.redis.hkeys(self._key(kind, model)))
        return sorted(key.decode() for key in keys)
