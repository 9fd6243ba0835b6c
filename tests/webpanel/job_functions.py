"""Job functions used by the job tests (registered as job types only inside those tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tc2.program.jobs import Progress


def explode(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    progress(10, "about to fail")
    raise RuntimeError("the data file is corrupt")


def not_json(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    return {"when": object()}
