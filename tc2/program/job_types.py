"""Every job type this deployment offers. Later issues add theirs to ``JOB_TYPES``."""

from __future__ import annotations

from tc2.program.jobs import JobPolicy, JobRegistry, JobType
from tc2.program.worker_check import parse_worker_check_params

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
    ]
)
