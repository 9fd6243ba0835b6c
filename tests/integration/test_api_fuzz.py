"""Schema truth: fuzz every operation of the live API from its own OpenAPI schema, every check on.

Schemathesis (its command line, ``st run --checks all``) generates valid and invalid requests
for each operation (bodies, query and path parameters), then stateful sequences, and sends them
with a real token to a freshly launched system. Every check must pass: no server error, every
status and body as documented, schema-invalid input refused, schema-valid input accepted. A
separate system is used because the fuzzer legitimately changes settings, clears logs, restarts
the program and trips the login throttle.

The schema states every rule of a request's shape (tickers, dates, enums, bounds, no undeclared
keys). What it cannot state is what exists: a session on file, a strategy by name, a symbol the
data source has, an end not before its start. Requests failing only those are answered 422 with
the field named, so 422 is an expected answer to schema-valid data (``positive_data_acceptance``)
besides schemathesis' defaults.

The figures (test cases, operations, failures) are printed; ``TC2_FUZZ_EXAMPLES`` (default 10 per
operation and phase, about a minute here) and ``TC2_FUZZ_SEED`` change the run.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.system import RunningSystem, running_system

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
EXAMPLES = int(os.environ.get("TC2_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("TC2_FUZZ_SEED", "20261207"))
RUN_TIMEOUT_S = 900
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = f"""
[checks]
positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_STATUSES)}
"""


@pytest.fixture(scope="module")
def fuzzed_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


def test_every_operation_passes_every_check(fuzzed_system: RunningSystem, tmp_path: Path):
    token = fuzzed_system.token(PASSWORD)
    status, _, document = fuzzed_system.request("GET", "/api/schema/?format=json", token=token)
    assert status == 200
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(document))
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    report = tmp_path / "report.json"

    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            str(schema),
            "--url",
            fuzzed_system.base,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        cwd=tmp_path,  # whatever the fuzzer writes stays out of the checkout
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )

    run: dict[str, Any] = json.loads(report.read_text())
    operations, cases = run["operations"], run["test_cases"]
    print(
        f"\nschemathesis {run['schemathesis_version']}, --checks all, seed {SEED}: "
        f"{cases['generated']} test cases on {operations['tested']} of {operations['total']} "
        f"operations in {run['running_time']:.0f} s; {cases['with_failures']} with failures, "
        f"{len(run['errors'])} errors"
    )
    output = finished.stdout[-20_000:]
    assert run["complete"] and run["stop_reason"] == "completed", output
    assert operations["tested"] == operations["total"] >= 35, output
    assert run["failures"] == [] and run["errors"] == [], output
    assert finished.returncode == 0, output
