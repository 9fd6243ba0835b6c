"""The per-process log writer: callers enqueue without blocking, one background thread writes.

``write`` only appends to a bounded in-memory queue; when the queue is full the line is dropped and
counted, and the thread later writes ``N log lines were dropped ...`` into that feed. The thread
wakes at least every ``flush_interval`` seconds, takes everything queued, and appends it through
``FeedAppender`` under each feed's ``flock``, so several processes can share one feed. Disk errors
never reach callers and never stop the thread: the lines are counted as lost and reported in the
feed once writing works again.

Lines logged before ``configure`` stay queued (up to the queue size) and are written once a logs
directory is set. After ``os.fork()`` the child starts with an empty queue and no thread (the parent
still owns and writes what it had queued); a new thread starts at the child's first ``write``.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import sys
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tc2.errors import ConfigurationError
from tc2.logs.appender import FeedAppender
from tc2.logs.feeds import LogFeed, LogLevel
from tc2.logs.files import LINES_PER_FILE, feed_dir
from tc2.logs.line_format import (
    DROPPED_MESSAGE,
    LOST_MESSAGE,
    WRITER_COMPONENT,
    format_lines,
    log_date,
)

DEFAULT_QUEUE_SIZE = 10_000
DEFAULT_FLUSH_INTERVAL = 0.2
EXIT_FLUSH_TIMEOUT = 2.0


# A NamedTuple rather than a frozen dataclass: it is built on every caller's hot path and costs
# a quarter as much to create.
class _Entry(NamedTuple):
    feed: LogFeed
    timestamp: float
    level: LogLevel
    component: str
    message: str


class LogWriter:
    """Queue log lines from any thread and write them to feed files from one background thread.

    Parameters
    ----------
    logs_dir
        Folder holding one sub-folder per feed; None queues lines until ``configure`` is called.
    queue_size
        Most messages (a multi-line message is one) waiting to be written; more are dropped.
    flush_interval
        Longest time, in seconds, a queued line waits before the thread writes it.
    lines_per_file
        Most lines one log file holds before the next file is started.

    Raises
    ------
    ValueError
        If ``queue_size`` or ``lines_per_file`` is below 1 or ``flush_interval`` is not positive.
    ConfigurationError
        If ``logs_dir`` cannot be created.
    """

    def __init__(
        self,
        logs_dir: Path | None = None,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        lines_per_file: int = LINES_PER_FILE,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be >= 1, was {queue_size}")
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be > 0, was {flush_interval}")
        self._queue_size = queue_size
        self._flush_interval = flush_interval
        self._lines_per_file = lines_per_file
        self._appender = FeedAppender(lines_per_file=lines_per_file)
        self._logs_dir = None if logs_dir is None else _prepare_dir(logs_dir)
        self._reset_state()
        _writers.add(self)

    def _reset_state(self) -> None:
        # Everything below is guarded by _condition; the writer thread holds it only to swap
        # state, never while touching the disk, so write() waits at most a few microseconds.
        self._condition = threading.Condition()
        self._pending: deque[_Entry] = deque()
        self._enqueued = 0
        self._handled = 0
        self._dropped: Counter[LogFeed] = Counter()
        self._lost: Counter[LogFeed] = Counter()
        self._lost_reason: dict[LogFeed, str] = {}
        self._cycles_begun = 0
        self._cycles_done = 0
        self._flush_waiters = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._exit_hook_registered = False
        self._failing: set[LogFeed] = set()

    @property
    def logs_dir(self) -> Path | None:
        """The folder lines are written to, or None while unconfigured."""
        return self._logs_dir

    @property
    def running(self) -> bool:
        """True while this process has a writer thread (it starts with the first queued line)."""
        with self._condition:
            return self._thread is not None

    @property
    def pending(self) -> int:
        """Messages queued and not yet taken by the writer thread."""
        with self._condition:
            return len(self._pending)

    def configure(self, logs_dir: Path, *, timeout: float = 5.0) -> None:
        """Write to ``logs_dir`` from now on, after flushing what was queued for the old folder.

        Parameters
        ----------
        logs_dir
            Folder holding one sub-folder per feed; created if missing.
        timeout
            Seconds to wait for lines queued for the previous folder to be written.

        Raises
        ------
        ConfigurationError
            If ``logs_dir`` cannot be created.
        """
        path = _prepare_dir(logs_dir)
        if self._logs_dir is not None and self._logs_dir != path:
            self.flush(timeout)
        with self._condition:
            self._logs_dir = path
            if self._pending or self._dropped:
                self._start_thread_locked()

    def write(
        self,
        feed: LogFeed,
        level: LogLevel,
        component: str,
        message: str,
        *,
        timestamp: float | None = None,
    ) -> None:
        """Queue one message without blocking; drop and count it if the queue is full.

        Parameters
        ----------
        feed
            Feed to write to.
        level
            Severity of the message.
        component
            Who logs (shown in brackets).
        message
            Text; each of its lines is written as its own prefixed line.
        timestamp
            ``time.time()`` of the event; defaults to now. Log time is wall time, also in
            simulations.
        """
        entry = _Entry(
            feed=feed,
            timestamp=time.time() if timestamp is None else timestamp,
            level=level,
            component=component,
            message=message,
        )
        with self._condition:
            if len(self._pending) >= self._queue_size:
                self._dropped[feed] += _line_count(message)
                return
            self._pending.append(entry)
            self._enqueued += 1
            if self._thread is None:
                self._start_thread_locked()
            elif 2 * len(self._pending) >= self._queue_size:
                # Half full: write now rather than at the next tick, before lines are dropped.
                self._condition.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every line queued before this call, and every drop notice, is written.

        Parameters
        ----------
        timeout
            Most seconds to wait.

        Returns
        -------
        bool
            True if everything was handled in time. Lines that failed on a disk error count as
            handled (they are reported as lost in the feed). False on timeout, while no logs
            directory is configured and lines are waiting, or when called from the writer thread.
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            if self._thread is threading.current_thread():
                return False
            if self._logs_dir is None:
                return not self._pending and not self._dropped
            target_handled = self._enqueued
            target_cycle = self._cycles_begun + 1 if (self._dropped or self._lost) else 0
            if self._handled >= target_handled and self._cycles_done >= target_cycle:
                return True
            if self._thread is None and not self._start_thread_locked():
                # No thread can be started (interpreter shutting down): write from here. A few
                # cycles at most: on a failing disk the loss notices would come back forever.
                for _ in range(3):
                    self._run_cycle_locked_then_unlocked(wait=False)
                    if self._handled >= target_handled and not (self._dropped or self._lost):
                        return True
                return False
            self._flush_waiters += 1
            self._condition.notify_all()
            try:
                while self._handled < target_handled or self._cycles_done < target_cycle:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._condition.wait(remaining)
                return True
            finally:
                self._flush_waiters -= 1

    def close(self, timeout: float = 5.0) -> bool:
        """Flush, then stop the writer thread; a later ``write`` starts a new one.

        Parameters
        ----------
        timeout
            Most seconds to wait for the flush and for the thread to end.

        Returns
        -------
        bool
            True if everything was written and the thread ended in time.
        """
        deadline = time.monotonic() + timeout
        flushed = self.flush(timeout)
        with self._condition:
            thread = self._thread
            if thread is None or thread is threading.current_thread():
                return flushed and thread is None
            self._stopping = True
            self._condition.notify_all()
        thread.join(max(0.0, deadline - time.monotonic()))
        return flushed and not thread.is_alive()

    # ------------------------------------------------------------------------------------------
    # Writer thread

    def _start_thread_locked(self) -> bool:
        if self._thread is not None:
            return True
        if self._logs_dir is None:
            return False
        thread = threading.Thread(target=self._run, name="tc2-log-writer", daemon=True)
        try:
            thread.start()
        except RuntimeError:
            # Interpreter shutdown or thread limits; lines stay queued for a later attempt.
            return False
        self._thread = thread
        self._register_exit_hook_locked()
        return True

    def _register_exit_hook_locked(self) -> None:
        # A process forked by multiprocessing ends with os._exit(), skipping atexit; its own
        # finalizer registry (cleared when the child starts) is the hook that still runs.
        if self._exit_hook_registered:
            return
        self._exit_hook_registered = True
        loaded = sys.modules.get("multiprocessing")
        if loaded is not None and loaded.parent_process() is not None:
            import multiprocessing.util

            multiprocessing.util.Finalize(
                self, _flush_writer, args=(weakref.ref(self),), exitpriority=-1_000
            )

    def _run(self) -> None:
        while True:
            with self._condition:
                stop = self._run_cycle_locked_then_unlocked(wait=True)
                if stop:
                    self._thread = None
                    self._stopping = False
                    return

    def _run_cycle_locked_then_unlocked(self, *, wait: bool) -> bool:
        """Run one cycle; called and returning with ``_condition`` held, released for disk work.

        Returns True when the thread was asked to stop and nothing is left to write.
        """
        if wait:
            deadline = time.monotonic() + self._flush_interval
            while not (
                self._flush_waiters or self._stopping or 2 * len(self._pending) >= self._queue_size
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
        logs_dir = self._logs_dir
        if logs_dir is None:
            # Threads start only once configured, and configuration is never removed.
            return True
        batch = self._pending
        self._pending = deque()
        dropped, self._dropped = self._dropped, Counter()
        lost, self._lost = self._lost, Counter()
        reasons, self._lost_reason = self._lost_reason, {}
        self._cycles_begun += 1
        cycle = self._cycles_begun
        self._condition.release()
        try:
            self._write_batch(logs_dir, batch, dropped, lost, reasons)
        except Exception as error:
            # A bug here must not end the thread (every later line would vanish); count the batch.
            self._count_lost(
                Counter(entry.feed for entry in batch), f"{type(error).__name__}: {error}"
            )
        finally:
            self._condition.acquire()
        self._handled += len(batch)
        self._cycles_done = cycle
        self._condition.notify_all()
        # Notices still owed (disk failing) do not keep a stopping thread alive: it would spin.
        # They stay counted and are written by the next thread this writer starts.
        return self._stopping and not self._pending

    def _write_batch(
        self,
        logs_dir: Path,
        batch: Sequence[_Entry],
        dropped: Counter[LogFeed],
        lost: Counter[LogFeed],
        reasons: dict[LogFeed, str],
    ) -> None:
        lines_by_feed: dict[LogFeed, list[tuple[str, str]]] = {}
        for entry in batch:
            formatted = format_lines(
                entry.timestamp, entry.level, entry.component, str(entry.message)
            )
            # Every line starts with its New York date, which is also what names its file.
            day = formatted[0][:10]
            lines_by_feed.setdefault(entry.feed, []).extend((day, line) for line in formatted)
        for feed in LogFeed:
            lines = lines_by_feed.get(feed, [])
            if not lines and not dropped[feed] and not lost[feed]:
                continue
            self._write_feed(logs_dir, feed, lines, dropped[feed], lost[feed], reasons.get(feed))

    def _write_feed(
        self,
        logs_dir: Path,
        feed: LogFeed,
        lines: list[tuple[str, str]],
        dropped: int,
        lost: int,
        reason: str | None,
    ) -> None:
        user_lines = len(lines)
        now = time.time()
        today = log_date(now)
        # Notices go after the batch: the drops happened while these lines sat in the queue.
        if dropped:
            notice = DROPPED_MESSAGE.format(count=dropped)
            lines.extend(
                (today, line)
                for line in format_lines(now, LogLevel.WARNING, WRITER_COMPONENT, notice)
            )
        lost_index = len(lines)
        if lost:
            notice = LOST_MESSAGE.format(count=lost, error=reason or "unknown error")
            lines.extend(
                (today, line)
                for line in format_lines(now, LogLevel.ERROR, WRITER_COMPONENT, notice)
            )
        days = [
            (day, [line for _, line in group])
            for day, group in itertools.groupby(lines, key=lambda pair: pair[0])
        ]
        outcome = self._appender.append(feed_dir(logs_dir, feed), days)
        if outcome.error is None:
            self._failing.discard(feed)
            return
        written = outcome.written
        with self._condition:
            # Re-queue unwritten notices as counts so the next batch reports them again.
            if dropped and written <= user_lines:
                self._dropped[feed] += dropped
            if lost and written <= lost_index:
                self._lost[feed] += lost
        self._count_lost(Counter({feed: max(0, user_lines - written)}), str(outcome.error))
        if feed not in self._failing:
            self._failing.add(feed)
            _warn_stderr(f"cannot write the {feed.value} log under {logs_dir}: {outcome.error}")

    def _count_lost(self, counts: Counter[LogFeed], reason: str) -> None:
        with self._condition:
            for feed, count in counts.items():
                if count:
                    self._lost[feed] += count
                    self._lost_reason[feed] = reason

    def _after_fork_in_child(self) -> None:
        # The parent keeps writing what it had queued; copying its queue would duplicate lines,
        # and its locks may have been held by a thread that does not exist in the child.
        self._appender = FeedAppender(lines_per_file=self._lines_per_file)
        self._reset_state()


def _prepare_dir(logs_dir: Path) -> Path:
    path = Path(logs_dir).absolute()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigurationError(f"logs_dir {path} cannot be created: {error}") from error
    return path


def _line_count(message: str) -> int:
    return max(1, len(str(message).splitlines()))


def _warn_stderr(text: str) -> None:
    # The feed itself is what failed, so stderr (captured by the launcher) is the only outlet.
    with contextlib.suppress(Exception):  # stderr may be closed at shutdown
        print(f"tc2.logs: {text}", file=sys.stderr, flush=True)


def _flush_writer(reference: weakref.ref[LogWriter]) -> None:
    writer = reference()
    if writer is not None:
        writer.flush(EXIT_FLUSH_TIMEOUT)


_writers: weakref.WeakSet[LogWriter] = weakref.WeakSet()


def _reset_writers_after_fork() -> None:
    for writer in list(_writers):
        writer._after_fork_in_child()


def _flush_writers_at_exit() -> None:
    deadline = time.monotonic() + EXIT_FLUSH_TIMEOUT
    for writer in list(_writers):
        writer.flush(max(0.0, deadline - time.monotonic()))


os.register_at_fork(after_in_child=_reset_writers_after_fork)
atexit.register(_flush_writers_at_exit)

_default_writer = LogWriter()


def default_writer() -> LogWriter:
    """Return the process's writer, used by ``feed_logger``, ``FeedHandler`` and ``flush_logs``."""
    return _default_writer


def configure_logs(logs_dir: Path) -> None:
    """Set the folder this process writes its log feeds to (usually ``RuntimeConfig.logs_dir``).

    Lines logged before the first call stay queued (up to the queue size; more are dropped and
    counted) and are written once configured. Calling it again flushes what is queued to the old
    folder, then switches.

    Parameters
    ----------
    logs_dir
        Folder holding one sub-folder per feed; created if missing.

    Raises
    ------
    ConfigurationError
        If ``logs_dir`` cannot be created.
    """
    _default_writer.configure(logs_dir)


def flush_logs(timeout: float = 5.0) -> bool:
    """Wait until every line this process queued so far is written.

    Parameters
    ----------
    timeout
        Most seconds to wait.

    Returns
    -------
    bool
        True if everything was written in time (see ``LogWriter.flush``).
    """
    return _default_writer.flush(timeout)


def close_logs(timeout: float = 5.0) -> bool:
    """Flush this process's log lines and stop its writer thread (restarted by the next line).

    Parameters
    ----------
    timeout
        Most seconds to wait.

    Returns
    -------
    bool
        True if everything was written and the thread ended in time.
    """
    return _default_writer.close(timeout)
