"""The pattern-day-trader guard: under $25,000, no fourth day trade within five business days.

FINRA calls a margin account that makes four day trades within five business days a pattern
day trader, who must then keep $25,000 of equity; Alpaca refuses (HTTP 403) an order that could
make an account under $25,000 one. TC2 refuses such an order itself, before it is recorded or
sent, with a reason that names the rule and the figures, so the trader logs and shows why
instead of meeting the broker's refusal.

Definitions (FINRA's examples, as Alpaca's documentation gives them):

- A **day trade** opens exposure in a symbol and closes it in the same session (a buy then a
  sell, or a short sale then a buy to cover). Quantities do not matter: buy 250, buy 250,
  sell 500 is one; buy 500, sell 100, sell 400 is one; buy, sell, buy, sell is two. So a
  closing fill makes a day trade only when the symbol's last fill of the day opened exposure.
- An order **would make** one when it is on the side opposite to such an unmatched opening of
  the session, or when an order on its opposite side is still pending in the symbol (Alpaca
  counts a pending buy and sell as a potential day trade whatever order they fill in). This is
  conservative: with 100 shares held overnight and 50 bought today, any sale counts, with no
  first-in-first-out matching.
- A **day run** must be flat by the close, so its entry is checked too: an order that opens
  exposure in a symbol with no unmatched opening of the session is a day trade to come, and
  so is the close of every other position opened this session. Refusing the entry is what
  keeps a day trader from holding a position it may not sell (Alpaca refuses the exit).
- The **window** is the order's session and the four sessions before it (the market calendar's
  business days, so holidays are skipped and early-close days count as whole days). A fill
  belongs to the New York date of its time, extended hours included.
- **Equity**: an order is limited when the lower of the current equity and the previous close's
  equity (Alpaca's ``last_equity``, what Alpaca checks) is under $25,000; exactly $25,000 is
  not under it.

Which count is authoritative: the broker's ``daytrade_count`` for the number (it is what the
broker enforces, and it sees day trades TC2 did not make: a manual trade, another program on
the same account), the recorded fills for the dates and for whether *this* order makes a new
day trade, which no count can tell. The guard counts the larger of the two, so a count the
broker has not yet updated, or trades TC2 never saw, can only make it stricter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from tc2.env.clock import as_utc
from tc2.env.market_calendar import NEW_YORK, MarketCalendar
from tc2.errors import ExecutionError
from tc2.execution.orders import Side

PDT_MINIMUM_EQUITY = 25_000.0
"""Dollars of equity under which the rule limits day trades."""
MAX_DAY_TRADES = 3
"""Day trades allowed in the window; one more would make a pattern day trader."""
WINDOW_SESSIONS = 5
QTY_EPSILON = 1e-9  # fractional shares carry 9 decimals; below this a position is flat

NOT_A_DAY_TRADE_MESSAGE = "{side} {symbol} closes nothing opened this session: not a day trade"
EQUITY_EXEMPT_MESSAGE = (
    "{side} {symbol} makes a day trade; equity ${equity:,.2f} is not under "
    "${minimum:,.2f}, so the pattern day trader rule does not limit it"
)
WITHIN_LIMIT_MESSAGE = (
    "{side} {symbol} makes day trade {after}{day_run} of at most {limit} in the {sessions} "
    "business days {first} to {last}"
)
REFUSED_MESSAGE = (
    "pattern day trader rule: {side} {symbol} would make day trade {after}{day_run} in the "
    "{sessions} business days {first} to {last} (more than {limit} makes a pattern day trader) "
    "with equity ${equity:,.2f} under ${minimum:,.2f}; day trades in the window: {trades}"
)
DAY_RUN_NOTE = (
    " (a day run closes what it opens this session, as must {pending} other position(s) opened "
    "today)"
)
BROKER_COUNT_NOTE = "; the broker counts {broker}"
NO_TRADES_RECORDED = "none recorded"


class Execution(Protocol):
    """A fill as the guard reads it (``orders.Fill`` and ``trade_records.TradeFill`` fit)."""

    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def qty(self) -> float: ...
    @property
    def t(self) -> int: ...  # epoch seconds UTC


class PendingOrder(Protocol):
    """An open order as the guard reads it (``orders.Order`` fits)."""

    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...


@dataclass(frozen=True, slots=True, order=True)
class DayTrade:
    """One recorded day trade: a symbol opened and closed on ``day``."""

    day: date
    symbol: str

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.symbol}"


class PatternDayTraderRefused(ExecutionError):
    """An order was refused by the pattern-day-trader rule; nothing was sent.

    Wait for the window to pass (the reason lists the day trades in it) or hold $25,000 of
    equity. ``decision`` carries the figures.
    """

    def __init__(self, decision: PdtDecision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


@dataclass(frozen=True, slots=True, kw_only=True)
class PdtDecision:
    """Whether an order may go, why, and the figures the reason names."""

    allowed: bool
    makes_day_trade: bool
    reason: str
    equity: float  # the equity judged: the lower of current and previous close
    window: tuple[date, ...]  # oldest first; the last is the order's session
    day_trades: tuple[DayTrade, ...]  # recorded in the window, oldest first
    broker_day_trades: int | None
    counted: int  # the larger of the broker's count and the recorded one

    def raise_if_refused(self) -> None:
        """Raise ``PatternDayTraderRefused`` when the order may not go."""
        if not self.allowed:
            raise PatternDayTraderRefused(self)


def session_day_trades(*, start_qty: float, fills: Sequence[Execution]) -> tuple[int, Side | None]:
    """Walk one symbol's fills of one session from its position at the session's start.

    Returns the number of day trades made and the side of the session's opening still
    unmatched by a close (None when the last fill closed exposure, or nothing opened).
    """
    position = start_qty
    open_side: Side | None = None
    count = 0
    for fill in sorted(fills, key=lambda f: f.t):
        signed = fill.side.sign * fill.qty
        reduces = position * signed < 0
        if reduces and open_side is not None:
            count += 1
            open_side = None
        after = position + signed
        # Exposure grows (an add, or the far side of a reversal): this fill opens.
        if abs(after) > QTY_EPSILON and (not reduces or after * position < 0):
            open_side = fill.side
        position = after
    return count, open_side


class PdtGuard:
    """Checks orders against the pattern-day-trader rule on a market calendar.

    Parameters
    ----------
    calendar
        The business days (XNYS sessions).
    minimum_equity
        The equity under which day trades are limited, dollars.
    """

    def __init__(
        self, *, calendar: MarketCalendar, minimum_equity: float = PDT_MINIMUM_EQUITY
    ) -> None:
        self._calendar = calendar
        self._minimum = minimum_equity

    def window(self, now: datetime) -> tuple[date, ...]:
        """Return the five business days, oldest first, ending with the session of an order at
        ``now`` (today's session, or the next one on a weekend or holiday).
        """
        today = as_utc(now).astimezone(NEW_YORK).date()
        session = today if self._calendar.is_session(today) else self._calendar.next_session(today)
        return (*self._calendar.sessions_before(session, WINDOW_SESSIONS - 1), session)

    def day_trades(
        self, *, now: datetime, positions: Mapping[str, float], fills: Sequence[Execution]
    ) -> tuple[tuple[DayTrade, ...], dict[str, Side | None]]:
        """Return the recorded day trades of the window and each symbol's unmatched opening today.

        Each session's starting position is worked back from ``positions`` (signed shares now)
        through the fills since, so ``fills`` must hold every fill of the window.
        """
        window = self.window(now)
        by_symbol_day: dict[tuple[str, date], list[Execution]] = {}
        for fill in fills:
            day = datetime.fromtimestamp(fill.t, UTC).astimezone(NEW_YORK).date()
            if window[0] <= day <= window[-1]:
                by_symbol_day.setdefault((fill.symbol, day), []).append(fill)
        trades: list[DayTrade] = []
        open_today: dict[str, Side | None] = {}
        for symbol in sorted({symbol for symbol, _ in by_symbol_day}):
            later = 0.0  # signed shares filled on the days after the one walked
            for day in reversed(window):
                day_fills = by_symbol_day.get((symbol, day), [])
                done = sum(fill.side.sign * fill.qty for fill in day_fills)
                start = positions.get(symbol, 0.0) - later - done
                count, open_side = session_day_trades(start_qty=start, fills=day_fills)
                trades.extend(DayTrade(day=day, symbol=symbol) for _ in range(count))
                if day == window[-1]:
                    open_today[symbol] = open_side
                later += done
        return tuple(sorted(trades)), open_today

    def check(
        self,
        *,
        symbol: str,
        side: Side,
        now: datetime,
        equity: float,
        positions: Mapping[str, float],
        fills: Sequence[Execution],
        open_orders: Sequence[PendingOrder] = (),
        last_equity: float | None = None,
        broker_day_trades: int | None = None,
        day_run: bool = False,
    ) -> PdtDecision:
        """Decide whether an order to ``side`` ``symbol`` at ``now`` may go.

        Parameters
        ----------
        symbol, side, now
            The order and when it is placed.
        equity, last_equity
            The account's equity now and at the previous close (Alpaca's ``last_equity``);
            the lower is judged.
        positions
            Signed shares held now, by symbol.
        fills
            Every fill of the window (the last five business days), any symbol.
        open_orders
            The account's pending orders.
        broker_day_trades
            The broker's count of day trades in the window (Alpaca's ``daytrade_count``).
        day_run
            The order belongs to a day run, which must be flat by the close: its entry counts
            as a day trade to come, and so do the other positions opened this session.
        """
        window = self.window(now)
        trades, open_today = self.day_trades(now=now, positions=positions, fills=fills)
        judged = equity if last_equity is None else min(equity, last_equity)
        counted = max(len(trades), broker_day_trades or 0)
        opening = open_today.get(symbol)
        closes_today = opening is not None and side is not opening
        pending = any(order.symbol == symbol and order.side is not side for order in open_orders)
        position = positions.get(symbol, 0.0)
        opens = opening is None and position * side.sign >= 0
        entry = day_run and opens and not closes_today
        makes = closes_today or pending or entry
        reserved = 0
        if day_run:
            reserved = sum(1 for s, o in open_today.items() if o is not None and s != symbol)
        figures = {
            "side": side.value,
            "symbol": symbol,
            "equity": judged,
            "minimum": self._minimum,
            "after": counted + reserved + 1,
            "day_run": DAY_RUN_NOTE.format(pending=reserved) if day_run else "",
            "limit": MAX_DAY_TRADES,
            "sessions": len(window),
            "first": window[0].isoformat(),
            "last": window[-1].isoformat(),
        }
        allowed = True
        if not makes:
            reason = NOT_A_DAY_TRADE_MESSAGE.format(**figures)
        elif judged >= self._minimum:
            reason = EQUITY_EXEMPT_MESSAGE.format(**figures)
        elif counted + reserved < MAX_DAY_TRADES:
            reason = WITHIN_LIMIT_MESSAGE.format(**figures)
        else:
            allowed = False
            listed = ", ".join(str(trade) for trade in trades) or NO_TRADES_RECORDED
            if broker_day_trades is not None:
                listed += BROKER_COUNT_NOTE.format(broker=broker_day_trades)
            reason = REFUSED_MESSAGE.format(**figures, trades=listed)
        return PdtDecision(
            allowed=allowed,
            makes_day_trade=makes,
            reason=reason,
            equity=judged,
            window=window,
            day_trades=trades,
            broker_day_trades=broker_day_trades,
            counted=counted,
        )
