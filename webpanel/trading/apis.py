"""/api/trading: the account, positions, open orders, fills, round trips and runs; commands to
the day and swing traders (staff); /api/data/reset_trade_history (staff)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.program.job_params import TICKER_RULE, ticker_schema
from tc2.program.trading_desk import CommandKind, CommandStatus, TraderName, TraderState
from webpanel.core.errors import BadRequest
from webpanel.core.permissions import IsStaff
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.trading.desk import (
    command_get,
    command_outcome,
    order_cancel,
    position_force_exit,
    trader_start,
    trader_stop,
)
from webpanel.trading.models import Mode, Operation
from webpanel.trading.selectors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_RUN_ID,
    NAME_PATTERN,
    ORDER_ID_PATTERN,
    PAGE_SIZE,
    PNL_GROUPS,
    account_get,
    fills_list,
    open_orders_list,
    page_of,
    parse_page,
    pnl_list,
    positions_list,
    round_trips_list,
    runs_list,
)
from webpanel.trading.services import RESET_CONFIRMATION, trade_history_reset

TRADERS = [name.value for name in TraderName]
MODE = OpenApiParameter("mode", OpenApiTypes.STR, enum=Mode.values)
DAY = OpenApiParameter("day", OpenApiTypes.DATE, description="A New York trading day")
NAME_SCHEMA = {"type": "string", "pattern": f"^{NAME_PATTERN.pattern}$"}
STRATEGY = OpenApiParameter("strategy", NAME_SCHEMA, description="The strategy's name")
SYMBOL = OpenApiParameter("symbol", ticker_schema(), description=f"A ticker: {TICKER_RULE}")
RUN = OpenApiParameter(
    "run", {"type": "integer", "minimum": 0, "maximum": MAX_RUN_ID}, description="An algo_run id"
)
TRADER = OpenApiParameter("trader", OpenApiTypes.STR, OpenApiParameter.PATH, enum=TRADERS)
PATH_SYMBOL = OpenApiParameter(
    "symbol", ticker_schema(), OpenApiParameter.PATH, description=f"A ticker: {TICKER_RULE}"
)
ORDER_ID = OpenApiParameter(
    "client_order_id",
    {"type": "string", "pattern": f"^{ORDER_ID_PATTERN.pattern}$"},
    OpenApiParameter.PATH,
)
PAGE = [
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="From 1"
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Rows per page (default {PAGE_SIZE})",
    ),
]


class StreamSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="bars or account (the broker's trade updates)")
    last_message_t = serializers.FloatField(allow_null=True, help_text="epoch seconds")
    stale = serializers.BooleanField(help_text="Silent past stale_after_s in market hours")
    stale_after_s = serializers.FloatField()


class TraderSerializer(serializers.Serializer):
    trader = serializers.ChoiceField(choices=TRADERS)
    state = serializers.ChoiceField(
        choices=[*(state.value for state in TraderState), "not_running"],
        help_text="not_running: the process published no snapshot in the last 10 s",
    )
    mode = serializers.ChoiceField(choices=Mode.values, allow_null=True)
    batch_id = serializers.CharField(allow_null=True)
    message = serializers.CharField(help_text="Why it stopped, or what it waits for")
    streams = StreamSerializer(many=True)
    market_t = serializers.FloatField(allow_null=True, help_text="Its clock (replay clock)")
    updated_at = serializers.FloatField(allow_null=True, help_text="epoch seconds")
    age_s = serializers.FloatField(allow_null=True)


class AccountFiguresSerializer(serializers.Serializer):
    cash = serializers.FloatField()
    equity = serializers.FloatField()
    buying_power = serializers.FloatField()
    day_trades_left = serializers.IntegerField(
        allow_null=True, help_text="Pattern-day-trader allowance; null: not limited"
    )


class PositionSerializer(serializers.Serializer):
    trader = serializers.ChoiceField(choices=TRADERS)
    mode = serializers.ChoiceField(choices=Mode.values)
    symbol = serializers.CharField()
    qty = serializers.FloatField(help_text="Signed: negative is short")
    avg_price = serializers.FloatField()
    mark = serializers.FloatField(help_text="The last price the trader saw")
    market_value = serializers.FloatField()
    unrealized_pl = serializers.FloatField(help_text="(mark - avg_price) x qty")
    strategy = serializers.CharField(allow_null=True)
    run_id = serializers.IntegerField(allow_null=True)


class OpenOrderSerializer(serializers.Serializer):
    trader = serializers.ChoiceField(choices=TRADERS)
    mode = serializers.ChoiceField(choices=Mode.values)
    client_order_id = serializers.CharField()
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    type = serializers.CharField()
    qty = serializers.FloatField(allow_null=True)
    notional = serializers.FloatField(allow_null=True)
    filled_qty = serializers.FloatField()
    limit_price = serializers.FloatField(allow_null=True)
    stop_price = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    submitted_t = serializers.FloatField(help_text="epoch seconds")
    strategy = serializers.CharField(allow_null=True)
    run_id = serializers.IntegerField(allow_null=True)


class CommandSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="GET /api/trading/commands/{id} reads it back")
    trader = serializers.ChoiceField(choices=TRADERS)
    kind = serializers.ChoiceField(choices=[kind.value for kind in CommandKind])
    args = serializers.DictField()
    by = serializers.CharField()
    issued_at = serializers.FloatField(help_text="epoch seconds")
    status = serializers.ChoiceField(
        choices=[status.value for status in CommandStatus],
        help_text="queued until the trader answers; expired: not picked up in 30 s, never run",
    )
    message = serializers.CharField(help_text="What the trader did, or why not")
    result = serializers.DictField()
    finished_at = serializers.FloatField(allow_null=True)


COMMAND_RESPONSES = {
    200: CommandSerializer,
    202: CommandSerializer,
    **ERROR_RESPONSES.only(400, 401, 403, 404, 409, 422, 503),
}
COMMAND_HELP = (
    " Waits up to 3 s for the trader: 200 done, 202 still queued (read it back by id), 409 "
    "refused/failed/expired (code command_not_done, the record in details.command) or when the "
    "trader is not running (code conflict); 503 when Redis is down."
)


def _command_response(record: Any) -> Response:
    document, status = command_outcome(record)
    return Response(document, status=status)


def _object(request: Request) -> dict[str, Any]:
    if request.data in (None, ""):
        return {}
    if not isinstance(request.data, dict):
        raise BadRequest("The body must be a JSON object.")
    return dict(request.data)


class TradingAccountApi(APIView):
    """The broker account (as the freshest running trader sees it) and both traders' state."""

    class OutputSerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=Mode.values, allow_null=True)
        account = AccountFiguresSerializer(allow_null=True)
        traders = TraderSerializer(many=True)

    @extend_schema(
        operation_id="trading_account",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 503)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        return Response(account_get())


class TradingPositionsApi(APIView):
    """Positions of the running traders with their marks and unrealized P&L."""

    class OutputSerializer(serializers.Serializer):
        positions = PositionSerializer(many=True)

    @extend_schema(
        operation_id="trading_positions",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 503)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        return Response({"positions": positions_list()})


class TradingOrdersApi(APIView):
    """Open orders of the running traders, newest first."""

    class OutputSerializer(serializers.Serializer):
        orders = OpenOrderSerializer(many=True)

    @extend_schema(
        operation_id="trading_orders",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 503)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        return Response({"orders": open_orders_list()})


class TradingOrderCancelApi(APIView):
    """Cancel an open order by its client_order_id (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="trading_order_cancel",
        parameters=[ORDER_ID],
        description="Sent to the trader that shows the order open." + COMMAND_HELP,
        request=None,
        responses=COMMAND_RESPONSES,
        tags=["trading"],
    )
    def post(self, request: Request, client_order_id: str) -> Response:
        return _command_response(order_cancel(client_order_id=client_order_id, user=request.user))


class TradingPositionForceExitApi(APIView):
    """Close a position at market now, cancelling the symbol's open orders first (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="trading_position_force_exit",
        parameters=[PATH_SYMBOL],
        description="Sent to the trader that holds the position." + COMMAND_HELP,
        request=None,
        responses=COMMAND_RESPONSES,
        tags=["trading"],
    )
    def post(self, request: Request, symbol: str) -> Response:
        return _command_response(position_force_exit(symbol=symbol, user=request.user))


class TradingTraderStartApi(APIView):
    """Start a trader (day or swing) trading (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="trading_trader_start",
        parameters=[TRADER],
        description="The trader reconciles with the broker, then trades." + COMMAND_HELP,
        request=None,
        responses=COMMAND_RESPONSES,
        tags=["trading"],
    )
    def post(self, request: Request, trader: str) -> Response:
        return _command_response(trader_start(trader=trader, user=request.user))


class TradingTraderStopApi(APIView):
    """Stop a trader (staff): no new orders, its open orders cancelled; flat with liquidate."""

    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        closed = True  # undeclared keys are refused (422)
        liquidate = serializers.BooleanField(
            required=False, default=False, help_text="Also close its positions at market"
        )

    @extend_schema(
        operation_id="trading_trader_stop",
        parameters=[TRADER],
        description="The process keeps running, idle, and obeys commands." + COMMAND_HELP,
        request=InputSerializer,
        responses=COMMAND_RESPONSES,
        tags=["trading"],
    )
    def post(self, request: Request, trader: str) -> Response:
        return _command_response(
            trader_stop(trader=trader, body=_object(request), user=request.user)
        )


class TradingCommandDetailApi(APIView):
    """A command sent to a trader and what became of it (kept a day)."""

    @extend_schema(
        operation_id="trading_command_get",
        responses={200: CommandSerializer, **ERROR_RESPONSES.only(401, 404, 503)},
        tags=["trading"],
    )
    def get(self, request: Request, command_id: str) -> Response:
        return Response(command_get(command_id=command_id).to_dict())


class FillSerializer(serializers.Serializer):
    fill_id = serializers.CharField(help_text="The broker's execution id")
    client_order_id = serializers.CharField()
    run_id = serializers.IntegerField()
    strategy = serializers.CharField(source="run.strategy")
    mode = serializers.ChoiceField(choices=Mode.values, source="run.mode")
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    operation = serializers.ChoiceField(choices=Operation.values)
    qty = serializers.DecimalField(max_digits=24, decimal_places=9, coerce_to_string=False)
    price = serializers.DecimalField(max_digits=20, decimal_places=8, coerce_to_string=False)
    fee = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False)
    t = serializers.DateTimeField()
    stop_price = serializers.DecimalField(
        max_digits=20, decimal_places=8, coerce_to_string=False, allow_null=True
    )
    target_price = serializers.DecimalField(
        max_digits=20, decimal_places=8, coerce_to_string=False, allow_null=True
    )
    indicators = serializers.DictField(help_text="What the strategy saw when it decided")


class RoundTripSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    strategy = serializers.CharField(source="run.strategy")
    mode = serializers.ChoiceField(choices=Mode.values, source="run.mode")
    symbol = serializers.CharField()
    direction = serializers.ChoiceField(choices=["long", "short"])
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    qty = serializers.DecimalField(max_digits=24, decimal_places=9, coerce_to_string=False)
    entry_price = serializers.DecimalField(max_digits=20, decimal_places=8, coerce_to_string=False)
    exit_price = serializers.DecimalField(max_digits=20, decimal_places=8, coerce_to_string=False)
    stop_price = serializers.DecimalField(
        max_digits=20, decimal_places=8, coerce_to_string=False, allow_null=True
    )
    fees = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False)
    gain_value = serializers.DecimalField(
        max_digits=20, decimal_places=6, coerce_to_string=False, help_text="Net dollars"
    )
    gain_percentage = serializers.DecimalField(
        max_digits=16, decimal_places=4, coerce_to_string=False
    )
    r_units = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        coerce_to_string=False,
        allow_null=True,
        help_text="(exit - entry) / (entry - stop); null without a stop",
    )


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch_id = serializers.CharField(help_text="One per program start, or the simulation job")
    strategy = serializers.CharField()
    parameters = serializers.DictField()
    mode = serializers.ChoiceField(choices=Mode.values)
    symbols = serializers.ListField(child=serializers.CharField())
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    stop_reason = serializers.CharField()
    reference_run_id = serializers.IntegerField(allow_null=True)
    job_id = serializers.UUIDField(allow_null=True)


def _page_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    fields = {
        "count": serializers.IntegerField(help_text="Rows matching the filters"),
        "page": serializers.IntegerField(),
        "page_size": serializers.IntegerField(),
        "results": row(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


FillPageSerializer = _page_serializer("FillPageSerializer", FillSerializer)
RoundTripPageSerializer = _page_serializer("RoundTripPageSerializer", RoundTripSerializer)
RunPageSerializer = _page_serializer("RunPageSerializer", RunSerializer)


def _page(request: Request, rows: Any, serializer: type[serializers.Serializer]) -> Response:
    page, page_size = parse_page(request.query_params)
    found = page_of(rows, page=page, page_size=page_size)
    return Response({**found, "results": serializer(found["results"], many=True).data})


class TradingFillsApi(APIView):
    """Every fill (partial fills included) of live, paper, replay and backtest runs, newest
    first."""

    @extend_schema(
        operation_id="trading_fills",
        parameters=[DAY, STRATEGY, SYMBOL, MODE, RUN, *PAGE],
        responses={200: FillPageSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = fills_list(
            day=query.get("day"),
            strategy=query.get("strategy"),
            symbol=query.get("symbol"),
            mode=query.get("mode"),
            run=query.get("run"),
        )
        return _page(request, rows, FillSerializer)


class TradingRoundTripsApi(APIView):
    """Closed round trips (consolidated at the end of each session), newest first."""

    @extend_schema(
        operation_id="trading_round_trips",
        parameters=[DAY, STRATEGY, SYMBOL, MODE, RUN, *PAGE],
        responses={200: RoundTripPageSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = round_trips_list(
            day=query.get("day"),
            strategy=query.get("strategy"),
            symbol=query.get("symbol"),
            mode=query.get("mode"),
            run=query.get("run"),
        )
        return _page(request, rows, RoundTripSerializer)


class TradingRunsApi(APIView):
    """Strategy runs (algo_run) of every mode, newest first."""

    @extend_schema(
        operation_id="trading_runs",
        parameters=[
            DAY,
            STRATEGY,
            MODE,
            OpenApiParameter("batch_id", NAME_SCHEMA),
            *PAGE,
        ],
        responses={200: RunPageSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = runs_list(
            day=query.get("day"),
            strategy=query.get("strategy"),
            mode=query.get("mode"),
            batch_id=query.get("batch_id"),
        )
        return _page(request, rows, RunSerializer)


class PnlRowSerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="by=day: the day they closed")
    strategy = serializers.CharField(required=False, help_text="by=strategy")
    mode = serializers.ChoiceField(choices=Mode.values)
    gain_value = serializers.DecimalField(
        max_digits=24, decimal_places=6, coerce_to_string=False, help_text="Net dollars"
    )
    fees = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False)
    round_trips = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()


class TradingPnlApi(APIView):
    """Realized P&L of the round trips per New York day (the P&L calendar) or per strategy,
    each mode apart."""

    class OutputSerializer(serializers.Serializer):
        rows = PnlRowSerializer(many=True)

    @extend_schema(
        operation_id="trading_pnl",
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(PNL_GROUPS)),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First New York day"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last New York day"),
            STRATEGY,
            SYMBOL,
            MODE,
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = pnl_list(
            by=query.get("by"),
            start=query.get("start"),
            end=query.get("end"),
            strategy=query.get("strategy"),
            symbol=query.get("symbol"),
            mode=query.get("mode"),
        )
        return Response({"rows": PnlRowSerializer(rows, many=True).data})


class TradeHistoryResetApi(APIView):
    """Delete every run, order, fill, gain/loss and round trip (staff, with confirmation)."""

    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        closed = True  # undeclared keys are refused (422)
        confirmation = serializers.ChoiceField(
            choices=[RESET_CONFIRMATION], help_text="Says you mean it; anything else: 422"
        )

    class OutputSerializer(serializers.Serializer):
        algo_runs = serializers.IntegerField()
        trade_orders = serializers.IntegerField()
        new_trades = serializers.IntegerField()
        gain_loss = serializers.IntegerField()
        trade_analysis = serializers.IntegerField()

    @extend_schema(
        operation_id="data_reset_trade_history",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401, 403, 422)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        return Response(trade_history_reset(body=_object(request), user=request.user))
