"""What ``make run`` seeds from the synthetic market: recent sessions at 1 s and 1 m, and minute
bars far enough back for every analysis model a built-in strategy requires."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tc2.analysis.feeder import LEARN_SESSIONS
from tc2.analysis.judge import WARM_SESSIONS
from tc2.analysis.rally import RallyModel
from tc2.analysis.spot_models import High96PctModel, ProfitabilityModel, Volume50Model
from tc2.data.bars import Resolution
from tc2.data.collection import completed_sessions
from tc2.env import MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.program.data_collector import COLLECTED_RESOLUTIONS, seed_plan

CALENDAR = MarketCalendar.xnys()
NOW = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # a Saturday: the last session is Friday's
DEFAULTS = RuntimeConfig.from_environ({})
EVALUATED_SESSIONS = 5  # the README's "last sessions" a new user simulates


class SeedPlanTests:
    def test_recent_sessions_get_every_resolution_and_older_ones_minutes(self) -> None:
        history, recent = seed_plan(CALENDAR, NOW, sessions=60, minute_sessions=250)

        assert recent.resolutions == COLLECTED_RESOLUTIONS
        assert history.resolutions == (Resolution.MINUTE,)
        assert len(recent.days) == 60 and recent.days[-1] == date(2026, 12, 4)
        assert len(history.days) == 190
        assert list(history.days + recent.days) == completed_sessions(CALENDAR, NOW, 250)

    def test_no_minute_history_beyond_the_sessions_leaves_one_part(self) -> None:
        (only,) = seed_plan(CALENDAR, NOW, sessions=2, minute_sessions=0)

        assert only.resolutions == COLLECTED_RESOLUTIONS and len(only.days) == 2

    def test_the_default_minute_history_covers_every_models_need_on_the_last_days(self) -> None:
        minute_sessions = DEFAULTS.seed_minute_sessions
        before_the_first_evaluated = minute_sessions - EVALUATED_SESSIONS

        assert DEFAULTS.seed_sessions == 60 and minute_sessions >= LEARN_SESSIONS
        for needed in (
            ProfitabilityModel.MIN_DAYS,
            High96PctModel.SESSIONS,
            Volume50Model.SESSIONS + 1,
            RallyModel.min_examples,
            WARM_SESSIONS,
        ):
            assert before_the_first_evaluated >= needed
