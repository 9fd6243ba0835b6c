"""Unit-test settings shared by every engine test.

``TC2_TEST_CLOCK_SHIFT_DAYS=N`` runs the tests with the wall clock moved N days ahead (time
travel with time-machine, ticking), so ``tests/unit/test_clock_independence.py`` can prove that
no test depends on the day it runs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

CLOCK_SHIFT_VARIABLE = "TC2_TEST_CLOCK_SHIFT_DAYS"


def pytest_configure(config: pytest.Config) -> None:
    shift = os.environ.get(CLOCK_SHIFT_VARIABLE)
    if not shift:
        return
    import time_machine  # a dev dependency, only needed for time travel

    traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=int(shift)), tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)
