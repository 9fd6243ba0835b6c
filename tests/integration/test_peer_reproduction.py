"""Peer semantics reproduced exactly, through the user's path: import the peer's own data file
with TC2's import, evaluate with the peer's fill profile, compare to the cent (and metrics to 4
decimals). Each peer runs itself here too (a test dependency in requirements-dev.txt).

backtrader: ``tests/test_strategy_unoptimized.py`` (stocklike) on ``datas/2006-day-001.txt``:
SMA(15) close cross, market orders, a stake of 1, no commission, cash 10,000. Its published
figures: final value 10284.10, cash 6164.16, 12 buy and 11 sell execution prices. The file
holds 7 rows on New York holidays that backtrader trades through, so TC2 imports it with
``non_session=keep`` (the rows become sessions of that symbol, 9:30-16:00 New York).

The file is GPL-3.0: read from ``../shared``, never copied here; absent, the test skips.

pyalgotrade: ``testcases/sharpe_analyzer_test.py`` buys and holds IGE
(``sharpe-ratio-test-ige.csv``) on adjusted closes, filled at the first bar's close, and
publishes Sharpe 0.7889 (4 % risk-free, 252 periods). TC2's Sharpe is defined the same way
(docs/METRICS.md: daily simple returns, the first from the initial equity, the rate spread
evenly, sample deviation), so the published figure is checked on the peer itself and on TC2's
``sharpe_ratio``; the whole path (import, evaluate with fill profile ``pyalgotrade``: open fills,
a quarter of each bar's volume) is compared with pyalgotrade trading the raw closes the same
way: orders from the next bar on, as TC2 always fills (``adjustment=raw``: pyalgotrade trades
the file's prices as they are).

backtesting.py: ``test_compute_stats`` in its ``backtesting/test/_test.py`` (figures "also used
on the website"): ``SmaCross`` (SMA 10 / 30 crossover, ``position.close()`` then ``buy()`` or
``sell()`` with all the equity) on its bundled ``GOOG.csv``, cash 10,000, no commission,
``finalize_trades=True``. Its own run is checked against its published figures, then TC2 imports
the file (a pandas ``to_csv``: the first, unnamed column is the date) and evaluates
``tests/peers/backtesting_sma_cross.py`` with fill profile ``backtesting`` (its broker's open
fills and its sizing: whole shares of the buying power at the fill) and ``allow_short``: the
same 66 trades, the equity of every bar to the cent, the stats to 4 decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.import_journal import ImportJournal
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.orders import Side
from tc2.program.data_jobs import parse_import_options, save_bar_file
from tc2.program.jobs import live_store_from_environ
from tc2.program.strategy_jobs import evaluate, parse_evaluate_params
from tc2.simulation.metrics import sharpe_ratio
from tc2.simulation.simulator import SimulationSettings, SpanRequest, StrategySimulator
from tc2.strategy.registry import load_strategy

SHARED_MARKET = Path(__file__).resolve().parents[3] / "shared" / "data" / "market"
BACKTRADER_FILE = SHARED_MARKET / "backtrader-2006-day-001.txt"
STRATEGY = f"{Path(__file__).resolve().parents[1] / 'peers' / 'backtrader_close_cross.py'}"
STRATEGY += ":BacktraderCloseCross"

# backtrader's tests/test_strategy_unoptimized.py, stocklike=True.
BT_VALUE, BT_CASH = "10284.10", "6164.16"
BUYEXEC = [
    "3643.35", "3801.03", "3872.37", "3863.57", "3845.32", "3656.43",
    "3542.65", "3639.65", "3799.86", "3840.20", "4047.63", "4052.55",
]  # fmt: skip
SELLEXEC = [
    "3763.95", "3811.85", "3822.35", "3822.57", "3829.82", "3598.58",
    "3545.92", "3766.80", "3782.15", "3979.73", "4045.05",
]  # fmt: skip
HOLIDAY_ROWS = 7
SYMBOL = "BTDAY"
IGE_FILE = SHARED_MARKET / "sharpe-ratio-test-ige.csv"
BUY_AND_HOLD = f"{Path(__file__).resolve().parents[1] / 'peers' / 'buy_and_hold.py'}:BuyAndHold"
IGE_SELL_ON = dt.date(2007, 11, 13)
PYALGOTRADE_SHARPE = 0.7889
CALENDAR = MarketCalendar.xnys()


@pytest.fixture(scope="module")
def peer_file() -> Path:
    if not BACKTRADER_FILE.exists():
        pytest.skip(f"backtrader's data file is absent: {BACKTRADER_FILE}")
    return BACKTRADER_FILE


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TC2_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
    monkeypatch.delenv("TC2_PRICE_STORE", raising=False)
    return tmp_path


def _import(path: Path, data_dir: Path, non_session: str) -> dict[str, Any]:
    options = parse_import_options(
        {"format": "yahoo", "symbol": SYMBOL, "non_session": non_session}
    )
    return save_bar_file(
        path,
        options=options,
        store=live_store_from_environ(),
        journal=ImportJournal(data_dir / "import.journal"),
        progress=lambda percent, message: None,
    )


def _evaluate() -> dict[str, Any]:
    params = parse_evaluate_params(
        {
            "strategy": STRATEGY,
            "symbols": [SYMBOL],
            "start": "2006-01-01",
            "end": "2006-12-31",
            "fill_model": "backtrader",
            "starting_cash": 10_000,
            "warmup_days": 0,
            "model_filters": False,
            "resolution": "1d",
        },
        allow_paths=True,
    )
    return evaluate(params=params, progress=lambda percent, message: None)


def _span_fills(
    strategy: str,
    symbol: str,
    data_dir: Path,
    start: dt.date,
    end: dt.date,
    *,
    fill_model: str,
    params: dict[str, Any] | None = None,
) -> list[Any]:
    """The engine's span run that ``evaluate`` makes for a swing strategy: its fills."""
    store = FilePriceStore(data_dir / "prices", EnvType.LIVE.value)
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    span = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env).simulate_span(
        SpanRequest(
            strategy_class=load_strategy(strategy),
            symbols=(symbol,),
            start=start,
            end=end,
            params=params,
            settings=SimulationSettings(
                fill_model=fill_model,
                starting_cash=10_000,
                model_filters=False,
                resolution=Resolution.DAY,
                allow_short=fill_model == "backtesting",
            ),
            warmup_days=0,
        )
    )
    return list(span.record.fill_log)


def _fills(data_dir: Path) -> tuple[list[str], list[str], str]:
    """backtrader's run in TC2: buy and sell prices and the cash left."""
    fills = _span_fills(
        STRATEGY, SYMBOL, data_dir, dt.date(2006, 1, 1), dt.date(2006, 12, 31),
        fill_model="backtrader",
    )  # fmt: skip
    buys = [f"{fill.price:.2f}" for fill in fills if fill.side is Side.BUY]
    sells = [f"{fill.price:.2f}" for fill in fills if fill.side is Side.SELL]
    cash = 10_000 - math.fsum(fill.side.sign * fill.qty * fill.price for fill in fills)
    return buys, sells, f"{cash:.2f}"


def _backtrader(
    path: Path, folder: Path, skip_days: frozenset[str] = frozenset()
) -> tuple[Any, ...]:
    """backtrader itself, with its test's strategy, on the file (less ``skip_days``)."""
    bt = pytest.importorskip("backtrader")

    class TestStrategy(bt.Strategy):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.sma = bt.indicators.SMA(self.data, period=15)
            self.cross = bt.indicators.CrossOver(self.data.close, self.sma)
            self.orderid = None
            self.buyexec: list[str] = []
            self.sellexec: list[str] = []

        def notify_order(self, order: Any) -> None:
            if order.status in (order.Submitted, order.Accepted):
                return
            if order.status == order.Completed:
                done = self.buyexec if order.isbuy() else self.sellexec
                done.append(f"{order.executed.price:.2f}")
            self.orderid = None

        def next(self) -> None:
            if self.orderid:
                return
            if not self.position.size:
                if self.cross > 0.0:
                    self.orderid = self.buy()
            elif self.cross < 0.0:
                self.orderid = self.close()

    data = folder / "backtrader-feed.txt"
    lines = [line for line in path.read_text().splitlines() if line.split(",")[0] not in skip_days]
    data.write_text("\n".join(lines) + "\n")
    cerebro = bt.Cerebro()
    cerebro.adddata(
        bt.feeds.BacktraderCSVData(
            dataname=str(data),
            fromdate=dt.datetime(2006, 1, 1),
            todate=dt.datetime(2006, 12, 31),
        )
    )
    cerebro.addstrategy(TestStrategy)
    strategy = cerebro.run()[0]
    broker = cerebro.broker
    return (
        f"{broker.getvalue():.2f}",
        f"{broker.getcash():.2f}",
        strategy.buyexec,
        strategy.sellexec,
    )


class BacktraderReproductionTests:
    def test_backtrader_itself_gives_its_published_figures(
        self, peer_file: Path, tmp_path: Path
    ) -> None:
        assert _backtrader(peer_file, tmp_path) == (BT_VALUE, BT_CASH, BUYEXEC, SELLEXEC)

    def test_tc2_import_then_evaluate_gives_backtraders_figures_to_the_cent(
        self, peer_file: Path, data_dir: Path
    ) -> None:
        imported = _import(peer_file, data_dir, "keep")
        assert imported["non_session_rows"] == HOLIDAY_ROWS
        assert imported["bars"] == 255

        evaluation = _evaluate()
        buys, sells, cash = _fills(data_dir)

        assert evaluation["resolution"] == "1d"
        final = evaluation["initial_equity"] + evaluation["tc2_metrics"]["net_profit"]
        assert f"{final:.2f}" == BT_VALUE
        assert f"{evaluation['equity_curve']['equity'][-1]:.2f}" == BT_VALUE
        assert buys == BUYEXEC
        assert sells == SELLEXEC
        assert cash == BT_CASH

    def test_without_the_holiday_rows_both_engines_agree_on_other_figures(
        self, peer_file: Path, data_dir: Path
    ) -> None:
        # Skipping the 7 holiday rows changes the SMA and so the trades, in both engines alike.
        imported = _import(peer_file, data_dir, "skip")
        holidays = frozenset(
            str(row["reason"]).split(" ")[0] for row in imported["non_session_skipped"]
        )
        value, bt_cash, bt_buys, bt_sells = _backtrader(peer_file, data_dir, holidays)

        evaluation = _evaluate()
        buys, sells, cash = _fills(data_dir)

        assert len(holidays) == HOLIDAY_ROWS
        assert value != BT_VALUE
        final = evaluation["initial_equity"] + evaluation["tc2_metrics"]["net_profit"]
        assert (f"{final:.2f}", cash, buys, sells) == (value, bt_cash, bt_buys, bt_sells)


@pytest.fixture(scope="module")
def ige_file() -> Path:
    if not IGE_FILE.exists():
        pytest.skip(f"pyalgotrade's IGE file is absent: {IGE_FILE}")
    return IGE_FILE


def _pyalgotrade(path: Path, *, published: bool) -> dict[str, Any]:
    """pyalgotrade itself: its published IGE test (adjusted closes, filled at the first close,
    no volume limit), or the same buy and hold on raw bars filled from the next bar on."""
    pytest.importorskip("pyalgotrade")
    from pyalgotrade import broker, strategy
    from pyalgotrade.barfeed import yahoofeed
    from pyalgotrade.stratanalyzer import drawdown, sharpe

    feed = yahoofeed.Feed()
    feed.addBarsFromCSV("ige", str(path))
    fills: list[tuple[str, float]] = []

    def market(peer: Any, action: Any) -> None:
        order = peer.getBroker().createMarketOrder(action, "ige", 1, published)
        order.setGoodTillCanceled(True)
        peer.getBroker().submitOrder(order)

    class BuyAndHold(strategy.BacktestingStrategy):  # type: ignore[misc]
        def onOrderUpdated(self, order: Any) -> None:
            info = order.getExecutionInfo()
            if info is not None:
                side = "buy" if order.getAction() == broker.Order.Action.BUY else "sell"
                fills.append((side, f"{info.getPrice():.2f}"))

        def onBars(self, bars: Any) -> None:
            if not published and not fills and not self.getBroker().getActiveOrders():
                market(self, broker.Order.Action.BUY)
            if bars.getDateTime().date() == IGE_SELL_ON:
                market(self, broker.Order.Action.SELL)

    cash = 42.09 if published else 1000.0
    peer = BuyAndHold(feed, cash)
    analyzer = sharpe.SharpeRatio()
    peer.attachAnalyzer(analyzer)
    drawdowns = drawdown.DrawDown()
    peer.attachAnalyzer(drawdowns)
    if published:
        peer.setUseAdjustedValues(True)
        peer.getBroker().getFillStrategy().setVolumeLimit(None)
        market(peer, broker.Order.Action.BUY)  # before the run: filled at the first close
    peer.run()
    return {
        "cash": f"{peer.getBroker().getCash():.2f}",
        "equity": f"{peer.getBroker().getEquity():.2f}",
        "sharpe_rf": round(analyzer.getSharpeRatio(0.04), 4),
        "sharpe": round(analyzer.getSharpeRatio(0), 4),
        "max_drawdown": round(drawdowns.getMaxDrawDown(), 4),
        "longest_drawdown_days": drawdowns.getLongestDrawDownDuration().days,
        "fills": fills,
    }


class PyAlgoTradeReproductionTests:
    def test_pyalgotrade_itself_and_tc2s_sharpe_give_the_published_figure(
        self, ige_file: Path
    ) -> None:
        peer = _pyalgotrade(ige_file, published=True)
        adjusted = [
            float(row["Adj Close"]) for row in csv.DictReader(ige_file.read_text().splitlines())
        ]
        returns = [0.0] + [b / a - 1 for a, b in itertools.pairwise(adjusted)]

        ours = sharpe_ratio(returns, risk_free_rate=0.04, periods_per_year=252)

        assert peer["sharpe_rf"] == PYALGOTRADE_SHARPE
        assert peer["cash"] == "127.64"
        assert ours is not None and round(ours, 4) == PYALGOTRADE_SHARPE

    def test_tc2_import_then_evaluate_gives_pyalgotrades_figures(
        self, ige_file: Path, data_dir: Path
    ) -> None:
        peer = _pyalgotrade(ige_file, published=False)
        options = parse_import_options({"format": "yahoo", "symbol": "IGE"})
        save_bar_file(
            ige_file,
            options=options,
            store=live_store_from_environ(),
            journal=ImportJournal(data_dir / "import.journal"),
            progress=lambda percent, message: None,
        )
        params = parse_evaluate_params(
            {
                "strategy": BUY_AND_HOLD,
                "symbols": ["IGE"],
                "start": "2001-11-26",
                "end": "2007-11-14",
                "params": {"sell_on": int(IGE_SELL_ON.strftime("%Y%m%d"))},
                "fill_model": "pyalgotrade",
                "adjustment": "raw",  # pyalgotrade trades the file's closes as they are
                "starting_cash": 1000,
                "warmup_days": 0,
                "model_filters": False,
                "resolution": "1d",
            },
            allow_paths=True,
        )

        evaluation = evaluate(params=params, progress=lambda percent, message: None)

        equity = evaluation["equity_curve"]["equity"]
        returns = [equity[0] / evaluation["initial_equity"] - 1] + [
            b / a - 1 for a, b in itertools.pairwise(equity)
        ]
        with_rf = sharpe_ratio(returns, risk_free_rate=0.04, periods_per_year=252)
        assert peer["fills"] == [("buy", "91.32"), ("sell", "129.32")]
        assert f"{equity[-1]:.2f}" == peer["equity"] == peer["cash"]
        assert round(evaluation["performance"]["sharpe"], 4) == peer["sharpe"]
        assert with_rf is not None and round(with_rf, 4) == peer["sharpe_rf"]
        assert sum(day["fills"] for day in evaluation["days"]) == 2
        # pyalgotrade's drawdown counts calendar days; TC2's own counts sessions.
        convention = evaluation["metric_conventions"]["pyalgotrade"]
        assert round(convention["sharpe"], 4) == peer["sharpe"]
        assert round(convention["max_drawdown"], 4) == peer["max_drawdown"]
        assert convention["longest_drawdown_days"] == peer["longest_drawdown_days"]
        assert peer["longest_drawdown_days"] > evaluation["performance"]["max_drawdown_duration"]


def _backtesting_py_stats(evaluation: dict[str, Any]) -> Any:
    """backtesting.py's own ``compute_stats`` of TC2's equity curve (no trades: the curve's
    figures only)."""
    pytest.importorskip("backtesting")
    import numpy as np
    import pandas as pd
    from backtesting._stats import compute_stats

    curve = evaluation["equity_curve"]
    index = pd.DatetimeIndex(pd.to_datetime(curve["days"]))
    equity = np.asarray(curve["equity"], dtype=np.float64)
    columns = ["Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice", "PnL", "ReturnPct"]
    trades = pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
    trades["EntryTime"] = trades["ExitTime"] = pd.Series(dtype="datetime64[ns]")
    trades["Duration"] = pd.Series(dtype="timedelta64[ns]")
    ohlc = pd.DataFrame({"Close": equity}, index=index)
    return compute_stats(trades=trades, equity=equity, ohlc_data=ohlc, strategy_instance=None)


class MetricConventionTests:
    # backtesting.py 0.6.6 reads DatetimeIndex.dayofweek, which pandas 3 deprecates: its code.
    @pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofweek is deprecated")
    def test_backtesting_py_figures_of_tc2s_curve_equal_backtesting_pys_own(
        self, peer_file: Path, data_dir: Path
    ) -> None:
        _import(peer_file, data_dir, "keep")
        evaluation = _evaluate()
        stats = _backtesting_py_stats(evaluation)

        ours = evaluation["metric_conventions"]["backtesting.py"]

        assert round(ours["return_annual"] * 100, 4) == round(stats["Return (Ann.) [%]"], 4)
        assert round(ours["volatility_annual"] * 100, 4) == round(stats["Volatility (Ann.) [%]"], 4)
        assert round(ours["sharpe"], 4) == round(stats["Sharpe Ratio"], 4)
        assert round(ours["sortino"], 4) == round(stats["Sortino Ratio"], 4)
        assert round(ours["cagr"] * 100, 4) == round(stats["CAGR [%]"], 4)
        assert round(ours["max_drawdown"] * 100, 4) == round(-stats["Max. Drawdown [%]"], 4)
        assert ours["max_drawdown_days"] == stats["Max. Drawdown Duration"].days
        # Not TC2's own Sharpe: the definitions differ (docs/METRICS.md), and so do the figures.
        assert round(ours["sharpe"], 4) != round(evaluation["performance"]["sharpe"], 4)


GOOG_STRATEGY = f"{Path(__file__).resolve().parents[1] / 'peers' / 'backtesting_sma_cross.py'}"
GOOG_STRATEGY += ":BacktestingSmaCross"
GOOG_FLAT_ON = 20130228  # the bar before the last: finalize_trades closes at the last open
# backtesting.py's test_compute_stats (SmaCross on GOOG, cash 10,000, no commission): "These
# values are also used on the website".
BACKTESTING_PY_STATS = {
    "Equity Final [$]": 51422.98999999996,
    "Equity Peak [$]": 75787.44,
    "Return [%]": 414.2298999999996,
    "# Trades": 66,
    "Return (Ann.) [%]": 21.191099249053224,
    "Volatility (Ann.) [%]": 36.49716090702389,
    "CAGR [%]": 21.160245705962623,
    "Sharpe Ratio": 0.5806232244485349,
    "Sortino Ratio": 1.0853434352488662,
    "Max. Drawdown [%]": -47.98012705007589,
    "Max. Drawdown Duration": 584,
    "Win Rate [%]": 46.96969696969697,
    "Best Trade [%]": 53.59595229490424,
    "Worst Trade [%]": -18.39887353835481,
    "Profit Factor": 2.167945974262033,
}


@pytest.fixture(scope="module")
def goog_file() -> Path:
    """backtesting.py's bundled GOOG.csv (pandas' to_csv: a first column without a name)."""
    pytest.importorskip("backtesting")
    import backtesting

    return Path(backtesting.__file__).parent / "test" / "GOOG.csv"


def _backtesting_py(**params: int) -> Any:
    """backtesting.py itself: its test_compute_stats run (SmaCross's ``params`` changed)."""
    from backtesting import Backtest
    from backtesting.test import GOOG
    from backtesting.test._test import SmaCross

    return Backtest(GOOG, SmaCross, finalize_trades=True).run(**params)


def _import_goog(goog_file: Path, data_dir: Path) -> dict[str, Any]:
    return save_bar_file(
        goog_file,
        options=parse_import_options({"format": "yahoo", "symbol": "GOOG"}),
        store=live_store_from_environ(),
        journal=ImportJournal(data_dir / "import.journal"),
        progress=lambda percent, message: None,
    )


def _evaluate_goog(data_dir: Path, **params: int) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """TC2's evaluation of the SmaCross file with fill profile ``backtesting``, and its trades."""
    strategy_params = {"flat_on": GOOG_FLAT_ON, **params}
    request = parse_evaluate_params(
        {
            "strategy": GOOG_STRATEGY,
            "symbols": ["GOOG"],
            "start": "2004-08-19",
            "end": "2013-03-01",
            "params": strategy_params,
            "fill_model": "backtesting",
            "starting_cash": 10_000,
            "warmup_days": 0,
            "model_filters": False,
            "resolution": "1d",
            "allow_short": True,
        },
        allow_paths=True,
    )
    evaluation = evaluate(params=request, progress=lambda percent, message: None)
    days = [dt.date.fromisoformat(day) for day in evaluation["equity_curve"]["days"]]
    fills = _span_fills(
        GOOG_STRATEGY,
        "GOOG",
        data_dir,
        days[0],
        days[-1],
        fill_model="backtesting",
        params=strategy_params,
    )
    return evaluation, _trades(fills, days)


def _peer_trades(peer: Any) -> list[tuple[Any, ...]]:
    return [
        (int(row.Size), int(row.EntryBar), int(row.ExitBar), row.EntryPrice, row.ExitPrice)
        for row in peer["_trades"].itertuples()
    ]


def _stat(stats: Any, name: str) -> float:
    value = stats[name]
    return float(value.days if name.endswith("Duration") else value)


def _trades(fills: list[Any], days: list[dt.date]) -> list[tuple[Any, ...]]:
    """Round trips of a close-and-reverse strategy's fills, as backtesting.py lists its trades:
    (size, entry bar, exit bar, entry price, exit price), bars numbered in the file's rows."""
    bar = {day: index for index, day in enumerate(days)}
    trades: list[tuple[Any, ...]] = []
    held, entry = 0.0, (0, 0.0)
    for fill in fills:
        index = bar[dt.datetime.fromtimestamp(fill.t, NEW_YORK).date()]
        if held:
            assert fill.qty == abs(held)  # each close is whole, each entry from flat
            trades.append((int(held), entry[0], index, entry[1], fill.price))
            held = 0.0
        else:
            held, entry = fill.side.sign * fill.qty, (index, fill.price)
    return trades


class BacktestingPyReproductionTests:
    # backtesting.py 0.6.6 reads DatetimeIndex.dayofweek, which pandas 3 deprecates: its code.
    @pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofweek is deprecated")
    def test_tc2_import_then_evaluate_gives_backtesting_pys_published_stats(
        self, goog_file: Path, data_dir: Path
    ) -> None:
        peer = _backtesting_py()
        for name, published in BACKTESTING_PY_STATS.items():
            assert round(_stat(peer, name), 6) == round(published, 6), name
        imported = _import_goog(goog_file, data_dir)

        evaluation, trades = _evaluate_goog(data_dir)

        curve = evaluation["equity_curve"]
        equity = curve["equity"]
        days = [dt.date.fromisoformat(day) for day in curve["days"]]
        ours = evaluation["metric_conventions"]["backtesting.py"]
        assert imported["bars"] == len(days) == len(peer["_equity_curve"]) == 2148
        assert f"{equity[-1]:.2f}" == f"{BACKTESTING_PY_STATS['Equity Final [$]']:.2f}"
        assert f"{max(equity):.2f}" == f"{BACKTESTING_PY_STATS['Equity Peak [$]']:.2f}"
        assert [f"{value:.2f}" for value in equity] == [
            f"{value:.2f}" for value in peer["_equity_curve"]["Equity"]
        ]
        figures = {
            "Return [%]": (equity[-1] / evaluation["initial_equity"] - 1) * 100,
            "Return (Ann.) [%]": ours["return_annual"] * 100,
            "Volatility (Ann.) [%]": ours["volatility_annual"] * 100,
            "CAGR [%]": ours["cagr"] * 100,
            "Sharpe Ratio": ours["sharpe"],
            "Sortino Ratio": ours["sortino"],
            "Max. Drawdown [%]": -ours["max_drawdown"] * 100,
            "Max. Drawdown Duration": ours["max_drawdown_days"],
        }
        for name, figure in figures.items():
            assert round(figure, 4) == round(BACKTESTING_PY_STATS[name], 4), name

        assert (
            len(trades)
            == BACKTESTING_PY_STATS["# Trades"]
            == evaluation["tc2_metrics"]["days_entered"]
        )
        assert trades == _peer_trades(peer)

    @pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofweek is deprecated")
    def test_other_averages_give_other_trades_alike_in_both_engines(
        self, goog_file: Path, data_dir: Path
    ) -> None:
        peer = _backtesting_py(fast=5, slow=20)
        _import_goog(goog_file, data_dir)

        evaluation, trades = _evaluate_goog(data_dir, fast=5, slow=20)

        equity = evaluation["equity_curve"]["equity"]
        ours = evaluation["metric_conventions"]["backtesting.py"]
        assert round(peer["Equity Final [$]"], 2) != round(
            BACKTESTING_PY_STATS["Equity Final [$]"], 2
        )
        assert trades == _peer_trades(peer)
        assert f"{equity[-1]:.2f}" == f"{peer['Equity Final [$]']:.2f}"
        assert round(ours["sharpe"], 4) == round(peer["Sharpe Ratio"], 4)
        assert round(ours["max_drawdown"] * 100, 4) == round(-peer["Max. Drawdown [%]"], 4)
