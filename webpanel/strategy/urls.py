from django.urls import path

from webpanel.strategy.apis import (
    StrategyEvaluateApi,
    StrategyFileDetailApi,
    StrategyFileListApi,
    StrategyListApi,
    StrategyRunDetailApi,
    StrategyRunListApi,
    StrategySimulateDayApi,
)

urlpatterns = [
    path("strategy/list", StrategyListApi.as_view(), name="strategy-list"),
    path("strategy/simulate_day", StrategySimulateDayApi.as_view(), name="strategy-simulate-day"),
    path("strategy/evaluate", StrategyEvaluateApi.as_view(), name="strategy-evaluate"),
    path("strategy/runs", StrategyRunListApi.as_view(), name="strategy-runs"),
    path("strategy/runs/<str:run_id>", StrategyRunDetailApi.as_view(), name="strategy-run-detail"),
    path("strategy/files", StrategyFileListApi.as_view(), name="strategy-files"),
    path("strategy/files/<str:name>", StrategyFileDetailApi.as_view(), name="strategy-file-detail"),
]
