"""The command line on daily bars: ``import-bars`` refuses or skips a vendor's holiday rows,
then ``evaluate --resolution 1d`` runs a swing strategy on what was imported."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tc2.env import MarketCalendar

pytestmark = pytest.mark.django_db

CALENDAR = MarketCalendar.xnys()
HOLIDAY = date(2025, 7, 4)


def _yahoo_file(folder: Path) -> tuple[Path, int]:
    """Daily rows from 2025-03-03 to 2025-09-30, sessions and the 4th of July; the holiday's
    line number."""
    lines = ["Date,Open,High,Low,Close,Volume"]
    holiday_line = 0
    day, index = date(2025, 3, 3), 0
    while day <= date(2025, 9, 30):
        if CALENDAR.is_session(day) or day == HOLIDAY:
            close = 100 + 8 * math.sin(index / 6) + index * 0.05
            open_ = close - 0.4 * math.cos(index / 3)
            high, low = max(open_, close) + 2, min(open_, close) - 2
            lines.append(f"{day},{open_:.4f},{high:.4f},{low:.4f},{close:.4f},1000000")
            if day == HOLIDAY:
                holiday_line = len(lines)
            index += 1
        day += timedelta(days=1)
    path = folder / "xyz.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, holiday_line


def _run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


class DailyImportAndEvaluateTests:
    def test_holiday_row_refused_then_skipped_then_evaluated_on_daily_bars(
        self, tmp_path: Path
    ) -> None:
        path, holiday_line = _yahoo_file(tmp_path)
        base = (str(path), "--symbol", "XYZ", "--format", "yahoo")

        with pytest.raises(CommandError) as refused:
            _run("import-bars", *base)
        assert f"line {holiday_line}: 2025-07-04 (New York) is not a trading session" in str(
            refused.value
        )
        with pytest.raises(CommandError, match="no 1d bars of XYZ on file"):
            _run(
                "evaluate",
                "--strategy",
                "SmaCrossStrategy",
                "--symbols",
                "XYZ",
                "--start",
                "2025-03-03",
                "--end",
                "2025-09-30",
                "--resolution",
                "1d",
            )

        imported = _run("import-bars", *base, "--non-session", "skip")
        assert "skipped 1 rows on days that are not sessions" in imported
        assert f"skipped line {holiday_line}: 2025-07-04" in imported

        arguments = (
            "--strategy",
            "SmaCrossStrategy",
            "--symbols",
            "XYZ",
            "--start",
            "2025-03-03",
            "--end",
            "2025-09-30",
            "--params",
            json.dumps({"fast": 5, "slow": 20, "qty": 100, "stop_loss": 0.2}),
            "--fill-model",
            "backtrader",
            "--warmup-days",
            "0",
            "--resolution",
            "1d",
        )
        simulated = _run(
            "simulate", "--strategy", "SmaCrossStrategy", "--symbol", "XYZ",
            "--day", "2025-07-07", "--resolution", "1d", "--warmup-days", "10",
        )  # fmt: skip
        assert "SmaCrossStrategy (swing, 1d bars) on XYZ, 2025-07-07" in simulated
        summary = _run("evaluate", *arguments)
        assert "fill model backtrader, 1d bars" in summary
        evaluation = json.loads(_run("evaluate", *arguments, "--json"))
        assert evaluation["resolution"] == "1d"
        assert sum(day["fills"] for day in evaluation["days"]) >= 4

    def test_a_day_strategy_on_daily_bars_is_refused_by_the_command(self) -> None:
        with pytest.raises(CommandError, match="CycleStrategy is a day strategy"):
            _run(
                "simulate",
                "--strategy",
                "CycleStrategy",
                "--symbol",
                "SPY",
                "--day",
                "2025-07-03",
                "--resolution",
                "1d",
            )
