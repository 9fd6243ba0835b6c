from django.urls import path

from webpanel.logs.apis import LogFeedFilenamesApi, LogFeedTailApi, LogFileApi, LogsClearApi

# Order matters: "file/" and "<feed>_filenames" must win over the bare "<feed>".
urlpatterns = [
    path("logs", LogsClearApi.as_view(), name="logs-clear"),
    path("logs/file/", LogFileApi.as_view(), name="logs-file"),
    path("logs/<str:feed>_filenames", LogFeedFilenamesApi.as_view(), name="logs-filenames"),
    path("logs/<str:feed>", LogFeedTailApi.as_view(), name="logs-feed"),
]
