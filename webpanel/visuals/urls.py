from django.urls import path

from webpanel.visuals.apis import VisualGenerateApi, VisualGetApi, VisualListApi

urlpatterns = [
    path("visuals/generate", VisualGenerateApi.as_view(), name="visuals-generate"),
    path("visuals/get", VisualGetApi.as_view(), name="visuals-get"),
    path("visuals/list", VisualListApi.as_view(), name="visuals-list"),
]
