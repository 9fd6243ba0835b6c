"""LongShortStrategy on synthetic sessions and on hand-built price paths."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.analysis.grades import Grade
from tc2.analysis.market_models import LsFavorModel, OscillationModel
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ValidationFailed
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.base import resolve_symbols
from tc2.strategy.builtin.long_short import LongShortStep, LongShortStrategy

CALENDAR = MarketCalendar.xnys()
WARMUP_DAY = date(2026, 3, 3)
DAY = date(2026, 3, 4)  # a Wednesday
NEXT_DAY = date(2026, 3, 5)
SYMBOLS = ("SPY", "SPXL", "SPXS")
ALL_STEPS = [step.name for step in LongShortStep]
# Synthetic seeds whose sessions take the strategy down different paths (found by running it).
ALL_SEVEN_STEPS_SEED = 17  # both legs bought, SPXL sold in step 6, SPXS in step 7
ONLY_SPXL_SEED = 13  # SPXL bought and sold at a profit before SPXS fills
KILLSWITCH_SEED = 19  # SPXL falls more than 1.85 % after its fill
SEEDS = (7, ALL_SEVEN_STEPS_SEED, ONLY_SPXL_SEED, KILLSWITCH_SEED)


def _epoch(wall: time, day: date = DAY) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


def _simulate(store: FilePriceStore, day: date = DAY, **request: Any) -> RunRecord:
    """Simulate the state machine; without its models unless ``settings`` say otherwise."""
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    return simulator.simulate_day(
        DayRequest(
            strategy_class=LongShortStrategy,
            symbols=request.pop("symbols", SYMBOLS),
            day=day,
            settings=request.pop("settings", SimulationSettings(model_filters=False)),
            **request,
        )
    )


def _notes(record: RunRecord, start: str, symbol: str | None = None) -> list[dict[str, Any]]:
    return [
        entry
        for entry in record.timeline
        if entry["message"].startswith(start) and (symbol is None or entry["symbol"] == symbol)
    ]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[int, FilePriceStore]:
    """One store per seed, with SPY, SPXL and SPXS on a warm-up day and two sessions."""
    stores = {}
    for seed in SEEDS:
        store = FilePriceStore(tmp_path_factory.mktemp(f"seed{seed}"), "simulation")
        market = SyntheticMarket(seed=seed, calendar=CALENDAR)
        for day in (WARMUP_DAY, DAY, NEXT_DAY):
            for symbol in SYMBOLS:
                store.save_day(
                    market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND)
                )
        stores[seed] = store
    return stores


@pytest.fixture(scope="module")
def runs(synthetic: dict[int, FilePriceStore]) -> list[RunRecord]:
    """A default run of every seed on both sessions."""
    return [_simulate(store, day) for store in synthetic.values() for day in (DAY, NEXT_DAY)]


def _hand_built_store(
    root: Path, spxs_changes: Sequence[tuple[time, float]] = ()
) -> FilePriceStore:
    """A session of flat 1-second bars: SPY 500, SPXL 100, SPXS 20 then ``spxs_changes``.

    Each bar's open, high, low and close are the price of its second, with ample volume, so a
    bid at or above the price fills at once and an offer above it never fills.
    """
    store = FilePriceStore(root, "simulation")
    open_t = int(CALENDAR.session_open(DAY).timestamp())
    t = np.arange(open_t, int(CALENDAR.session_close(DAY).timestamp()), dtype=np.int64)
    spxs = np.full(t.shape, 20.0)
    for wall, price in spxs_changes:
        spxs[t >= _epoch(wall)] = price
    for symbol, prices in (("SPY", np.full(t.shape, 500.0)), ("SPXL", np.full(t.shape, 100.0))):
        store.save_day(_flat_bars(symbol, t, prices))
    store.save_day(_flat_bars("SPXS", t, spxs))
    return store


def _flat_bars(symbol: str, t: np.ndarray[Any, Any], prices: np.ndarray[Any, Any]) -> SymbolDay:
    return SymbolDay(
        symbol=symbol,
        day=DAY,
        resolution=Resolution.SECOND,
        t=t,
        o=prices,
        h=prices,
        l=prices,
        c=prices,
        v=np.full(t.shape, 100_000.0),
    )


class LongShortStrategyTests:
    def test_the_symbols_are_always_spy_spxl_and_spxs(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[7], symbols=("SPXS", "SPXL", "SPY"))

        assert record.symbols == SYMBOLS
        assert resolve_symbols(LongShortStrategy, ("QQQ",)) == SYMBOLS
        assert LongShortStrategy.describe()["fixed_symbols"] is True
        assert LongShortStrategy.describe()["experimental"] is False

    def test_asking_for_spy_alone_trades_all_three(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[ALL_SEVEN_STEPS_SEED], symbols=("SPY",))

        assert record.symbols == SYMBOLS
        assert record.custom["steps"] == ALL_STEPS

    def test_it_starts_at_1030_because_spy_is_viable(self, runs: list[RunRecord]) -> None:
        for record in runs:
            assert record.became_viable_t == record.started_t == _epoch(time(10, 30), record.day)
            assert _notes(record, "viable")[0]["data"] == {"scores": {"SPY": 1.0}}

    def test_orders_follow_the_start_and_bids_stop_at_the_window_end(
        self, runs: list[RunRecord]
    ) -> None:
        for record in runs:
            assert record.orders, f"{record.day}: the strategy bids on every session"
            window_end = _epoch(time(14, 45), record.day)
            for order in record.orders:
                assert order["submitted_t"] >= _epoch(time(10, 30), record.day)
                if order["side"] == "buy":
                    assert order["submitted_t"] < window_end

    def test_no_bid_when_the_prices_come_after_the_window(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[7], start_time=time(14, 44, 58))

        assert record.started_t == _epoch(time(14, 44, 58))
        assert record.orders == []
        assert "before the entry window ended" in record.stop_reason

    def test_share_quantities_are_whole_and_spend_about_the_leg_size(
        self, runs: list[RunRecord], synthetic: dict[int, FilePriceStore]
    ) -> None:
        for record in runs:
            first_bids = [order for order in record.orders if order["side"] == "buy"][:2]
            assert {order["symbol"] for order in first_bids} == {"SPXL", "SPXS"}
            for order in first_bids:
                limit = order["limit_price"]
                assert isinstance(order["qty"], int)
                assert order["qty"] * limit <= 10_000 < (order["qty"] + 1) * limit
                assert limit == round(limit, 2)
            assert all(isinstance(fill["qty"], int) for fill in record.fills)

        half = _simulate(synthetic[7], params={"leg_size_usd": 5_000.0})
        for order in [order for order in half.orders if order["side"] == "buy"][:2]:
            assert order["qty"] == int(5_000 // order["limit_price"])

    def test_every_run_ends_flat(self, runs: list[RunRecord]) -> None:
        for record in runs:
            assert [position["qty"] for position in record.positions] == [0] * len(record.positions)

    def test_a_session_walks_through_all_seven_steps(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[ALL_SEVEN_STEPS_SEED])

        assert record.custom["steps"] == ALL_STEPS
        assert record.stop_reason == "every leg is sold"
        assert _notes(record, "step 6 LOWER_SALES_TO_BASELINE: both legs bought")
        assert _notes(record, "step 7 SELL_AT_MINOR_LOSS: SPXL sold")
        for leg in record.custom["legs"].values():
            assert leg["bought_qty"] > 0 and leg["sold_qty"] == leg["bought_qty"]
            assert leg["killswitch"] is None
        assert not _notes(record, "flatten"), "the strategy sold both legs itself"
        step_6 = [n["data"]["price"] for n in _notes(record, "lowered offer", "SPXL")]
        assert len(step_6) >= 2 and step_6 == sorted(step_6, reverse=True)

    def test_a_sold_only_leg_ends_the_run_in_step_5(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[ONLY_SPXL_SEED])

        assert record.custom["step"] == "WAIT_FOR_FIRST_SALE_OR_SECOND_BUY"
        assert record.stop_reason == "SPXL, the only leg bought, sold"
        spxl = record.custom["legs"]["SPXL"]
        assert spxl["sell_price"] >= spxl["buy_price"] + 0.01
        assert record.custom["legs"]["SPXS"]["bought_qty"] == 0
        assert record.profit > 0

    @pytest.mark.parametrize("wait", [120, 45])
    def test_it_stops_when_neither_bid_fills_in_time(self, tmp_path: Path, wait: int) -> None:
        # SPXS jumps as the window opens, above the bid made from the bars before it; the SPXL
        # bid is below its flat price. Neither fills.
        store = _hand_built_store(tmp_path, [(time(10, 30), 20.5)])
        record = _simulate(store, params={"initial_buy_wait_seconds": wait})

        assert record.custom["step"] == "WAIT_FOR_SINGLE_BUY"
        assert record.fills == []
        assert all(order["status"] == "canceled" for order in record.orders)
        bids_t = _notes(record, "bid")[0]["t"]
        assert _notes(record, f"stop: neither bid filled within {wait} s")[0]["t"] == bids_t + wait

    def test_an_out_of_bounds_parameter_is_refused(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        # TC2's constant was 1.85 (percent); the parameter is a fraction.
        with pytest.raises(ValidationFailed) as refused:
            _simulate(synthetic[7], params={"killswitch_loss_pct": 1.85})

        assert list(refused.value.field_errors) == ["params.killswitch_loss_pct"]

    def test_the_same_session_gives_the_same_record(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        first = _simulate(synthetic[ALL_SEVEN_STEPS_SEED])
        second = _simulate(synthetic[ALL_SEVEN_STEPS_SEED])

        assert first.fingerprint == second.fingerprint
        assert first.to_dict() == second.to_dict()

    def test_the_killswitch_fires_on_a_synthetic_slide(
        self, synthetic: dict[int, FilePriceStore]
    ) -> None:
        record = _simulate(synthetic[KILLSWITCH_SEED])
        store = synthetic[KILLSWITCH_SEED]

        kill = _notes(record, "killswitch", "SPXL")[0]
        spxl = store.load_day("SPXL", DAY, Resolution.SECOND)
        last_close = float(spxl.c[np.searchsorted(spxl.t, kill["t"]) - 1])
        buy = record.custom["legs"]["SPXL"]["buy_price"]
        assert last_close < buy * (1 - 0.0185)
        assert kill["data"]["price"] == pytest.approx(last_close - 0.01 * last_close, abs=0.01)
        assert (
            record.custom["legs"]["SPXL"]["sold_qty"] == record.custom["legs"]["SPXL"]["bought_qty"]
        )


class LongShortHandBuiltSessionTests:
    """Flat sessions (SPY 500, SPXL 100, SPXS 20 unless changed): SPXS's bid fills at once at
    $20.00, SPXL's bid never fills, and no offer above the price fills."""

    def test_a_drop_beyond_the_threshold_sells_the_leg(self, tmp_path: Path) -> None:
        store = _hand_built_store(tmp_path, [(time(10, 32), 19.5)])  # -2.5 %

        record = _simulate(store)

        kill = _notes(record, "killswitch", "SPXS")
        assert len(kill) == 1
        assert kill[0]["t"] == _epoch(time(10, 32, 1))  # the end of the first bar at 19.50
        assert kill[0]["data"] == {"price": 19.3, "qty": 500}  # 19.50 - 1 %
        sells = [fill for fill in record.fills if fill["side"] == "sell"]
        assert [(s["symbol"], s["qty"], s["price"]) for s in sells] == [("SPXS", 500, 19.5)]
        assert record.stop_reason == "SPXS, the only leg bought, sold"
        assert record.custom["legs"]["SPXS"]["killswitch"].startswith("SPXS is 2.500% below")

    def test_a_drop_within_the_threshold_does_not(self, tmp_path: Path) -> None:
        store = _hand_built_store(tmp_path, [(time(10, 32), 19.5)])

        record = _simulate(store, params={"killswitch_loss_pct": 0.05})

        assert not _notes(record, "killswitch")
        assert record.custom["steps"][-1] == "SELL_AT_MINOR_LOSS"
        assert record.custom["legs"]["SPXS"]["sell_price"] == 19.5  # min(recent low, buy)

    def test_no_bid_is_placed_after_the_window_end(self, tmp_path: Path) -> None:
        # SPXS rises off the bid just after it is placed and comes back after 14:45, so its fill
        # would re-bid SPXL (step 4) when the window is already over.
        store = _hand_built_store(tmp_path, [(time(14, 44, 54), 20.05), (time(14, 45, 10), 20.0)])
        window_end = _epoch(time(14, 45))

        record = _simulate(store, start_time=time(14, 44, 50))

        spxs_buys = [f for f in record.fills if f["symbol"] == "SPXS" and f["side"] == "buy"]
        assert spxs_buys and spxs_buys[0]["t"] >= window_end
        bids = [order for order in record.orders if order["side"] == "buy"]
        assert [order["symbol"] for order in bids] == ["SPXS", "SPXL"]
        assert all(order["submitted_t"] < window_end for order in bids)
        assert not _notes(record, "SPXS bought: re-bid SPXL")

    def test_the_dump_window_sells_what_is_held_and_cancels_the_bids(self, tmp_path: Path) -> None:
        store = _hand_built_store(tmp_path)
        dump_t = _epoch(time(14))  # 120 minutes before the 16:00 close

        record = _simulate(store, start_time=time(13, 59), params={"dump_minutes": 120})

        kill = _notes(record, "killswitch: the dump window began", "SPXS")
        assert [entry["t"] for entry in kill] == [dump_t]
        assert kill[0]["data"] == {"price": 19.8, "qty": 500}
        assert all(o["submitted_t"] < dump_t for o in record.orders if o["side"] == "buy")
        spxl_bids = [o for o in record.orders if o["symbol"] == "SPXL"]
        assert spxl_bids and all(o["status"] == "canceled" for o in spxl_bids)
        assert record.positions and all(p["qty"] == 0 for p in record.positions)

    def test_it_wakes_only_for_its_orders_deadlines_and_repricing(self, tmp_path: Path) -> None:
        store = _hand_built_store(tmp_path, [(time(10, 32), 19.5)])

        record = _simulate(store, params={"killswitch_loss_pct": 0.05})

        stop_t = _notes(record, "stop")[0]["t"]
        assert stop_t - record.started_t > 300  # five minutes of 1-second bars for 3 symbols
        assert record.events < 60


class LongShortModelTests:
    def test_a_flat_spy_is_not_oscillating_so_nothing_is_bid(self, tmp_path: Path) -> None:
        record = _simulate(_hand_built_store(tmp_path), settings=SimulationSettings())

        assert record.fills == [] and not _notes(record, "bid")
        (failure,) = _notes(record, "models fail", "SPY")
        assert any(reason.startswith("OSCILLATION: ") for reason in failure["data"]["failures"])

    def test_the_favoured_leg_buys_ls_favors_share_factor_more(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The models' own rules are tested in tests/unit/analysis; here only their verdicts
        # matter, so they are fixed: SPY oscillates and SPXL is strongly favoured.
        monkeypatch.setattr(OscillationModel, "compute", lambda self, symbol, data: {})
        monkeypatch.setattr(OscillationModel, "grade_output", lambda self, o: (Grade.PASS, ""))
        favoured = {"verdict": "SPXL_STRONGLY_FAVORED", "favored": "SPXL", "share_factor": 1.14}
        monkeypatch.setattr(LsFavorModel, "compute", lambda self, symbol, data: favoured)
        monkeypatch.setattr(LsFavorModel, "grade_output", lambda self, o: (Grade.PASS, ""))

        record = _simulate(_hand_built_store(tmp_path), settings=SimulationSettings())
        plain = _simulate(_hand_built_store(tmp_path / "plain"))

        def bids(run: RunRecord) -> dict[str, int]:
            return {
                note["symbol"]: note["data"]["qty"]
                for note in _notes(run, "bid")
                if note["message"] == "bid"
            }

        # A $10,000 leg at $100 is 100 shares; favoured strongly, 14 % more.
        assert bids(plain)["SPXL"] == 100 and bids(record)["SPXL"] == 114
        assert bids(record)["SPXS"] == bids(plain)["SPXS"]
