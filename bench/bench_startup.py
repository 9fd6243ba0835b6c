"""Embedded system start and stop, as ``make run`` does them.

First start on an empty data directory (migrations, and the data collector seeding 60 synthetic
sessions of the five default symbols at 1 s and 1 m, and 190 more at 1 m, until
``data_loaded``), second start (all
reused), SIGTERM stop. The issue's budgets: seeding under 30 s; a second start serving within
15 s; a stop within 10 s. Virtualenv creation and pip are excluded (``make`` skips them when
nothing changed).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.env.config import DEFAULT_SEED_MINUTE_SESSIONS, DEFAULT_SEED_SESSIONS
from tests.integration.system import launch, wait_for


def main() -> None:
    password = secrets.token_urlsafe(18)
    env = {
        "TC2_ADMIN_PASSWORD": password,
        "TC2_SEED_SESSIONS": str(DEFAULT_SEED_SESSIONS),
        "TC2_SEED_MINUTE_SESSIONS": str(DEFAULT_SEED_MINUTE_SESSIONS),
    }
    with tempfile.TemporaryDirectory(prefix="tc2-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.monotonic()
        first = launch(data_dir, extra_env=env)
        token = first.token(password)
        loaded = wait_for(
            lambda: (
                "data_loaded"
                in first.request("GET", "/api/program/status", token=token)[2].get("conditions", [])
            ),
            timeout=180,
        )
        data_loaded_s = time.monotonic() - started
        _, first_stop = first.stop()
        second = launch(data_dir, extra_env=env)
        _, second_stop = second.stop()
    assert loaded, "data_loaded never came"
    for metric, value in (
        ("first_start_to_serving", first.ready_after_s),
        ("first_start_to_data_loaded_60_1s_250_1m_sessions_5_symbols", data_loaded_s),
        ("second_start_to_serving", second.ready_after_s),
        ("stop", max(first_stop, second_stop)),
    ):
        emit(
            bench="startup",
            case="embedded make run",
            metric=metric,
            value=round(value, 2),
            unit="s",
        )


if __name__ == "__main__":
    main()
