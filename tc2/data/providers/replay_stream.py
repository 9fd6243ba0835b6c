"""The replay market's bar stream: a stored session's bars, published as they complete.

``ReplayBarStream`` keeps the contract of the providers' streams (``LiveBarStream.run(symbols,
on_bar, stop)``: blocks, calls ``on_bar`` with each bar on its thread, returns when ``stop`` is
set), so whatever consumes Polygon's or Alpaca's bars consumes the replay's unchanged. Its bars
are a stored session's (regular hours, at the resolutions on file among 1 s and 1 m), read from
the price store, and each is published when it completes on the ``ReplayClock``: the bar
starting at ``t`` once the replay's now reaches ``t + its length``. Bars are published in order
of their end, a second's bars before the minute's ending with it (as Polygon sends them), then by
symbol in the order asked.

Which sessions (``ReplaySettings``): the first is ``TC2_REPLAY_DAY`` or the latest stored session
of the symbols, from ``TC2_REPLAY_FROM`` (New York) or its open; the bars of that session ending
by the start point are published at once (the session so far). When a session's close is
reached the replay moves to the next stored session, and after the latest it loops back over
the latest ``REPLAY_LOOP_SESSIONS`` ones, so the program always has a market to trade. Each new
session restarts the clock at its open (``ReplayState.session`` counts them).

A replay already under way (a restarted streamer finds the state in Redis, made with the same
settings) is resumed where the clock is: the session's bars ending by now are published again
at once (a consumer that has them gets duplicates, which the stream cache and ``LiveRun``
ignore), then on as the clock moves.

At maximum speed (``speed`` None) the stream publishes as fast as it can and moves the clock
itself (``ReplayClock.publish``) after each instant's bars; ``on_clock`` (an optional extra of
this stream) is told every time all bars ending by a time are out, in both modes.

One stream leads the replay (the bar streamer's): it begins each session's clock state and, at
maximum speed, moves the clock. Any other process that wants the replayed bars directly (a
trader) runs a follower (``lead=False``): it never writes the clock, it reads the leader's state
every ``FOLLOW_POLL_S`` and publishes the same stored bars as they complete on it, switching
session when the leader does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.base import ProviderUnavailable
from tc2.data.providers.stream import STREAM_RESOLUTIONS, StreamBar, check_symbols
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env.market_calendar import MarketCalendar, new_york_epoch
from tc2.env.replay_clock import ReplayClock, ReplaySettings, ReplayState
from tc2.logs import LogFeed, feed_logger

REPLAY_LOOP_SESSIONS = 5
"""After the latest stored session the replay loops over this many latest sessions."""
POLL_S = 0.2
"""Most wall seconds between two looks at ``stop`` (and at the clock) while waiting."""
FOLLOW_POLL_S = 0.05
"""How often a follower reads the leader's clock state (wall seconds)."""
CLOCK_PUBLISH_EVERY_S = 0.05
"""At maximum speed, most wall seconds between two writes of the clock to Redis."""
NO_SESSION_MESSAGE = (
    "replay market: no stored session of {symbols} at {resolutions}; collect or seed data first"
)

DEFAULT_REPLAY_SETTINGS = ReplaySettings()

_log = feed_logger(LogFeed.DATA, "replay-stream")


@dataclass(frozen=True, slots=True)
class _Session:
    """One session's bars in publication order: each row's source series and index."""

    day: date
    open_t: int
    close_t: int
    series: tuple[SymbolDay, ...]
    source: npt.NDArray[np.int64]
    row: npt.NDArray[np.int64]
    t_end: npt.NDArray[np.int64]

    def bar(self, k: int) -> StreamBar:
        bars = self.series[int(self.source[k])]
        j = int(self.row[k])
        return StreamBar(
            symbol=bars.symbol,
            resolution=bars.resolution,
            t=int(bars.t[j]),
            o=float(bars.o[j]),
            h=float(bars.h[j]),
            l=float(bars.l[j]),
            c=float(bars.c[j]),
            v=float(bars.v[j]),
            n=None if bars.n is None else int(bars.n[j]),
            vw=None if bars.vw is None else float(bars.vw[j]),
        )


class ReplayBarStream:
    """Publishes stored sessions' bars on the replay clock (see the module docstring).

    Parameters
    ----------
    store
        Where the sessions are (the program's LIVE price store, read only).
    calendar
        The exchange calendar (sessions, opens and closes).
    clock
        The replay clock; this stream is its publisher (it begins each session's state).
    settings
        Which session, from when, how fast.
    resolutions
        The resolutions published (where on file): 1 s and 1 m by default.
    lead
        True for the one stream that leads the replay (writes the clock state); False for a
        follower, which only reads it (``settings`` then does not matter).
    """

    name = "replay"
    title = "Replay market"

    def __init__(
        self,
        *,
        store: PriceStore,
        calendar: MarketCalendar,
        clock: ReplayClock,
        settings: ReplaySettings = DEFAULT_REPLAY_SETTINGS,
        resolutions: Sequence[Resolution] = STREAM_RESOLUTIONS,
        lead: bool = True,
    ) -> None:
        self.lead = lead
        self.store = store
        self.calendar = calendar
        self.clock = clock
        self.settings = settings
        self.resolutions = tuple(resolutions)
        self.published = 0  # bars published by this stream so far

    def __repr__(self) -> str:
        return f"ReplayBarStream(speed={self.settings.speed}, day={self.settings.day})"

    def run(
        self,
        *,
        symbols: Sequence[str],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        on_clock: Callable[[int], None] | None = None,
    ) -> None:
        """Publish the replayed sessions' bars of ``symbols`` to ``on_bar`` until ``stop``.

        ``on_clock(t)`` (optional) is called once every bar ending by ``t`` has been published.

        Raises
        ------
        ValueError
            If ``symbols`` is empty or holds something that is not a ticker.
        ProviderUnavailable
            If no session of the symbols is stored (the streamer tries again later).
        """
        wanted = check_symbols(symbols)
        if not self.lead:
            self._follow(wanted, on_bar, stop, on_clock)
            return
        state = self._resume_or_begin(wanted)
        _log.info(
            f"replaying {state.day} of {', '.join(wanted)} from "
            f"{state.start_t} at {'maximum speed' if state.speed is None else f'{state.speed:g}x'}"
        )
        while not stop.is_set():
            session = self._load(wanted, state.day)
            if not self._play(session, state, on_bar, stop, on_clock):
                return
            day = self._next_day(wanted, state.day)
            open_t = int(self.calendar.session_open(day).timestamp())
            state = self.clock.begin(
                day=day,
                start_t=open_t,
                close_t=int(self.calendar.session_close(day).timestamp()),
                speed=self.settings.speed,
                session=state.session + 1,
                signature=self.settings.signature,
            )
            _log.info(f"replay moves on to {day} (session {state.session})")

    # -- sessions ---------------------------------------------------------------------------

    def stored_sessions(self, symbols: Sequence[str]) -> list[date]:
        """The sessions on file for any of ``symbols`` at the published resolutions, in order."""
        days: set[date] = set()
        for symbol in symbols:
            for resolution in self.resolutions:
                days.update(self.store.dates_on_file(symbol, resolution=resolution))
        return sorted(day for day in days if self.calendar.is_session(day))

    def _resume_or_begin(self, symbols: tuple[str, ...]) -> ReplayState:
        state = self.clock.state()
        if (
            state is not None
            and state.signature == self.settings.signature
            and state.virtual_t(self.clock.wall.timestamp()) < state.close_t
        ):
            return state
        sessions = self.stored_sessions(symbols)
        if not sessions:
            raise ProviderUnavailable(
                NO_SESSION_MESSAGE.format(
                    symbols=", ".join(symbols),
                    resolutions=", ".join(r.value for r in self.resolutions),
                ),
                attempts=1,
                waited_s=0.0,
            )
        if state is not None and state.signature == self.settings.signature:
            day = self._next_day(symbols, state.day)  # that session is over: the next one
            session = state.session + 1
            start_t = int(self.calendar.session_open(day).timestamp())
        else:
            chosen = self.settings.day
            day = (
                sessions[-1]
                if chosen is None
                else min((d for d in sessions if d >= chosen), default=sessions[-1])
            )
            session = 1
            open_t = int(self.calendar.session_open(day).timestamp())
            start = self.settings.start
            start_t = open_t if start is None else max(open_t, new_york_epoch(day, start))
        return self.clock.begin(
            day=day,
            start_t=start_t,
            close_t=int(self.calendar.session_close(day).timestamp()),
            speed=self.settings.speed,
            session=session,
            signature=self.settings.signature,
        )

    def _next_day(self, symbols: Sequence[str], day: date) -> date:
        sessions = self.stored_sessions(symbols)
        later = [d for d in sessions if d > day]
        if later:
            return later[0]
        loop = sessions[-REPLAY_LOOP_SESSIONS:]
        return loop[0] if loop else day

    def _load(self, symbols: Sequence[str], day: date) -> _Session:
        open_t = int(self.calendar.session_open(day).timestamp())
        close_t = int(self.calendar.session_close(day).timestamp())
        series: list[SymbolDay] = []
        sources, rows, ends, ranks, order = [], [], [], [], []
        for rank, resolution in enumerate(self.resolutions):
            for position, symbol in enumerate(symbols):
                try:
                    bars = self.store.load_day(symbol, day, resolution)
                except DayNotOnFile:
                    continue
                t_end = bars.t + resolution.seconds
                inside = np.flatnonzero((bars.t >= open_t) & (t_end <= close_t))
                sources.append(np.full(len(inside), len(series), dtype=np.int64))
                series.append(bars)
                rows.append(inside.astype(np.int64))
                ends.append(t_end[inside])
                ranks.append(np.full(len(inside), rank, dtype=np.int64))
                order.append(np.full(len(inside), position, dtype=np.int64))
        if not series:
            empty = np.zeros(0, dtype=np.int64)
            return _Session(day, open_t, close_t, (), empty, empty, empty)
        t_end = np.concatenate(ends)
        sort = np.lexsort((np.concatenate(order), np.concatenate(ranks), t_end))
        return _Session(
            day=day,
            open_t=open_t,
            close_t=close_t,
            series=tuple(series),
            source=np.concatenate(sources)[sort],
            row=np.concatenate(rows)[sort],
            t_end=t_end[sort],
        )

    # -- publishing -------------------------------------------------------------------------

    def _follow(
        self,
        symbols: tuple[str, ...],
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        on_clock: Callable[[int], None] | None,
    ) -> None:
        """Publish the bars as they complete on the leader's clock, session after session."""
        wall = self.clock.wall
        current: ReplayState | None = None
        session: _Session | None = None
        k = 0
        while not stop.is_set():
            state = self.clock.state()
            if state is None:
                stop.wait(POLL_S)  # the leader has not begun yet
                continue
            if session is None or current is None or _other_session(current, state):
                session = self._load(symbols, state.day)
                k = 0
            current = state
            now_t = min(state.virtual_t(wall.timestamp()), session.close_t)
            stop_k = int(np.searchsorted(session.t_end, now_t, "right"))
            while k < stop_k:
                on_bar(session.bar(k))
                k += 1
                self.published += 1
            if on_clock is not None:
                on_clock(now_t)
            stop.wait(FOLLOW_POLL_S)

    def _play(
        self,
        session: _Session,
        state: ReplayState,
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        on_clock: Callable[[int], None] | None,
    ) -> bool:
        """Publish the session on the clock; True when its close was reached, False on stop."""
        if state.speed is None:
            return self._play_at_maximum_speed(session, state, on_bar, stop, on_clock)
        wall = self.clock.wall
        t_end = session.t_end
        n = len(t_end)
        k = 0
        while not stop.is_set():
            now_t = min(state.virtual_t(wall.timestamp()), session.close_t)
            stop_k = int(np.searchsorted(t_end, now_t, "right"))
            while k < stop_k:
                on_bar(session.bar(k))
                k += 1
                self.published += 1
            if on_clock is not None:
                on_clock(now_t)
            if now_t >= session.close_t:
                return True
            next_t = int(t_end[k]) if k < n else session.close_t
            stop.wait(min(max(state.wall_t(next_t) - wall.timestamp(), 0.0), POLL_S))
        return False

    def _play_at_maximum_speed(
        self,
        session: _Session,
        state: ReplayState,
        on_bar: Callable[[StreamBar], None],
        stop: threading.Event,
        on_clock: Callable[[int], None] | None,
    ) -> bool:
        wall = self.clock.wall
        t_end = session.t_end
        n = len(t_end)
        # The session up to the start point (or where a resumed replay stood), at once.
        k = int(np.searchsorted(t_end, state.now_t, "right"))
        for i in range(k):
            on_bar(session.bar(i))
        self.published += k
        if on_clock is not None:
            on_clock(state.now_t)
        written = wall.timestamp()
        while k < n:
            if stop.is_set():
                self.clock.publish(int(t_end[k - 1]) if k else state.start_t)
                return False
            t = int(t_end[k])
            while k < n and t_end[k] == t:
                on_bar(session.bar(k))
                k += 1
                self.published += 1
            if wall.timestamp() - written >= CLOCK_PUBLISH_EVERY_S:
                self.clock.publish(t)
                written = wall.timestamp()
            if on_clock is not None:
                on_clock(t)
        self.clock.publish(session.close_t)
        if on_clock is not None:
            on_clock(session.close_t)
        return True


def _other_session(known: ReplayState, state: ReplayState) -> bool:
    """Whether the leader began another session (or restarted the replay) since ``known``."""
    return (known.session, known.day, known.start_t, known.signature) != (
        state.session,
        state.day,
        state.start_t,
        state.signature,
    )
