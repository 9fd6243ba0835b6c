"""Orders, positions, accounts and fill models: how an order meets the market."""

from tc2.execution.orders import (
    Fill,
    FingerprintRow,
    Order,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    fill_rows,
    trade_fingerprint,
)

__all__ = [
    "Fill",
    "FingerprintRow",
    "Order",
    "OrderRejected",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "Side",
    "TimeInForce",
    "fill_rows",
    "trade_fingerprint",
]
