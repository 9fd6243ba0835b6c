"""Every job type this deployment offers. Later issues add theirs to ``JOB_TYPES``."""

from __future__ import annotations

from tc2.program.checks import parse_health_check_params
from tc2.program.data_jobs import (
    check_symbols_exist,
    parse_heal_params,
    parse_import_params,
    parse_range_params,
)
from tc2.program.jobs import JobPolicy, JobRegistry, JobType
from tc2.program.reconciliation_jobs import parse_reconcile_params
from tc2.program.strategy_jobs import parse_evaluate_params, parse_simulate_params
from tc2.program.visuals import parse_visual_params
from tc2.program.worker_check import parse_worker_check_params
from tc2.simulation.trade_runs import TRADE_RUNS_KEY

JOB_TYPES = JobRegistry(
    [
        JobType(
            name="worker_check",
            run="tc2.program.worker_check:worker_check",
            parse_params=parse_worker_check_params,
            # Several checks with different labels spread over the pool; a repeat is refused.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Walk N steps reporting progress; the result names the worker's host/pid.",
        ),
        JobType(
            name="data_recollect",
            shared_state=True,
            run="tc2.program.data_jobs:recollect",
            parse_params=parse_range_params,
            description="Delete, then collect again, sessions of the given symbols.",
            check_exists=check_symbols_exist,
        ),
        JobType(
            name="data_patch",
            shared_state=True,
            run="tc2.program.data_jobs:patch",
            parse_params=parse_range_params,
            description="Collect missing or invalid sessions of the given symbols.",
            check_exists=check_symbols_exist,
        ),
        JobType(
            name="data_heal",
            shared_state=True,
            run="tc2.program.data_jobs:heal",
            parse_params=parse_heal_params,
            description="Patch the last 30 sessions, skipping days that failed 3 times.",
            check_exists=check_symbols_exist,
        ),
        JobType(
            name="data_catch_up",
            shared_state=True,
            run="tc2.program.data_jobs:catch_up",
            parse_params=parse_heal_params,
            check_exists=check_symbols_exist,
            # Started by each settings change that adds symbols; different symbols run together.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Collect the history of symbols added to the universe; feed the models.",
        ),
        JobType(
            name="data_import",
            shared_state=True,
            run="tc2.program.data_jobs:import_bars",
            parse_params=parse_import_params,
            policy=JobPolicy.UNLIMITED,
            description="Save the sessions of an uploaded bar file.",
        ),
        JobType(
            name="strategy_simulate",
            run="tc2.program.strategy_jobs:simulate_day",
            parse_params=parse_simulate_params,
            # A trader runs several at once; a repeat of one still running is refused (409),
            # as it would only give an identical record.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Simulate a strategy on one day of LIVE bars; the run record.",
        ),
        JobType(
            name="strategy_evaluate",
            run="tc2.program.strategy_jobs:evaluate",
            parse_params=parse_evaluate_params,
            policy=JobPolicy.UNLIMITED,
            description="Simulate a strategy on every symbol-day of a range; metrics per day.",
            sink_only=(TRADE_RUNS_KEY,),  # its fills go to the trade records, not the job row
        ),
        JobType(
            name="health_check",
            run="tc2.program.checks.job:perform_health_check",
            parse_params=parse_health_check_params,
            # The nightly refresher submits every check at once; only a repeat is refused.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Run one health check; PASSED, FAILED or SKIPPED with its reasons.",
        ),
        JobType(
            name="visual_generate",
            run="tc2.program.visuals:generate_visual",
            parse_params=parse_visual_params,
            # The refresher asks for every symbol's price graph at once; a repeat is refused.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Generate one visual's chart-ready JSON.",
        ),
        JobType(
            name="trading_reconcile",
            run="tc2.program.reconciliation_jobs:reconcile_day",
            parse_params=parse_reconcile_params,
            # The nightly producer queues each traded day; a repeat of one running is refused.
            policy=JobPolicy.ONE_PER_PARAMS,
            description="Re-run a day's traded runs through the simulator; backtest versus live.",
        ),
    ]
)
