"""The price store contract: what every ``PriceStore`` backend must do, whatever it stores in.

A backend's test module subclasses ``PriceStoreContract`` (as ``<Backend>ContractTests``) and
provides two fixtures: ``store``, an empty store in namespace ``simulation``, and ``make_store``,
which opens another namespace over the same storage (the isolation tests need two).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.import_journal import ImportJournal
from tc2.data.store import BarSeries, DayNotOnFile, PriceStore
from tc2.errors import DataError

StoreFactory = Callable[[str], PriceStore]

DEFAULT_BARS = {Resolution.SECOND: 600, Resolution.MINUTE: 390, Resolution.DAY: 1}


def make_bars(
    symbol: str,
    day: date,
    resolution: Resolution = Resolution.MINUTE,
    *,
    bars: int | None = None,
    seed: int = 0,
    extras: bool = True,
) -> SymbolDay:
    """A valid day of random-walk bars from 14:30 UTC (the same New York date all year)."""
    count = DEFAULT_BARS[resolution] if bars is None else bars
    rng = np.random.default_rng([seed, day.toordinal(), resolution.seconds])
    start = int(datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC).timestamp())
    close = 100.0 + np.cumsum(rng.normal(0.0, 0.05, count))
    open_ = np.concatenate([[100.0], close[:-1]])[:count]
    spread = rng.uniform(0.0, 0.05, (2, count))
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=resolution,
        t=start + resolution.seconds * np.arange(count, dtype=np.int64),
        o=open_,
        h=np.maximum(open_, close) + spread[0],
        l=np.minimum(open_, close) - spread[1],
        c=close,
        v=rng.integers(0, 10_000, count).astype(np.float64),
        n=rng.integers(0, 100, count) if extras else None,
        vw=(open_ + close) / 2 if extras else None,
    )


def assert_same_bars(loaded: SymbolDay, saved: SymbolDay) -> None:
    """Every column equal, bit for bit, and ``n``/``vw`` present exactly when saved."""
    assert (loaded.symbol, loaded.day, loaded.resolution) == (
        saved.symbol,
        saved.day,
        saved.resolution,
    )
    for name in ("t", "o", "h", "l", "c", "v", "n", "vw"):
        mine, theirs = getattr(loaded, name), getattr(saved, name)
        assert (mine is None) == (theirs is None), name
        if mine is not None:
            assert mine.dtype == theirs.dtype, name
            assert np.array_equal(mine, theirs), name


def assert_series_of(series: BarSeries, days: list[SymbolDay]) -> None:
    """``series`` is exactly ``days`` concatenated."""
    assert series.days == tuple(bars.day for bars in days)
    assert len(series) == sum(len(bars) for bars in days)
    for name in ("t", "o", "h", "l", "c", "v"):
        expected = np.concatenate([getattr(bars, name) for bars in days])
        assert np.array_equal(getattr(series, name), expected), name


JAN_30, JAN_31, FEB_1, FEB_2 = (
    date(2024, 1, 30),
    date(2024, 1, 31),
    date(2024, 2, 1),
    date(2024, 2, 2),
)
SECOND, MINUTE = Resolution.SECOND, Resolution.MINUTE


class PriceStoreContract:
    """Backend-independent behaviour of ``PriceStore``; needs ``store`` and ``make_store``."""

    # Round trips

    @pytest.mark.parametrize("resolution", [SECOND, MINUTE, Resolution.DAY])
    @pytest.mark.parametrize("extras", [True, False])
    def test_saved_day_loads_back_exactly(
        self, store: PriceStore, resolution: Resolution, extras: bool
    ) -> None:
        saved = make_bars("SPY", JAN_30, resolution, extras=extras)

        store.save_day(saved)

        assert_same_bars(store.load_day("SPY", JAN_30, resolution), saved)

    def test_a_day_with_no_bars_is_on_file_and_loads_empty(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30, bars=0))

        assert store.dates_on_file("SPY") == [JAN_30]
        assert len(store.load_day("SPY", JAN_30, MINUTE)) == 0

    def test_share_class_symbols_are_stored(self, store: PriceStore) -> None:
        saved = make_bars("BRK.B", JAN_30)

        store.save_day(saved)

        assert_same_bars(store.load_day("BRK.B", JAN_30, MINUTE), saved)
        assert store.symbols() == ["BRK.B"]

    # Upsert

    def test_save_day_replaces_the_whole_day(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30, bars=390, seed=1, extras=True))
        replacement = make_bars("SPY", JAN_30, bars=120, seed=2, extras=False)

        store.save_day(replacement)

        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), replacement)
        assert store.dates_on_file("SPY") == [JAN_30]

    def test_replacing_a_day_leaves_its_neighbours_alone(self, store: PriceStore) -> None:
        before, after = make_bars("SPY", JAN_30), make_bars("SPY", FEB_1)
        store.save_days([before, make_bars("SPY", JAN_31, seed=1), after])

        store.save_day(make_bars("SPY", JAN_31, seed=2))

        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), before)
        assert_same_bars(store.load_day("SPY", FEB_1, MINUTE), after)

    def test_save_days_lets_a_later_entry_for_the_same_day_win(self, store: PriceStore) -> None:
        last = make_bars("SPY", JAN_30, seed=2)

        store.save_days([make_bars("SPY", JAN_30, seed=1), make_bars("SPY", FEB_1), last])

        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), last)
        assert store.dates_on_file("SPY") == [JAN_30, FEB_1]

    def test_bars_outside_their_new_york_date_are_rejected(self, store: PriceStore) -> None:
        bars = make_bars("SPY", JAN_30)
        mislabelled = SymbolDay.from_columns(
            symbol="SPY", day=JAN_31, resolution=MINUTE, columns=bars.columns()
        )

        with pytest.raises(DataError, match="labelled 2024-01-31"):
            store.save_day(mislabelled)
        assert store.dates_on_file("SPY") == []

    # Loading

    def test_unknown_day_raises_day_not_on_file(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30))

        for symbol, day in (("SPY", JAN_31), ("QQQ", JAN_30)):
            with pytest.raises(DayNotOnFile, match=f"{symbol} on file for {day}"):
                store.load_day(symbol, day, MINUTE)
        with pytest.raises(LookupError):
            store.load_day("SPY", JAN_30, SECOND)

    def test_load_range_concatenates_days_across_a_month_boundary(self, store: PriceStore) -> None:
        days = [make_bars("SPY", day, SECOND) for day in (JAN_30, JAN_31, FEB_1, FEB_2)]
        store.save_days(reversed(days))

        series = store.load_range("SPY", JAN_30, FEB_2, SECOND)

        assert_series_of(series, days)
        assert np.all(np.diff(series.t) > 0)
        assert (series.symbol, series.resolution) == ("SPY", SECOND)
        assert np.array_equal(series.n, np.concatenate([bars.n for bars in days]))

    def test_load_range_keeps_only_days_within_its_bounds(self, store: PriceStore) -> None:
        days = [make_bars("SPY", day) for day in (JAN_30, JAN_31, FEB_1, FEB_2)]
        store.save_days(days)

        assert_series_of(store.load_range("SPY", JAN_31, FEB_1, MINUTE), days[1:3])
        assert_series_of(store.load_range("SPY", FEB_2, date(2024, 12, 31), MINUTE), days[3:])

    def test_load_range_with_nothing_on_file_is_empty(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30))

        for symbol, start, end in (("SPY", FEB_1, FEB_2), ("QQQ", JAN_30, FEB_2)):
            series = store.load_range(symbol, start, end, MINUTE)
            assert len(series) == 0
            assert series.days == ()
            assert series.t.dtype == np.int64

    def test_load_range_drops_n_and_vw_unless_every_day_has_them(self, store: PriceStore) -> None:
        store.save_days(
            [make_bars("SPY", JAN_30, extras=True), make_bars("SPY", FEB_1, extras=False)]
        )

        mixed = store.load_range("SPY", JAN_30, FEB_1, MINUTE)
        only_first = store.load_range("SPY", JAN_30, JAN_31, MINUTE)

        assert (mixed.n, mixed.vw) == (None, None)
        assert only_first.n is not None and only_first.vw is not None

    def test_loaded_arrays_are_read_only(self, store: PriceStore) -> None:
        store.save_day(make_bars("SPY", JAN_30))

        day = store.load_day("SPY", JAN_30, MINUTE)
        series = store.load_range("SPY", JAN_30, JAN_30, MINUTE)

        for array in (day.c, series.c, series.t):
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 1

    # Listing

    def test_dates_on_file_are_ordered_and_filtered(self, store: PriceStore) -> None:
        store.save_days([make_bars("SPY", day) for day in (FEB_2, JAN_30, FEB_1, JAN_31)])

        assert store.dates_on_file("SPY") == [JAN_30, JAN_31, FEB_1, FEB_2]
        assert store.dates_on_file("SPY", start=JAN_31) == [JAN_31, FEB_1, FEB_2]
        assert store.dates_on_file("SPY", end=JAN_31) == [JAN_30, JAN_31]
        assert store.dates_on_file("SPY", JAN_31, FEB_1) == [JAN_31, FEB_1]
        assert store.dates_on_file("SPY", resolution=SECOND) == []
        assert store.dates_on_file("QQQ") == []

    def test_seconds_and_minutes_are_kept_apart(self, store: PriceStore) -> None:
        seconds, minutes = make_bars("SPY", JAN_30, SECOND), make_bars("SPY", JAN_30, MINUTE)
        store.save_days([seconds, make_bars("SPY", JAN_31, SECOND), minutes])

        assert store.dates_on_file("SPY", resolution=SECOND) == [JAN_30, JAN_31]
        assert store.dates_on_file("SPY", resolution=MINUTE) == [JAN_30]
        assert_same_bars(store.load_day("SPY", JAN_30, SECOND), seconds)
        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), minutes)
        assert store.delete_day("SPY", JAN_30, SECOND)
        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), minutes)

    def test_symbols_lists_symbols_with_days_on_file(self, store: PriceStore) -> None:
        store.save_days([make_bars("SPY", JAN_30), make_bars("QQQ", JAN_30, SECOND)])

        assert store.symbols() == ["QQQ", "SPY"]
        assert store.symbols(MINUTE) == ["SPY"]
        assert store.symbols(SECOND) == ["QQQ"]
        store.delete_day("QQQ", JAN_30, SECOND)
        assert store.symbols() == ["SPY"]

    # Removing

    def test_delete_day_reports_whether_the_day_was_on_file(self, store: PriceStore) -> None:
        store.save_days([make_bars("SPY", JAN_30), make_bars("SPY", JAN_31)])

        assert store.delete_day("SPY", JAN_30, MINUTE) is True
        assert store.delete_day("SPY", JAN_30, MINUTE) is False
        assert store.delete_day("QQQ", JAN_30, MINUTE) is False
        assert store.dates_on_file("SPY") == [JAN_31]

    def test_drop_symbol_counts_days_at_every_resolution(self, store: PriceStore) -> None:
        store.save_days(
            [make_bars("SPY", day, res) for day in (JAN_30, FEB_1) for res in (SECOND, MINUTE)]
            + [make_bars("QQQ", JAN_30)]
        )

        assert store.drop_symbol("SPY") == 4
        assert store.drop_symbol("SPY") == 0
        assert store.symbols() == ["QQQ"]
        assert store.dates_on_file("SPY", resolution=SECOND) == []
        store.save_day(make_bars("SPY", JAN_31))
        assert store.dates_on_file("SPY") == [JAN_31]

    def test_corporate_actions_are_kept_in_ex_date_order_and_replaced_by_key(
        self, store: PriceStore
    ) -> None:
        split = CorporateAction(
            symbol="ORCL", ex_date=date(2000, 10, 13), kind=ActionKind.SPLIT, ratio=2.0
        )
        dividend = CorporateAction(
            symbol="ORCL", ex_date=date(2000, 1, 19), kind=ActionKind.DIVIDEND, cash=0.25
        )
        store.save_actions("ORCL", [split, dividend])
        corrected = CorporateAction(
            symbol="ORCL", ex_date=date(2000, 1, 19), kind=ActionKind.DIVIDEND, factor=0.99
        )
        store.save_actions("ORCL", [corrected])

        assert store.load_actions("ORCL") == (corrected, split)
        assert store.load_actions("SPY") == ()

    def test_corporate_actions_go_with_their_symbol_and_namespace(
        self, store: PriceStore, make_store: StoreFactory
    ) -> None:
        split = CorporateAction(symbol="SPY", ex_date=JAN_31, kind=ActionKind.SPLIT, ratio=3.0)
        store.save_actions("SPY", [split])
        store.save_day(make_bars("SPY", JAN_30))

        assert make_store("other").load_actions("SPY") == ()
        store.drop_symbol("SPY")
        assert store.load_actions("SPY") == ()

    def test_an_action_of_another_symbol_is_refused_and_nothing_kept(
        self, store: PriceStore
    ) -> None:
        good = CorporateAction(symbol="SPY", ex_date=JAN_31, kind=ActionKind.SPLIT, ratio=2.0)
        other = CorporateAction(symbol="QQQ", ex_date=JAN_31, kind=ActionKind.SPLIT, ratio=2.0)

        with pytest.raises(ValueError, match="QQQ cannot be kept as one of SPY"):
            store.save_actions("SPY", [good, other])
        assert store.load_actions("SPY") == ()

    def test_remove_before_is_strict_and_spans_symbols_and_resolutions(
        self, store: PriceStore
    ) -> None:
        store.save_days(
            [make_bars(s, d) for s in ("SPY", "QQQ") for d in (JAN_30, JAN_31, FEB_1, FEB_2)]
            + [make_bars("SPY", JAN_30, SECOND)]
        )

        assert store.remove_before(FEB_1, symbol="QQQ") == 2
        assert store.dates_on_file("QQQ") == [FEB_1, FEB_2]
        assert store.dates_on_file("SPY") == [JAN_30, JAN_31, FEB_1, FEB_2]
        assert store.remove_before(JAN_31) == 2
        assert store.dates_on_file("SPY") == [JAN_31, FEB_1, FEB_2]
        assert store.dates_on_file("SPY", resolution=SECOND) == []
        assert store.remove_before(JAN_31) == 0

    def test_remove_after_is_strict_and_spans_symbols_and_resolutions(
        self, store: PriceStore
    ) -> None:
        store.save_days(
            [make_bars(s, d) for s in ("SPY", "QQQ") for d in (JAN_30, JAN_31, FEB_1, FEB_2)]
            + [make_bars("SPY", FEB_2, SECOND)]
        )

        assert store.remove_after(JAN_31, symbol="SPY") == 3
        assert store.dates_on_file("SPY") == [JAN_30, JAN_31]
        assert store.dates_on_file("SPY", resolution=SECOND) == []
        assert store.remove_after(JAN_30) == 4
        assert store.dates_on_file("QQQ") == [JAN_30]
        assert store.dates_on_file("SPY") == [JAN_30]

    # Isolation

    def test_namespaces_never_see_each_other(self, make_store: StoreFactory) -> None:
        live, simulation = make_store("live"), make_store("simulation")
        kept = make_bars("SPY", JAN_30, seed=1)
        live.save_day(kept)

        simulation.save_day(make_bars("SPY", JAN_31))
        simulation.save_day(make_bars("SPY", JAN_30, seed=2))
        simulation.remove_before(FEB_2)
        simulation.drop_symbol("SPY")

        assert simulation.symbols() == []
        assert simulation.dates_on_file("SPY") == []
        assert live.dates_on_file("SPY") == [JAN_30]
        assert_same_bars(live.load_day("SPY", JAN_30, MINUTE), kept)

    # Argument checks

    @pytest.mark.parametrize("symbol", ["spy", "", "TOOLONG", "SPY/../X", "SPY.BB", "../SPY"])
    def test_bad_symbols_are_rejected_by_every_method(self, store: PriceStore, symbol: str) -> None:
        calls: list[Callable[[], object]] = [
            lambda: store.load_day(symbol, JAN_30, MINUTE),
            lambda: store.load_range(symbol, JAN_30, FEB_1, MINUTE),
            lambda: store.dates_on_file(symbol),
            lambda: store.delete_day(symbol, JAN_30, MINUTE),
            lambda: store.drop_symbol(symbol),
            lambda: store.remove_before(JAN_30, symbol=symbol),
            lambda: store.remove_after(JAN_30, symbol=symbol),
        ]
        for call in calls:
            with pytest.raises(ValueError, match="is not a ticker"):
                call()

    def test_saving_a_bad_symbol_writes_nothing(self, store: PriceStore) -> None:
        bad = SymbolDay.from_columns(
            symbol="spy", day=JAN_30, resolution=MINUTE, columns=make_bars("SPY", JAN_30).columns()
        )

        with pytest.raises(ValueError, match="'spy' is not a ticker"):
            store.save_days([make_bars("SPY", JAN_31), bad])
        assert store.symbols() == []

    @pytest.mark.parametrize("resolution", [Resolution.FIVE_MINUTES, Resolution.HOUR])
    def test_resolutions_that_are_not_stored_are_rejected(
        self, store: PriceStore, resolution: Resolution
    ) -> None:
        with pytest.raises(ValueError, match=f"resolution {resolution.value} is not stored"):
            store.load_range("SPY", JAN_30, FEB_1, resolution)
        with pytest.raises(ValueError, match="is not stored"):
            store.symbols(resolution)

    def test_a_range_that_ends_before_it_starts_is_rejected(self, store: PriceStore) -> None:
        with pytest.raises(ValueError, match="start must be on or before end"):
            store.load_range("SPY", FEB_1, JAN_30, MINUTE)
        with pytest.raises(ValueError, match="start must be on or before end"):
            store.dates_on_file("SPY", FEB_1, JAN_30)

    # All-or-nothing imports (tc2.data.import_journal), whichever store holds the bars

    def test_an_import_journal_rolls_back_to_exactly_what_was_on_file(
        self, store: PriceStore, tmp_path: Path
    ) -> None:
        kept = make_bars("SPY", JAN_30, seed=1)
        neighbour = make_bars("QQQ", JAN_30, seed=2)
        store.save_days([kept, neighbour])
        journal = ImportJournal(tmp_path / "import.journal")

        journal.save_days(store, [make_bars("SPY", JAN_30, seed=9), make_bars("SPY", JAN_31)])
        journal.save_days(store, [make_bars("SPY", JAN_30, seed=10, bars=3)])  # twice: one image
        restored = ImportJournal(tmp_path / "import.journal").roll_back(store)  # as a janitor

        assert restored == 2
        assert_same_bars(store.load_day("SPY", JAN_30, MINUTE), kept)
        assert store.dates_on_file("SPY") == [JAN_30]  # the new day is gone again
        assert_same_bars(store.load_day("QQQ", JAN_30, MINUTE), neighbour)
        assert not (tmp_path / "import.journal").exists()

    def test_a_committed_import_stands_and_a_repeated_roll_back_changes_nothing(
        self, store: PriceStore, tmp_path: Path
    ) -> None:
        imported = make_bars("SPY", JAN_31, seed=3)
        journal = ImportJournal(tmp_path / "import.journal")
        journal.save_days(store, [imported])

        journal.commit()

        assert ImportJournal(tmp_path / "import.journal").roll_back(store) == 0
        assert_same_bars(store.load_day("SPY", JAN_31, MINUTE), imported)

    def test_a_manifest_line_cut_short_by_a_kill_is_skipped(
        self, store: PriceStore, tmp_path: Path
    ) -> None:
        journal = ImportJournal(tmp_path / "import.journal")
        journal.save_days(store, [make_bars("SPY", JAN_30)])
        with (tmp_path / "import.journal" / "manifest").open("a") as manifest:
            manifest.write("SPY,2025-01-3")  # the kill landed mid-line, before its save

        assert ImportJournal(tmp_path / "import.journal").roll_back(store) == 1
        assert store.dates_on_file("SPY") == []
