"""``TraderNotices``: what a trader tells the program's notifier (``NotificationOutbox``).

- fills and rejections: the trader's recorder is wrapped in ``TallyingRecorder`` (a
  ``NotifyingRecorder``), so every fill recorded for the first time and every order rejected is
  posted, whichever layer records it (the recording facade, or the Alpaca hub);
- a stale account stream (``AlpacaBroker.stream_state().stale``): posted once each time the
  stream goes stale (``check_stream`` at every step);
- the daily summary when a session ends (``session_ended``), from the fills the recorder saw:
  realized P&L per strategy (day runs end flat: the cash flow of their fills), fees, fills,
  round trips (a symbol's position of a run back to zero) and the refusals of the session.

Posting is best effort: Redis down never stops trading.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from tc2.execution.trade_records import RunStart, TradeFill, TradeRecorder
from tc2.program.notification_sinks import NotifyingRecorder
from tc2.program.notifications import (
    DailySummary,
    Notification,
    daily_summary_notification,
    stale_feed_notification,
)

ACCOUNT_STREAM = "Alpaca account"


class TallyingRecorder(NotifyingRecorder):
    """A ``NotifyingRecorder`` that also keeps the session's figures for the summary."""

    def __init__(self, recorder: TradeRecorder, **options: Any) -> None:
        super().__init__(recorder, **options)
        self._tally_lock = threading.Lock()
        self.strategies: dict[int, str] = {}  # run id -> strategy
        self.cash_flow: dict[str, float] = {}  # strategy -> realized P&L of flat runs
        self.fees = 0.0
        self.fills = 0
        self.round_trips = 0
        self._held: dict[tuple[int, str], float] = {}

    def run_started(self, start: RunStart) -> int:
        run_id = super().run_started(start)
        with self._tally_lock:
            self.strategies[run_id] = start.strategy
        return run_id

    def fill_recorded(self, fill: TradeFill) -> bool:
        new = super().fill_recorded(fill)
        if new:
            with self._tally_lock:
                strategy = self.strategies.get(fill.run_id, "?")
                flow = -fill.side.sign * fill.qty * fill.price - fill.fee
                self.cash_flow[strategy] = self.cash_flow.get(strategy, 0.0) + flow
                self.fees += fill.fee
                self.fills += 1
                key = (fill.run_id, fill.symbol)
                before = self._held.get(key, 0.0)
                after = before + fill.side.sign * fill.qty
                self._held[key] = after
                if before and abs(after) < 1e-9:
                    self.round_trips += 1
        return new

    def take_session(self) -> tuple[dict[str, float], float, int, int]:
        """The session's (P&L by strategy, fees, fills, round trips); starts a new tally."""
        with self._tally_lock:
            taken = (dict(self.cash_flow), self.fees, self.fills, self.round_trips)
            self.cash_flow, self.fees, self.fills, self.round_trips = {}, 0.0, 0, 0
            self._held = {}
        return taken


class TraderNotices:
    """A trader's notifications.

    Parameters
    ----------
    post
        Where messages go (``NotificationOutbox.post``).
    mode
        REPLAY, PAPER or LIVE (named in the messages).
    trader
        Who the messages name ("day").
    now
        Epoch seconds (the trader's clock).
    start_equity
        The trader's equity at a session's start (its capital).
    """

    def __init__(
        self,
        *,
        post: Callable[[Notification], None],
        mode: str,
        trader: str,
        now: Callable[[], float],
        start_equity: float,
    ) -> None:
        self._post = post
        self.mode = mode
        self.trader = trader
        self._now = now
        self.start_equity = start_equity
        self._stale = False
        self.tally: TallyingRecorder | None = None

    def recorder(self, inner: TradeRecorder) -> TallyingRecorder:
        """``inner`` wrapped: fills and rejections posted, the session tallied."""
        self.tally = TallyingRecorder(
            inner, post=self._send, mode=self.mode, trader=self.trader, now=self._now
        )
        return self.tally

    def check_stream(self, *, stale: bool, silent_s: float) -> None:
        """Post once when the account stream turns stale (again after it recovered)."""
        if stale and not self._stale:
            self._send(
                stale_feed_notification(stream=ACCOUNT_STREAM, silent_s=silent_s, at=self._now())
            )
        self._stale = stale

    def session_ended(self, day: date, *, refusals: int) -> None:
        """Post the daily summary of the session just ended."""
        if self.tally is None:
            return
        by_strategy, fees, fills, round_trips = self.tally.take_session()
        realized = sum(by_strategy.values())
        summary = DailySummary(
            day=day,
            mode=self.mode,
            start_equity=self.start_equity,
            end_equity=self.start_equity + realized,
            realized_pnl=realized,
            fees=fees,
            fills=fills,
            round_trips=round_trips,
            refusals=refusals,
            by_strategy=by_strategy,
        )
        self._send(daily_summary_notification(summary, at=self._now()))

    def _send(self, message: Notification) -> None:
        try:
            self._post(message)
        except Exception:  # best effort: the notifier is not the record
            return


def session_day(label: str) -> date:
    """The day of a session label (``2026-03-04`` or the replay's ``2026-03-04#2``)."""
    return date.fromisoformat(label.split("#", 1)[0])
