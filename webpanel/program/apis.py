"""/api/program: the running program's status, and restarting it in place."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webpanel.core.permissions import IsStaff
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.program.selectors import program_status_get
from webpanel.program.services import program_restart_request


class ComponentSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["process", "thread"])
    state = serializers.ChoiceField(
        choices=["waiting", "starting", "running", "backing-off", "stopped"]
    )
    pid = serializers.IntegerField(allow_null=True)
    thread_name = serializers.CharField(allow_null=True)
    restarts = serializers.IntegerField()
    last_error = serializers.CharField(allow_null=True)
    last_heartbeat = serializers.FloatField(allow_null=True, help_text="epoch seconds")
    started_at = serializers.FloatField(allow_null=True, help_text="epoch seconds")


class ProgramStatusApi(APIView):
    """The program's state, pid, start time, lock owner and every component's health."""

    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=["starting", "running", "restarting", "stopping", "stopped"]
        )
        pid = serializers.IntegerField(required=False)
        host = serializers.CharField(required=False)
        started_at = serializers.FloatField(required=False, help_text="epoch seconds")
        lock_owner = serializers.CharField(allow_null=True)
        conditions = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Start conditions met so far, e.g. data_loaded after the data catch-up.",
        )
        updated_at = serializers.FloatField(required=False, help_text="epoch seconds")
        age_s = serializers.FloatField(required=False, help_text="seconds since published")
        components = ComponentSerializer(many=True)

    @extend_schema(
        operation_id="program_status",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 503)},
        tags=["program"],
    )
    def get(self, request: Request) -> Response:
        return Response(program_status_get())


class ProgramRestartApi(APIView):
    """Restart every component of the program in place; the web server keeps serving."""

    permission_classes = [IsStaff]

    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()

    @extend_schema(
        operation_id="program_restart",
        request=None,
        responses={202: OutputSerializer, **ERROR_RESPONSES.only(401, 403, 503)},
        tags=["program"],
    )
    def post(self, request: Request) -> Response:
        return Response(program_restart_request(user=request.user), status=202)


class UpdateApi(ProgramRestartApi):
    """Alias of POST /api/program/restart (the seed's /api/update; no code is downloaded)."""

    @extend_schema(
        operation_id="update",
        request=None,
        responses={202: ProgramRestartApi.OutputSerializer, **ERROR_RESPONSES.only(401, 403, 503)},
        tags=["program"],
    )
    def post(self, request: Request) -> Response:
        return super().post(request)
