"""The data jobs keep a provider's corporate actions, and a provider failure spares the bars."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.bars import SymbolDay
from tc2.data.collection import DayCollector
from tc2.data.file_store import FilePriceStore
from tc2.data.providers import HistoryProvider, ProviderUnavailable
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.program.data_jobs import collect_actions

CALENDAR = MarketCalendar.xnys()
DAYS = [date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6)]
SPLIT = CorporateAction(
    symbol="SPY", ex_date=date(2024, 3, 5), kind=ActionKind.SPLIT, ratio=2.0, source="fake"
)


class _ActionsProvider(HistoryProvider):
    """Answers corporate actions only: SPY has a split, QQQ's requests fail."""

    name = "fake"

    def __init__(self) -> None:
        self.asked: list[tuple[str, date, date]] = []

    def _corporate_actions(self, symbol: str, start: date, end: date) -> list[CorporateAction]:
        self.asked.append((symbol, start, end))
        if symbol == "QQQ":
            raise ProviderUnavailable("rate limited for 600 s", attempts=5, waited_s=600.0)
        return [SPLIT] if symbol == "SPY" else []

    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        raise AssertionError("no bars are asked for here")

    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        raise AssertionError("no bars are asked for here")


def test_the_ranges_actions_are_kept_and_a_failure_is_reported_not_raised(tmp_path: Path):
    store = FilePriceStore(tmp_path, "live")
    provider = _ActionsProvider()
    collector = DayCollector(store=store, source=provider, calendar=CALENDAR)

    summary = collect_actions(collector, ["SPY", "QQQ", "IWM"], DAYS)

    assert provider.asked == [(name, DAYS[0], DAYS[-1]) for name in ("SPY", "QQQ", "IWM")]
    assert store.load_actions("SPY") == (SPLIT,)
    assert store.load_actions("QQQ") == store.load_actions("IWM") == ()
    assert summary["corporate_actions"] == 1
    [problem] = summary["corporate_action_problems"]
    assert problem.startswith("QQQ: rate limited for 600 s")


def test_the_synthetic_market_has_no_actions_and_nothing_is_asked(tmp_path: Path):
    store = FilePriceStore(tmp_path, "live")
    market = SyntheticMarket(seed=1, calendar=CALENDAR)
    collector = DayCollector(store=store, source=market, calendar=CALENDAR)

    assert collect_actions(collector, ["SPY"], DAYS) == {}
    assert store.load_actions("SPY") == ()
