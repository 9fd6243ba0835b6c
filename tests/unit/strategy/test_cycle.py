"""CycleStrategy and ReCycleStrategy on hand-built 1-second sessions with known answers."""

from __future__ import annotations

import math
from datetime import date, datetime, time

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ValidationFailed
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.builtin.cycle import CycleStrategy, ReCycleStrategy

DAY = date(2026, 3, 4)
CALENDAR = MarketCalendar.xnys()
OPEN_T = int(datetime.combine(DAY, time(9, 30), NEW_YORK).timestamp())
SESSION_SECONDS = 23_400
BID = 99.84  # 100.00 - 0.16 %: the bid under a first bar whose low is 100.00


def _at(wall: time) -> int:
    """Seconds after the open of ``wall`` on DAY."""
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp()) - OPEN_T


def _session(*knots: tuple[time, float]) -> SymbolDay:
    """1-second bars stepping to each knot's price at its time (100.00 before the first).

    Each bar opens at the previous close and spans to its own close, so a step up or down is
    traded through, not gapped over.
    """
    price = np.full(SESSION_SECONDS, 100.0)
    for wall, value in knots:
        price[_at(wall) :] = value
    o = np.concatenate(([100.0], price[:-1]))
    return SymbolDay(
        symbol="SPY",
        day=DAY,
        resolution=Resolution.SECOND,
        t=OPEN_T + np.arange(SESSION_SECONDS),
        o=o,
        h=np.maximum(o, price),
        l=np.minimum(o, price),
        c=price,
        v=np.full(SESSION_SECONDS, 1_000_000.0),
    )


def _run(
    tmp_path: object,
    session: SymbolDay,
    strategy: type[CycleStrategy] = CycleStrategy,
    *,
    starting_cash: float = 100_000.0,
    **params: float,
) -> RunRecord:
    store = FilePriceStore(tmp_path, "simulation")  # type: ignore[arg-type]
    store.save_day(session)
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    return simulator.simulate_day(
        DayRequest(
            strategy_class=strategy,
            symbols=("SPY",),
            day=DAY,
            params=params,
            settings=SimulationSettings(starting_cash=starting_cash, model_filters=False),
        )
    )


def _offers(record: RunRecord) -> list[tuple[int, str, float]]:
    return [
        (entry["t"] - OPEN_T, entry["message"], entry["data"]["price"])
        for entry in record.timeline
        if entry["message"].endswith(" offer")
    ]


QTY = math.floor(6000 / BID)  # min(0.2 x 100,000, 6,000) dollars


class CycleEntryTests:
    def test_bids_below_the_first_low_and_sells_at_the_greedy_price(self, tmp_path: object) -> None:
        record = _run(
            tmp_path,
            # Right after the buy the price is 100.00, above the baseline band: when the first
            # stop's 3 s are up, the cycle's greedy step offers 100.00 x 1.0018 + 0.08 % of
            # 99.84, and the jump to 100.30 takes it.
            _session((time(10, 31), 99.80), (time(10, 31, 1), 100.0), (time(10, 31, 10), 100.30)),
        )

        buy, sell = record.fills
        assert (buy["side"], buy["qty"], buy["price"]) == ("buy", QTY, BID)
        assert buy["t"] - OPEN_T == _at(time(10, 31))
        # The bonus is 0.08 % of the buy price (TC2 added the whole price): 100.18 + 0.08.
        assert (sell["side"], sell["qty"], sell["price"]) == ("sell", QTY, 100.26)
        assert sell["t"] - OPEN_T == _at(time(10, 31, 10))
        assert record.stop_reason == "sold at 100.26"
        assert record.profit == pytest.approx((100.26 - BID) * QTY - sell["fee"])
        assert sell["fee"] > 0  # Alpaca's SEC fee and FINRA TAF on the sale

    def test_the_first_offer_is_the_protective_stop(self, tmp_path: object) -> None:
        record = _run(tmp_path, _session((time(10, 31), 99.80), (time(10, 32), 100.30)))

        first = _offers(record)[0]
        assert first == (_at(time(10, 31)) + 1, "stop offer", round(BID * (1 - 0.006), 2))

    def test_an_offer_within_the_threshold_is_not_placed_again(self, tmp_path: object) -> None:
        # After the buy the price sits under the baseline band for the rest of the day. The first
        # baseline offer is max(99.84, 99.80) x 1.0006 = 99.90; the ones due every 4 s later
        # (99.91 once the price is 99.85) are within 0.06 % of it, so it is kept, not churned.
        record = _run(tmp_path, _session((time(10, 31), 99.80), (time(10, 31, 10), 99.85)))

        baseline = [offer for offer in _offers(record) if offer[1] == "baseline offer"]
        assert len(baseline) == 1
        assert baseline[0][2] == 99.90

    def test_a_run_away_price_cancels_the_bid(self, tmp_path: object) -> None:
        record = _run(tmp_path, _session((time(10, 32), 100.20)))  # >= 99.84 x 1.0035

        assert record.fills == []
        assert record.stop_reason == "no entry: the price rose to 100.2 before the dip"
        assert record.orders[0]["status"] == "canceled"
        stopped = record.timeline[-1]
        assert stopped["t"] - OPEN_T == _at(time(10, 32)) + 1

    def test_no_dip_in_fifteen_minutes_cancels_the_bid(self, tmp_path: object) -> None:
        record = _run(tmp_path, _session())

        assert record.fills == []
        assert record.stop_reason == "no entry: no dip within 900 s"
        # The bid went in at the end of the first bar, 10:30:01.
        assert record.timeline[-1]["t"] - OPEN_T == _at(time(10, 45)) + 1

    def test_too_little_cash_does_not_trade(self, tmp_path: object) -> None:
        record = _run(tmp_path, _session((time(10, 31), 99.0)), starting_cash=2_000.0)

        assert record.orders == []
        assert record.stop_reason == "cash 2000.00 is below the minimum purchase"


class CycleExitTests:
    def test_a_fall_through_the_stop_sells_at_the_stop(self, tmp_path: object) -> None:
        # 99.50 brings the stop back (the baseline offer had replaced it); 99.00 goes through it.
        record = _run(
            tmp_path, _session((time(10, 31), 99.80), (time(10, 40), 99.50), (time(10, 41), 99.0))
        )

        sell = record.fills[-1]
        assert (sell["side"], sell["price"]) == ("sell", round(BID * 0.994, 2))
        assert sell["t"] - OPEN_T == _at(time(10, 41))
        assert record.profit < 0

    def test_a_dip_below_the_restop_level_puts_the_stop_back(self, tmp_path: object) -> None:
        # 99.50 is below 99.84 x 0.997 (re-stop) but above the 99.24 stop; then it recovers.
        record = _run(
            tmp_path,
            _session(
                (time(10, 31), 99.80),
                (time(10, 31, 10), 99.85),
                (time(10, 35), 99.50),
                (time(10, 36), 100.50),
            ),
        )

        kinds = [kind for _, kind, _ in _offers(record)]
        assert kinds[:2] == ["stop offer", "baseline offer"]
        restop = kinds.index("stop offer", 1)
        offers = _offers(record)
        assert offers[restop][0] == _at(time(10, 35)) + 1
        assert record.fills[-1]["side"] == "sell" and record.fills[-1]["price"] > BID

    def test_near_the_close_the_position_is_dumped(self, tmp_path: object) -> None:
        # The price rests at the buy price: no offer above it fills before the dump.
        record = _run(
            tmp_path,
            _session((time(10, 31), BID)),
            dump_premium_pct=-0.001,
        )

        dumps = [offer for offer in _offers(record) if offer[1] == "dump offer"]
        assert dumps[0][0] == _at(time(15, 15))
        sell = record.fills[-1]
        assert sell["side"] == "sell" and sell["price"] == BID  # the limit fills at the better bar
        assert sell["t"] - OPEN_T == _at(time(15, 15))

    def test_dump_offers_are_renewed_every_20_seconds_until_the_liquidation(
        self, tmp_path: object
    ) -> None:
        record = _run(tmp_path, _session((time(10, 31), BID)))

        dumps = [offer[0] for offer in _offers(record) if offer[1] == "dump offer"]
        assert dumps[:3] == [_at(time(15, 15)) + k * 20 for k in range(3)]
        # 15:15:00 to 15:45:00, when day runs stop and liquidate (LIQUIDATE_BEFORE_CLOSE_S)
        assert len(dumps) == 30 * 3 + 1
        assert record.positions[0]["qty"] == 0  # flattened by the simulator from 15:45
        assert any(entry["message"].startswith("flatten") for entry in record.timeline)


class CycleRunTests:
    def test_recycle_starts_at_1105(self, tmp_path: object) -> None:
        record = _run(tmp_path, _session(), ReCycleStrategy)

        assert record.started_t is not None
        assert record.started_t - OPEN_T == _at(time(11, 5))

    def test_out_of_bounds_parameter_is_refused(self, tmp_path: object) -> None:
        with pytest.raises(ValidationFailed) as caught:
            _run(tmp_path, _session(), lower_buy_pct=0.5)

        assert "params.lower_buy_pct" in caught.value.field_errors

    def test_same_day_same_record(self, tmp_path: object) -> None:
        session = _session((time(10, 31), 99.80), (time(10, 35), 99.50), (time(10, 36), 100.50))
        first = _run(tmp_path, session)
        second = _run(tmp_path, session)

        assert first.to_dict() == second.to_dict()
        assert first.fingerprint == second.fingerprint and len(first.fills) == 2

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"restop_pct": 0.01, "max_stop_pct": 0.006}, "params.restop_pct"),
            ({"min_sale_profit_pct": 0.003}, "params.min_sale_profit_pct"),
            ({"min_purchase_usd": 7000.0}, "params.min_purchase_usd"),  # above max 6000
        ],
    )
    def test_contradicting_parameters_are_refused_before_the_run(
        self, params: dict[str, float], field: str
    ) -> None:
        with pytest.raises(ValidationFailed) as caught:
            CycleStrategy.resolve_params(params)

        assert list(caught.value.field_errors) == [field]
