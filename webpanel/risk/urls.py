from django.urls import path

from webpanel.risk.apis import RiskApi, RiskFlattenApi, RiskStateApi

urlpatterns = [
    path("trading/risk", RiskApi.as_view(), name="trading-risk"),
    path("trading/risk/state", RiskStateApi.as_view(), name="trading-risk-state"),
    path("trading/risk/flatten", RiskFlattenApi.as_view(), name="trading-risk-flatten"),
]
