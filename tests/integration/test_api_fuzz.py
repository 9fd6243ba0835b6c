"""Bad input never yields a 500: fuzz every operation of the live API from its own OpenAPI schema.

Schemathesis generates valid and invalid requests for each operation (bodies, query and path
parameters) and sends them, with a real token, to a freshly launched system. A separate system is
used because the fuzzer legitimately changes settings, clears logs and trips the login throttle.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.integration.system import RunningSystem, running_system

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def fuzzed_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(fuzzed_system: RunningSystem) -> str:
    return fuzzed_system.token(PASSWORD)


@pytest.fixture(scope="module")
def api_schema(fuzzed_system: RunningSystem, token: str) -> Any:
    status, _, document = fuzzed_system.request("GET", "/api/schema/?format=json", token=token)
    assert status == 200
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=fuzzed_system.base)
    return schema


# schemathesis' own pytest plugin does not run on pytest 9, so its strategies drive Hypothesis here.
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_no_operation_answers_500(api_schema: Any, token: str, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    fuzzed = []
    for operation in operations:
        try:
            _fuzz(operation, mode, token)
        except Unsatisfiable:
            # Negative mode: an operation with no parameters and no body has nothing to corrupt.
            assert mode is GenerationMode.NEGATIVE
            continue
        fuzzed.append(operation.label)
    # Every operation that takes input was fuzzed (the token, settings and log routes).
    assert {"POST /api/token", "PATCH /api/settings", "GET /api/logs/file/"} <= set(fuzzed)


def _fuzz(operation: Any, mode: GenerationMode, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=10)
        described = f"{case.method} {case.formatted_path} -> {response.status_code}"
        assert response.status_code < 500, f"{described}: {response.text[:300]}"
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"}, f"{described}: {body}"
            assert set(body["error"]) == {"code", "message", "details"}, f"{described}: {body}"

    check()
