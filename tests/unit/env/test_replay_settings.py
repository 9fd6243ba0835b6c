"""ReplaySettings: the replay market's session, start and speed, read once from the environment."""

from __future__ import annotations

from datetime import date, time

import pytest

from tc2.env.replay_clock import DEFAULT_REPLAY_SPEED, ReplaySettings, ReplayState
from tc2.errors import ConfigurationError


class ReplaySettingsTests:
    def test_blank_means_the_latest_session_from_its_open_at_60x(self) -> None:
        settings = ReplaySettings.from_environ({"TC2_REPLAY_DAY": " ", "TC2_REPLAY_SPEED": ""})

        assert settings == ReplaySettings(day=None, start=None, speed=DEFAULT_REPLAY_SPEED)
        assert DEFAULT_REPLAY_SPEED == 60.0

    def test_a_day_a_start_and_a_speed_or_max(self) -> None:
        settings = ReplaySettings.from_environ(
            {"TC2_REPLAY_DAY": "2026-03-04", "TC2_REPLAY_FROM": "10:30", "TC2_REPLAY_SPEED": "5"}
        )
        fastest = ReplaySettings.from_environ({"TC2_REPLAY_SPEED": "MAX"})

        assert settings == ReplaySettings(day=date(2026, 3, 4), start=time(10, 30), speed=5.0)
        assert fastest.speed is None
        assert settings.signature != fastest.signature

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            ("TC2_REPLAY_DAY", "yesterday"),
            ("TC2_REPLAY_FROM", "25:00"),
            ("TC2_REPLAY_SPEED", "0"),
            ("TC2_REPLAY_SPEED", "-3"),
            ("TC2_REPLAY_SPEED", "fast"),
            ("TC2_REPLAY_SPEED", "inf"),
        ],
    )
    def test_a_wrong_value_is_refused_naming_its_variable(self, variable: str, value: str) -> None:
        with pytest.raises(ConfigurationError, match=variable):
            ReplaySettings.from_environ({variable: value})


class ReplayStateTests:
    def test_virtual_time_runs_at_the_speed_from_the_anchor(self) -> None:
        state = ReplayState(
            day=date(2026, 3, 4),
            start_t=1_000,
            close_t=50_000,
            speed=60.0,
            wall_anchor=100.0,
            now_t=1_000,
            session=1,
            signature="s",
        )

        assert state.virtual_t(100.0) == 1_000
        assert state.virtual_t(110.5) == 1_630
        assert state.wall_t(1_630) == 110.5
        assert (
            ReplayState.from_fields({k.encode(): v.encode() for k, v in state.to_fields().items()})
            == state
        )
