from django.urls import path

from webpanel.trading.apis import (
    TradeHistoryResetApi,
    TradingAccountApi,
    TradingCommandDetailApi,
    TradingFillsApi,
    TradingOrderCancelApi,
    TradingOrdersApi,
    TradingPnlApi,
    TradingPositionForceExitApi,
    TradingPositionsApi,
    TradingRoundTripsApi,
    TradingRunsApi,
    TradingTraderStartApi,
    TradingTraderStopApi,
)

urlpatterns = [
    path("trading/account", TradingAccountApi.as_view(), name="trading-account"),
    path("trading/positions", TradingPositionsApi.as_view(), name="trading-positions"),
    path(
        "trading/positions/<str:symbol>/force_exit",
        TradingPositionForceExitApi.as_view(),
        name="trading-position-force-exit",
    ),
    path("trading/orders", TradingOrdersApi.as_view(), name="trading-orders"),
    path(
        "trading/orders/<str:client_order_id>/cancel",
        TradingOrderCancelApi.as_view(),
        name="trading-order-cancel",
    ),
    path("trading/fills", TradingFillsApi.as_view(), name="trading-fills"),
    path("trading/round_trips", TradingRoundTripsApi.as_view(), name="trading-round-trips"),
    path("trading/runs", TradingRunsApi.as_view(), name="trading-runs"),
    path("trading/pnl", TradingPnlApi.as_view(), name="trading-pnl"),
    path(
        "trading/traders/<str:trader>/start",
        TradingTraderStartApi.as_view(),
        name="trading-trader-start",
    ),
    path(
        "trading/traders/<str:trader>/stop",
        TradingTraderStopApi.as_view(),
        name="trading-trader-stop",
    ),
    path(
        "trading/commands/<str:command_id>",
        TradingCommandDetailApi.as_view(),
        name="trading-command-detail",
    ),
    path(
        "data/reset_trade_history", TradeHistoryResetApi.as_view(), name="data-reset-trade-history"
    ),
]
