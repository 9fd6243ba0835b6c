"""The CycleStrategy runs that SIM_TIMINGS and SIM_OUTPUT check."""

from __future__ import annotations

from datetime import date

from tc2.data.bars import SymbolDay
from tc2.data.store import PriceStore
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.builtin.cycle import CycleStrategy

# Model filters off: these two checks are about the simulator's speed and mechanics. With the
# filters on, a day the models reject is timed doing nothing and its output has nothing to check.
MECHANICS_SETTINGS = SimulationSettings(model_filters=False)
MODEL_FILTERS_OFF_NOTE = (
    "model filters off: this check is about the simulator, not whether the models would let "
    "CycleStrategy trade"
)

SIM_NO_DAYS = "no 1s bars of {symbol} on file: nothing to simulate"
SIM_FAILED = "{day}: the simulation failed: {error}"


def simulate_cycle(
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    day: date,
    settings: SimulationSettings,
) -> tuple[RunRecord, dict[str, SymbolDay]]:
    simulator = StrategySimulator(
        store=store,
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    )
    record = simulator.simulate_day(
        DayRequest(strategy_class=CycleStrategy, symbols=(symbol,), day=day, settings=settings)
    )
    bars = {}
    for name in record.symbols:
        session = simulator.sessions.session(name, day, CycleStrategy.resolution)
        if session is not None:
            bars[name] = session
    return record, bars
