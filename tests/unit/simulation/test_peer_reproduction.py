"""Peer reproduction: with the ``backtrader`` fill model, TC2's fills equal backtrader's own.

Both engines run the SMA-crossover reference strategy (``SmaCrossStrategy`` here,
``bench/peers/backtrader_sma.py`` there) on the same bars; the fills must match bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.peers.backtrader_sma import SmaCrossParams, run_backtrader_sma
from bench.peers.spy_minutes import SPY_MINUTE_FILES, load_spy_minutes
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.orders import trade_fingerprint
from tc2.simulation.simulator import SimulationSettings, replay
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
CASH = 10_000_000.0


def _tc2_rows(arrays: tuple[np.ndarray, ...], params: SmaCrossParams) -> list[tuple]:
    t, o, h, l, c, v = arrays  # noqa: E741
    bars = BarSeries(symbol="SPY", resolution=Resolution.MINUTE, t=t, o=o, h=h, l=l, c=c, v=v)
    env = ExecEnv(
        env_type=EnvType.SIMULATION,
        clock=EpochClock(int(t[0])),
        calendar=MarketCalendar.xnys(),
        redis_url="redis://127.0.0.1:6379/0",  # never connected: a replay touches no Redis
    )
    record = replay(
        strategy_class=SmaCrossStrategy,
        bars={"SPY": bars},
        exec_env=env,
        params={
            "fast": params.fast,
            "slow": params.slow,
            "band": params.band,
            "entry_offset": params.entry_offset,
            "stop_loss": params.stop_loss,
            "exit_offset": params.exit_offset,
            "qty": params.qty,
        },
        settings=SimulationSettings(fill_model="backtrader", starting_cash=CASH),
    )
    return [(f["t"], f["symbol"], f["side"], f["qty"], f["price"]) for f in record.fills]


def _backtrader_rows(arrays: tuple[np.ndarray, ...], params: SmaCrossParams) -> list[tuple]:
    t, o, h, l, c, v = arrays  # noqa: E741
    return run_backtrader_sma(t=t, o=o, h=h, l=l, c=c, v=v, symbol="SPY", params=params, cash=CASH)


@pytest.fixture(scope="module")
def spy_minutes() -> tuple[np.ndarray, ...]:
    missing = [name for name in SPY_MINUTE_FILES if not (SHARED_DATA / "market" / name).exists()]
    if missing:
        pytest.skip(f"shared SPY minute data absent: {', '.join(missing)} under {SHARED_DATA}")
    return load_spy_minutes(SHARED_DATA)


class PeerReproductionTests:
    def test_default_parameters_give_backtraders_fills_on_the_spy_minutes(
        self, spy_minutes: tuple[np.ndarray, ...]
    ) -> None:
        params = SmaCrossParams()

        ours = _tc2_rows(spy_minutes, params)
        theirs = _backtrader_rows(spy_minutes, params)

        assert len(ours) > 500  # 571 on this data: a comparison with substance
        assert ours == theirs
        assert trade_fingerprint(ours) == trade_fingerprint(theirs)

    def test_other_parameters_give_backtraders_fills_too(
        self, spy_minutes: tuple[np.ndarray, ...]
    ) -> None:
        # Faster averages and tighter stops: more crosses, more gaps through stops.
        params = SmaCrossParams(fast=5, slow=13, entry_offset=0.0002, stop_loss=0.002, qty=300)
        first_half = tuple(column[:16_000] for column in spy_minutes)

        ours = _tc2_rows(first_half, params)
        theirs = _backtrader_rows(first_half, params)

        assert len(ours) > 300
        assert ours == theirs

    def test_a_changed_fill_rule_is_caught(self, spy_minutes: tuple[np.ndarray, ...]) -> None:
        # The comparison is sharp: the realistic model (volume cap, path) differs from backtrader.
        params = SmaCrossParams()
        t, o, h, l, c, v = spy_minutes  # noqa: E741
        bars = BarSeries(symbol="SPY", resolution=Resolution.MINUTE, t=t, o=o, h=h, l=l, c=c, v=v)
        env = ExecEnv(
            env_type=EnvType.SIMULATION,
            clock=EpochClock(int(t[0])),
            calendar=MarketCalendar.xnys(),
            redis_url="redis://127.0.0.1:6379/0",
        )
        realistic = replay(
            strategy_class=SmaCrossStrategy,
            bars={"SPY": bars},
            exec_env=env,
            settings=SimulationSettings(fill_model="realistic", starting_cash=CASH),
        )

        ours = [(f["t"], f["symbol"], f["side"], f["qty"], f["price"]) for f in realistic.fills]
        assert ours != _backtrader_rows(spy_minutes, params)
