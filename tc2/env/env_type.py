"""The kinds of environment the engine runs in."""

from __future__ import annotations

from enum import StrEnum


class EnvType(StrEnum):
    """What an ``ExecEnv`` is for; its value is also the Redis key segment of that env.

    Keeping the value in every key means a simulation can never read or overwrite live state.
    """

    LIVE = "live"
    REPLAY = "replay"  # the offline replay market: its clock and streamed bars, apart from live
    SIMULATION = "simulation"
    OPTIMIZATION = "optimization"
    HEALTH_CHECKING = "health_checking"
    VISUAL_GENERATION = "visual_generation"
