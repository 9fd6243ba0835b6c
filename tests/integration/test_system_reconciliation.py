"""``make run``, then a traded day: the program's reconciler picks it up and the report shows no
difference, over HTTP.

A REPLAY run is recorded in the launched system's trade tables by another process
(``replay_run_child``, as a day trader process records its runs) on a stored session that closed
over 30 minutes ago. Nobody asks for a reconciliation: the ``reconciler`` thread queues the day
on its next pass (every 60 s), the program's job worker re-runs it, and
``GET /api/trading/reconciliations?day=`` then shows the run, identical to its re-run.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.system import PROJECT_DIR, RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("recon") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


def _record_replay_run(system: RunningSystem) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TC2_")}
    env.update({"TC2_DATA_DIR": str(system.data_dir), "TC2_ENV_FILE": ""})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.replay_run_child"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_reconciler_reports_a_traded_day_with_no_difference(system: RunningSystem):
    token = system.token(PASSWORD)
    status = system.wait_for_data_loaded(token)
    reconciler = next(c for c in status["components"] if c["name"] == "reconciler")
    assert reconciler["kind"] == "thread"

    traded = _record_replay_run(system)

    def reported() -> dict[str, Any] | None:
        rows = system.request(
            "GET", f"/api/trading/reconciliations?day={traded['day']}", token=token
        )[2]["reconciliations"]
        done = [row for row in rows if row["run"] == traded["run_id"] and row["status"] != "queued"]
        return done[0] if done else None

    row = wait_for(reported, timeout=200)
    assert row, system.output()[-3000:]
    assert row["status"] == "done", row
    assert row["identical"] is True
    detail = system.request("GET", f"/api/trading/reconciliations/{row['id']}", token=token)[2]
    report = detail["report"]
    assert report["live"]["fills"] == report["sim"]["fills"] == traded["fills"]
    assert report["attribution"]["total"] == 0
    job = system.request("GET", f"/api/jobs/{row['job']}", token=token)[2]
    assert job["type"] == "trading_reconcile" and job["requested_by"] is None
