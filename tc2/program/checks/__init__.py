"""Health checks: small, named tests of a running deployment, each run as a job.

A check returns a ``HealthReport``: PASSED, FAILED or SKIPPED, the debug messages that explain
it (problems first) and the figures it measured. ``perform_health_check`` is the job function
(job type ``health_check``); the web panel keeps the latest report per (check type, symbol).
Checks read the LIVE price store and never write to it; the STORE check writes only to the
HEALTH_CHECKING namespace, its sandbox.

- STORE: save, load, range-load, remove-before/after, delete and drop of dummy days in the
  sandbox namespace of the configured price store (files or MongoDB), every load compared bar
  for bar with what was saved, a second symbol untouched; average ``load_day`` <= 250 ms.
- PROVIDER: the configured market-data provider's minute and second bars of SPY for the last
  completed session, fetched and validated, with timings (flagged over 7 minutes). SKIPPED when
  no provider is configured (the synthetic market needs no check).
- DATA: TC2's rule per symbol and stored resolution: of the 40 most recent days on file, at
  least 90 % pass validation with no gap over 45 s; and no overnight step on file (1d, 1m) that
  looks like a split (2:1, 3:1, 1:2...) without a split kept for that day.
- DIP45: the DIP_45 model on the symbol's recent sessions: enough days, each with its 10:30 bar,
  every dip a plausible percentage, and a model that learns a value from them.
- MODEL_FEEDING: every forgetful model trained on days 1..n at once equals the same model trained
  night by night (with partial days fed and undone, and each day fed twice) and the fold a
  simulation warms it with; a snapshot reverts exactly.
- SIM_TIMINGS: CycleStrategy simulated on the symbol's 5 most recent 1-second days; PASSED when
  the average is <= 5 s per day (TC2's limit), the actual times reported.
- SIM_OUTPUT: CycleStrategy simulated on one day (default: the last on file) passes realism
  checks: each fill inside its bar's range, no order before the start or after the close, entries
  inside the active windows, cash never negative, flat at the close.
- ALPACA: the Alpaca trading account is reachable and active, and its open orders can be listed.
  SKIPPED without Alpaca keys.

Nightly, between 18:00 and 06:00 New York, the program's refresher submits every check once
(``nightly_window_start``, ``nightly_checks``).

One module per check (``store``, ``provider``, ``data``, ``dip45``, ``model_feeding``,
``sim_timings``, ``sim_output``, ``alpaca``), each a function of its dependencies; ``report``
holds what they return, ``cycle`` the CycleStrategy run both SIM checks make, ``params`` the job's
parameters, ``job`` the job function that builds the dependencies from the environment, and
``nightly`` the schedule. This package's names below are its public API.
"""

from tc2.program.checks.alpaca import AlpacaAccountProbe, alpaca_probe_from_environ, check_alpaca
from tc2.program.checks.data import check_data
from tc2.program.checks.dip45 import check_dip45
from tc2.program.checks.job import perform_health_check
from tc2.program.checks.model_feeding import check_model_feeding
from tc2.program.checks.nightly import nightly_checks, nightly_window_start
from tc2.program.checks.params import health_check_key, parse_health_check_params
from tc2.program.checks.provider import check_provider
from tc2.program.checks.report import (
    CHECK_DESCRIPTIONS,
    HealthCheckType,
    HealthReport,
    HealthStatus,
)
from tc2.program.checks.sim_output import check_sim_output, realism_problems
from tc2.program.checks.sim_timings import check_sim_timings
from tc2.program.checks.store import check_store

__all__ = [
    "CHECK_DESCRIPTIONS",
    "AlpacaAccountProbe",
    "HealthCheckType",
    "HealthReport",
    "HealthStatus",
    "alpaca_probe_from_environ",
    "check_alpaca",
    "check_data",
    "check_dip45",
    "check_model_feeding",
    "check_provider",
    "check_sim_output",
    "check_sim_timings",
    "check_store",
    "health_check_key",
    "nightly_checks",
    "nightly_window_start",
    "parse_health_check_params",
    "perform_health_check",
    "realism_problems",
]
