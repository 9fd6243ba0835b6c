"""/api/jobs: submit, list, read and cancel long work."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.program.job_types import JOB_TYPES
from webpanel.core.errors import BadRequest
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.jobs.models import Job, JobStatus
from webpanel.jobs.selectors import MAX_LIST, job_get, job_list
from webpanel.jobs.services import job_cancel, job_submit


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    params = serializers.DictField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    progress = serializers.FloatField(help_text="0-100")
    progress_message = serializers.CharField()
    result = serializers.DictField(allow_null=True)
    error = serializers.CharField(help_text="Why it failed; empty otherwise.")
    traceback = serializers.CharField(required=False, help_text="Staff only.")
    cancel_requested = serializers.BooleanField()
    worker = serializers.CharField(help_text="host:pid of the worker that ran it")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    requested_by = serializers.CharField(allow_null=True, source="requested_by.username")

    def to_representation(self, instance: Job) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not (request and request.user and request.user.is_staff):
            data.pop("traceback", None)  # internals of the server are for staff only
        return data


def _job(job: Job, request: Request) -> dict[str, Any]:
    return JobSerializer(job, context={"request": request}).data


class JobListApi(APIView):
    """Jobs, newest first; and submitting a new one (data jobs: staff only)."""

    class ListOutputSerializer(serializers.Serializer):
        jobs = JobSerializer(many=True)

    class InputSerializer(serializers.Serializer):
        type = serializers.ChoiceField(choices=JOB_TYPES.names())
        params = serializers.DictField(required=False, help_text="Depends on the job type.")

    @extend_schema(
        operation_id="jobs_list",
        parameters=[
            OpenApiParameter("type", OpenApiTypes.STR, description="Only jobs of this type."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=JobStatus.values),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 0, "maximum": 9999},
                description=f"How many, newest first (default 50; more than {MAX_LIST} give "
                f"{MAX_LIST}).",
            ),
        ],
        responses={200: ListOutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["jobs"],
    )
    def get(self, request: Request) -> Response:
        limit_raw = request.query_params.get("limit", "50")
        if not re.fullmatch(r"[0-9]{1,4}", limit_raw):
            raise BadRequest(f"limit must be an integer up to {MAX_LIST}, was {limit_raw!r}")
        jobs = job_list(
            job_type=request.query_params.get("type") or None,
            status=request.query_params.get("status"),
            limit=int(limit_raw),
        )
        return Response({"jobs": [_job(job, request) for job in jobs]})

    @extend_schema(
        operation_id="jobs_submit",
        request=InputSerializer,
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 403, 409, 422, 503)},
        tags=["jobs"],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise BadRequest("The body must be a JSON object: {type, params}")
        job = job_submit(
            job_type=request.data.get("type"), params=request.data.get("params"), user=request.user
        )
        return Response(_job(job, request), status=202)


class JobDetailApi(APIView):
    """One job: status, progress, result or error."""

    @extend_schema(
        operation_id="jobs_get",
        responses={200: JobSerializer, **ERROR_RESPONSES.only(401, 404)},
        tags=["jobs"],
    )
    def get(self, request: Request, job_id: str) -> Response:
        return Response(_job(job_get(job_id=job_id), request))


class JobCancelApi(APIView):
    """Cancel: a queued job at once, a running one at its next progress point.

    A user cancels their own jobs; staff cancel any.
    """

    @extend_schema(
        operation_id="jobs_cancel",
        request=None,
        responses={202: JobSerializer, **ERROR_RESPONSES.only(401, 403, 404, 409)},
        tags=["jobs"],
    )
    def post(self, request: Request, job_id: str) -> Response:
        return Response(_job(job_cancel(job_id=job_id, user=request.user), request), status=202)
