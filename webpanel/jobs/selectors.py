"""Read jobs."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from webpanel.core.errors import BadRequest, NotFound
from webpanel.jobs.models import Job, JobStatus

MAX_LIST = 500


def job_list(
    *, job_type: str | None = None, status: str | None = None, limit: int = 50
) -> QuerySet[Job]:
    """Newest first, optionally filtered by type and status."""
    jobs = Job.objects.select_related("requested_by")
    if status is not None:  # given empty is not "any": the schema's enum has no ""
        if status not in JobStatus.values:
            raise BadRequest(
                f"status must be one of {', '.join(JobStatus.values)}, was {status!r}",
                {"status": status},
            )
        jobs = jobs.filter(status=status)
    if job_type:
        jobs = jobs.filter(type=job_type)
    return jobs[: max(1, min(limit, MAX_LIST))]


def job_get(*, job_id: str) -> Job:
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(f"No job {job_id}") from None
    job = Job.objects.select_related("requested_by").filter(id=key).first()
    if job is None:
        raise NotFound(f"No job {job_id}")
    return job
