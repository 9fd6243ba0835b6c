from django.urls import path

from webpanel.data.apis import (
    DataBarsApi,
    DataCoverageApi,
    DataDatesApi,
    DataHealApi,
    DataImportApi,
    DataPatchApi,
    DataRecollectApi,
    DataResetAttemptsApi,
    DataStatusApi,
    DataSymbolsApi,
)

urlpatterns = [
    path("data/symbols", DataSymbolsApi.as_view(), name="data-symbols"),
    path("data/dates/<str:symbol>", DataDatesApi.as_view(), name="data-dates"),
    path("data/bars/<str:symbol>", DataBarsApi.as_view(), name="data-bars"),
    path("data/coverage/<str:symbol>", DataCoverageApi.as_view(), name="data-coverage"),
    path("data/status", DataStatusApi.as_view(), name="data-status"),
    path("data/import", DataImportApi.as_view(), name="data-import"),
    path("data/recollect", DataRecollectApi.as_view(), name="data-recollect"),
    path("data/patch", DataPatchApi.as_view(), name="data-patch"),
    path("data/heal", DataHealApi.as_view(), name="data-heal"),
    path(
        "data/reset_collection_attempts", DataResetAttemptsApi.as_view(), name="data-reset-attempts"
    ),
]
