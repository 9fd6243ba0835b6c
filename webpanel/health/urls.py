from django.urls import path

from webpanel.health.apis import HealthCheckGetApi, HealthCheckListApi, HealthCheckPerformApi

urlpatterns = [
    path("health_checks/perform", HealthCheckPerformApi.as_view(), name="health-checks-perform"),
    path("health_checks/get", HealthCheckGetApi.as_view(), name="health-checks-get"),
    path("health_checks/list", HealthCheckListApi.as_view(), name="health-checks-list"),
]
