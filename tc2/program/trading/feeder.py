"""``RunFeeder``: feeds live runs from one bar stream (the replay market's, or a provider's).

A stream calls ``on_bar`` with each bar as it completes; the feeder keeps them and, when told
that every bar ending by a time is out (``on_clock``, which ``ReplayBarStream`` calls), advances
each run to that time with the bars since its last advance. Advancing every ``every_s`` seconds
of the stream's clock rather than at each bar changes nothing in what the runs do (a run handles
every event inside an advance in order, ``LiveRun``) and costs far less: the runs' indicators are
computed again over the grown feeds once per advance, not once per bar.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tc2.data.providers.stream import StreamBar
from tc2.program.trading.live_run import LiveRun, Phase

DEFAULT_ADVANCE_EVERY_S = 60


class RunFeeder:
    """Buffers a stream's bars and advances ``runs`` every ``every_s`` of the stream's clock.

    Parameters
    ----------
    runs
        The runs fed, all on the same session.
    every_s
        Seconds of the stream's clock between two advances (also at the session's close).
    stop
        Set once every run reached its session's close (the caller then stops the stream).
    """

    def __init__(
        self,
        runs: Sequence[LiveRun],
        *,
        every_s: int = DEFAULT_ADVANCE_EVERY_S,
        stop: threading.Event | None = None,
    ) -> None:
        self.runs = list(runs)
        self.every_s = every_s
        self.stop = stop
        self.bars = 0  # bars taken
        self.advances = 0
        self._pending: list[StreamBar] = []
        self._due_t = 0
        self._close_t = max((run.close_t for run in self.runs), default=0)

    def on_bar(self, bar: StreamBar) -> None:
        """The stream's ``on_bar``: keep the bar for the next advance."""
        self._pending.append(bar)
        self.bars += 1

    def on_clock(self, t: int) -> None:
        """Every bar ending by ``t`` is out: advance the runs when an advance is due."""
        if t < self._due_t and t < self._close_t:
            return
        bars, self._pending = self._pending, []
        for run in self.runs:
            # A time before a run's clock is another session's (a replay resumed elsewhere):
            # its bars are outside the run's session, which ignores them.
            if run.phase is not Phase.FINISHED and t >= run.now_t:
                run.advance(min(t, run.close_t), bars)
        self.advances += 1
        self._due_t = (t // self.every_s + 1) * self.every_s
        if t >= self._close_t and self.stop is not None:
            self.stop.set()
