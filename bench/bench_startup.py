"""Embedded system start and stop: first start (migrations), second start (reuse), SIGTERM stop.

The issue's budgets: a second ``make run`` serving within 15 s; a stop within 10 s. The figures
exclude virtualenv creation and pip (``make`` skips those when nothing changed).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tests.integration.system import launch


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tc2-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        first = launch(data_dir, extra_env={"TC2_ADMIN_PASSWORD": "bench-password-123"})
        _, first_stop = first.stop()
        second = launch(data_dir, extra_env={"TC2_ADMIN_PASSWORD": "bench-password-123"})
        _, second_stop = second.stop()
    for metric, value in (
        ("first_start_to_serving", first.ready_after_s),
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
