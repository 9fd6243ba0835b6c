"""``LiveRunFactory``: builds the ``LiveRun`` of a planned run, as the simulator builds a day run.

The warm-up history and the models' gate are the simulator's own (``StrategySimulator.
warmup_history`` and ``gate``), so the run a trader starts is the run a simulation of the same
session makes from the same start time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tc2.env import ExecEnv
from tc2.execution.account import Account
from tc2.execution.market import MarketAccount
from tc2.execution.risk_account import RiskAccount
from tc2.execution.trade_records import TradeRecorder, TradingMode
from tc2.program.trading.live_run import LiveRun
from tc2.program.trading.trader_parts import PlannedRun
from tc2.simulation.run_settings import SimulationSettings
from tc2.simulation.simulator import DEFAULT_WARMUP_DAYS, StrategySimulator
from tc2.strategy.base import Strategy, resolve_symbols, run_resolution


class LiveRunFactory:
    """Makes ``LiveRun``s of planned runs.

    Parameters
    ----------
    strategies
        The strategy classes by registered id.
    simulator
        Gives warm-up history and the models' gate (its store is the market's sessions).
    exec_env
        The runs' environment (the replay environment on the replay market).
    recorder
        Where runs, orders and fills are recorded.
    mode, batch_id
        Recorded on each run.
    settings
        The account's settings (fill model, cash, shorting).
    params
        Parameters by strategy id (defaults otherwise).
    warmup_days
        Sessions of history before the day.
    account
        Gives each run its account from its plan and its recorded run id: None, the replay
        market's ``VirtualAccount`` (filling on the bars); at a broker, a ``BrokerMarket`` over
        it (fills arrive from the broker, which records them under the run id).
    risk
        Wraps each run's recording facade in the trader's ``RiskAccount``; None: no limits.
    """

    def __init__(
        self,
        *,
        strategies: Mapping[str, type[Strategy]],
        simulator: StrategySimulator,
        exec_env: ExecEnv,
        recorder: TradeRecorder,
        mode: TradingMode,
        batch_id: str,
        settings: SimulationSettings,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        warmup_days: int = DEFAULT_WARMUP_DAYS,
        account: Callable[[PlannedRun, int], MarketAccount] | None = None,
        risk: Callable[[PlannedRun, Account], RiskAccount] | None = None,
    ) -> None:
        self.strategies = dict(strategies)
        self.simulator = simulator
        self.exec_env = exec_env
        self.recorder = recorder
        self.mode = mode
        self.batch_id = batch_id
        self.settings = settings
        self.params = dict(params or {})
        self.warmup_days = warmup_days
        self.account = account
        self.risk = risk

    def __call__(self, plan: PlannedRun) -> LiveRun:
        """Build ``plan``'s run: warm-up loaded, recorded, gated by its models."""
        strategy_class = self.strategies[plan.strategy]
        symbols = resolve_symbols(strategy_class, plan.symbols)
        resolution = run_resolution(strategy_class, self.settings.resolution)
        history = {
            symbol: self.simulator.warmup_history(
                symbol,
                plan.day,
                warmup_days=self.warmup_days,
                resolution=resolution,
                adjustment=self.settings.adjustment,
            )
            for symbol in symbols
        }
        return LiveRun(
            strategy_class=strategy_class,
            symbols=symbols,
            params=self.params.get(plan.strategy),
            settings=self.settings,
            exec_env=self.exec_env,
            day=plan.day,
            history=history,
            recorder=self.recorder,
            run_key=plan.run_key,
            batch_id=self.batch_id,
            mode=self.mode,
            start_time=plan.start_time,
            gate=self.simulator.gate,
            account=None if self.account is None else self._account_of(plan),
            risk=None if self.risk is None else self._risk_of(plan),
        )

    def _account_of(self, plan: PlannedRun) -> Callable[[int], MarketAccount]:
        assert self.account is not None
        make = self.account
        return lambda run_id: make(plan, run_id)

    def _risk_of(self, plan: PlannedRun) -> Callable[[Account], RiskAccount]:
        assert self.risk is not None
        wrap = self.risk
        return lambda account: wrap(plan, account)
