"""``worker_check``: prove the job system end to end and see which worker ran a job.

Useful after adding a worker on another machine (``manage.py runworker``): submit a few checks
with different labels and read each result's host and pid. It walks ``steps`` steps of
``step_seconds`` each, reporting progress after every step, so cancel and progress can be watched.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Mapping
from typing import Any

from tc2.errors import ValidationFailed
from tc2.program.jobs import Progress, reject_unknown_params, require_object

MAX_STEPS = 1000
MAX_STEP_SECONDS = 10.0


def parse_worker_check_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``{"steps": 1-1000, "step_seconds": 0-10, "label": str<=64}`` (all optional)."""
    params = require_object(raw)
    errors = reject_unknown_params(params, ("steps", "step_seconds", "label"))
    steps = params.get("steps", 10)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        errors["steps"] = [f"must be an integer from 1 to {MAX_STEPS}, was {steps!r}"]
    step_seconds = params.get("step_seconds", 0.1)
    if (
        isinstance(step_seconds, bool)
        or not isinstance(step_seconds, int | float)
        or not math.isfinite(step_seconds)
        or not 0 <= step_seconds <= MAX_STEP_SECONDS
    ):
        errors["step_seconds"] = [
            f"must be a number from 0 to {MAX_STEP_SECONDS}, was {step_seconds!r}"
        ]
    label = params.get("label", "")
    if not isinstance(label, str) or len(label) > 64:
        errors["label"] = ["must be a string of at most 64 characters"]
    if errors:
        raise ValidationFailed("worker_check params are invalid.", errors)
    return {"steps": steps, "step_seconds": float(step_seconds), "label": label}


def worker_check(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Walk the steps, reporting progress; return where and how fast it ran."""
    steps, step_seconds = int(params["steps"]), float(params["step_seconds"])
    started = time.monotonic()
    progress(0, f"0/{steps}")
    for step in range(1, steps + 1):
        time.sleep(step_seconds)
        progress(100 * step / steps, f"{step}/{steps}")
    return {
        "label": params.get("label", ""),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "steps": steps,
        "seconds": round(time.monotonic() - started, 3),
    }
