from __future__ import annotations

import pytest

from tc2.logs import LINE_PATTERN, LogLevel
from tc2.logs.line_format import format_lines, format_prefix, log_date

from ._support import epoch

# 2026-01-15 17:00:00.123 UTC and 2026-07-04 16:00:00.5 UTC, written out so the conversion is
# checked against known instants rather than against the code's own arithmetic.
WINTER_NOON = 1_768_496_400.123
SUMMER_NOON = 1_783_180_800.5


class FormatPrefixTests:
    def test_winter_time_is_utc_minus_five(self) -> None:
        assert format_prefix(WINTER_NOON, LogLevel.INFO, "scheduler") == (
            "2026-01-15 12:00:00.123 INFO [scheduler]"
        )

    def test_summer_time_is_utc_minus_four(self) -> None:
        assert format_prefix(SUMMER_NOON, LogLevel.WARNING, "data") == (
            "2026-07-04 12:00:00.500 WARNING [data]"
        )

    def test_spring_forward_skips_the_two_oclock_hour(self) -> None:
        # 2026-03-08 06:59:59.999 UTC is 01:59:59.999 EST; one millisecond later it is 03:00 EDT.
        before = 1_772_953_199.999
        assert format_prefix(before, LogLevel.DEBUG, "c").startswith("2026-03-08 01:59:59.999")
        assert format_prefix(before + 0.001, LogLevel.DEBUG, "c").startswith(
            "2026-03-08 03:00:00.000"
        )

    def test_milliseconds_are_truncated_not_rounded(self) -> None:
        assert format_prefix(WINTER_NOON + 0.0009, LogLevel.INFO, "c").startswith(
            "2026-01-15 12:00:00.123 "
        )

    @pytest.mark.parametrize(
        ("component", "shown"),
        [("a]b", "a_b"), ("x [y", "x__y"), ("multi\nline", "multi_line"), ("", "-")],
    )
    def test_component_cannot_break_the_prefix(self, component: str, shown: str) -> None:
        assert format_prefix(WINTER_NOON, LogLevel.ERROR, component).endswith(f"ERROR [{shown}]")


class LogDateTests:
    def test_date_is_the_new_york_date_not_the_utc_date(self) -> None:
        # 2026-11-21 03:30 UTC is still the evening of 2026-11-20 in New York.
        assert log_date(1_795_231_800.0) == "2026-11-20"

    def test_matches_the_wall_clock_helper(self) -> None:
        assert log_date(epoch(2026, 11, 21, 23, 59, 59.999)) == "2026-11-21"
        assert log_date(epoch(2026, 11, 22, 0, 0, 0)) == "2026-11-22"


class FormatLinesTests:
    def test_single_line_message(self) -> None:
        assert format_lines(WINTER_NOON, LogLevel.INFO, "api", "GET /api/logs 200") == [
            "2026-01-15 12:00:00.123 INFO [api] GET /api/logs 200"
        ]

    def test_every_line_of_a_multi_line_message_gets_the_prefix(self) -> None:
        lines = format_lines(WINTER_NOON, LogLevel.ERROR, "program", "boom\nline 2\r\n  line 3\n")

        assert lines == [
            "2026-01-15 12:00:00.123 ERROR [program] boom",
            "2026-01-15 12:00:00.123 ERROR [program] line 2",
            "2026-01-15 12:00:00.123 ERROR [program]   line 3",
        ]

    def test_other_line_breaks_split_too(self) -> None:
        lines = format_lines(WINTER_NOON, LogLevel.INFO, "c", "a\rb\u2028c\x0bd")

        assert [line.rsplit(" ", 1)[1] for line in lines] == ["a", "b", "c", "d"]

    def test_empty_message_is_one_line(self) -> None:
        assert format_lines(WINTER_NOON, LogLevel.INFO, "c", "") == [
            "2026-01-15 12:00:00.123 INFO [c] "
        ]

    def test_every_produced_line_matches_the_shared_pattern(self) -> None:
        lines = format_lines(SUMMER_NOON, LogLevel.DEBUG, "we[ird] name", "x\n\ny [z]")

        for line in lines:
            match = LINE_PATTERN.fullmatch(line)
            assert match is not None, line
            assert match["date"] == "2026-07-04"
            assert match["time"] == "12:00:00.500"
            assert match["level"] == "DEBUG"
            assert match["component"] == "we_ird__name"
