from django.urls import path

from webpanel.program.apis import ProgramRestartApi, ProgramStatusApi, UpdateApi

urlpatterns = [
    path("program/status", ProgramStatusApi.as_view(), name="program-status"),
    path("program/restart", ProgramRestartApi.as_view(), name="program-restart"),
    path("update", UpdateApi.as_view(), name="update"),
]
