"""The replay market: its clock shared through Redis, its stream, the bar streamer playing it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.price_stores import price_store_for
from tc2.data.providers.replay_stream import REPLAY_LOOP_SESSIONS, ReplayBarStream
from tc2.data.providers.stream import StreamBar
from tc2.data.stream_cache import StreamCache
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar, SimClock
from tc2.env.replay_clock import ReplayClock, ReplaySettings, replay_exec_env
from tc2.errors import ClockError
from tc2.program import bar_streamer

from .test_streams import _Component

CALENDAR = MarketCalendar.xnys()
MINUTE = Resolution.MINUTE
SESSIONS = CALENDAR.sessions_in_range(date(2026, 2, 23), date(2026, 3, 6))  # ten sessions
WALL_START = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def _open(day: date) -> int:
    return int(CALENDAR.session_open(day).timestamp())


def _close(day: date) -> int:
    return int(CALENDAR.session_close(day).timestamp())


def _save(store: FilePriceStore, symbols: tuple[str, ...], days: list[date]) -> None:
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    for day in days:
        for symbol in symbols:
            store.save_day(market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(Path(tmp_path_factory.mktemp("replay")), "live")
    _save(prices, ("SPY", "QQQ"), SESSIONS)
    return prices


def _env(redis_url: str, namespace: str) -> ExecEnv:
    return ExecEnv(
        env_type=EnvType.REPLAY,
        clock=LiveClock(),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=namespace,
    )


class _Published:
    """What a stream published, and the latest time it said everything had ended by."""

    def __init__(self) -> None:
        self.bars: list[StreamBar] = []
        self.clock_t = 0
        self.lock = threading.Lock()
        self.checked = 0  # bars checked against an on_clock time
        self.early: list[StreamBar] = []  # bars published before the clock said they ended

    def on_bar(self, bar: StreamBar) -> None:
        with self.lock:
            self.bars.append(bar)

    def on_clock(self, t: int) -> None:
        with self.lock:
            fresh = self.bars[self.checked :]
            self.early.extend(bar for bar in fresh if bar.t + bar.resolution.seconds > t)
            self.checked = len(self.bars)
            self.clock_t = t


def _wait_for(condition, what: str, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


class ReplayClockTests:
    def test_every_process_computes_the_same_now_from_the_state_in_redis(
        self, redis_url: str, redis_namespace: str
    ) -> None:
        wall = SimClock(WALL_START)
        publisher = ReplayClock(_env(redis_url, redis_namespace), wall=wall)
        reader = ReplayClock(_env(redis_url, redis_namespace), wall=wall, refresh_s=0)
        day = SESSIONS[-1]
        publisher.begin(
            day=day, start_t=_open(day), close_t=_close(day), speed=60.0, session=1, signature="s"
        )

        wall.advance(10)

        assert reader.now_t() == publisher.now_t() == _open(day) + 600
        assert reader.key.endswith(":replay:clock")
        assert reader.state() == publisher.state()

    def test_at_maximum_speed_the_publisher_moves_the_clock(
        self, redis_url: str, redis_namespace: str
    ) -> None:
        publisher = ReplayClock(_env(redis_url, redis_namespace))
        reader = ReplayClock(_env(redis_url, redis_namespace), refresh_s=0)
        day = SESSIONS[0]
        publisher.begin(
            day=day, start_t=_open(day), close_t=_close(day), speed=None, session=1, signature="s"
        )

        publisher.publish(_open(day) + 90)

        assert reader.now_t() == _open(day) + 90

    def test_a_replay_env_tells_the_replays_time(
        self, redis_url: str, redis_namespace: str
    ) -> None:
        publisher = ReplayClock(_env(redis_url, redis_namespace))
        day = SESSIONS[0]
        publisher.begin(
            day=day, start_t=_open(day), close_t=_close(day), speed=None, session=1, signature="s"
        )
        publisher.publish(_open(day) + 300)

        with replay_exec_env(redis_url, namespace=redis_namespace, refresh_s=0) as env:
            assert env.env_type is EnvType.REPLAY
            assert int(env.clock.timestamp()) == _open(day) + 300
            assert env.key("stream", "SPY").startswith(f"{redis_namespace}:replay:")

    def test_before_the_replay_starts_there_is_no_now(
        self, redis_url: str, redis_namespace: str
    ) -> None:
        with pytest.raises(ClockError, match="has not started"):
            ReplayClock(_env(redis_url, redis_namespace)).now_t()


class ReplayBarStreamTests:
    def _stream(
        self, store: FilePriceStore, clock: ReplayClock, settings: ReplaySettings
    ) -> ReplayBarStream:
        return ReplayBarStream(
            store=store,
            calendar=CALENDAR,
            clock=clock,
            settings=settings,
            resolutions=(Resolution.MINUTE,),
        )

    def test_bars_are_published_as_they_complete_on_the_clock_then_the_next_session(
        self, store: FilePriceStore, redis_url: str, redis_namespace: str
    ) -> None:
        wall = SimClock(WALL_START)
        clock = ReplayClock(_env(redis_url, redis_namespace), wall=wall, refresh_s=0)
        day = SESSIONS[-1]  # the latest session: the next one loops back
        stream = self._stream(store, clock, ReplaySettings(speed=60.0))
        published = _Published()
        stop = threading.Event()
        thread = threading.Thread(
            target=stream.run,
            kwargs={
                "symbols": ["SPY", "QQQ"],
                "on_bar": published.on_bar,
                "stop": stop,
                "on_clock": published.on_clock,
            },
            daemon=True,
        )
        thread.start()
        try:
            _wait_for(lambda: published.clock_t == _open(day), "the replay's start")
            assert published.bars == []  # nothing has completed at the open
            wall.advance(60)  # an hour of the session at 60x

            _wait_for(lambda: published.clock_t == _open(day) + 3600, "an hour")
            spy = store.load_day("SPY", day, Resolution.MINUTE)
            ended = int(np.count_nonzero(spy.t + 60 <= _open(day) + 3600))
            with published.lock:
                assert [bar.t for bar in published.bars if bar.symbol == "SPY"] == [
                    int(t) for t in spy.t[:ended]
                ]
                symbols = [bar.symbol for bar in published.bars[:2]]
            assert symbols == ["SPY", "QQQ"]  # one instant's bars, in the order asked

            wall.advance((_close(day) - _open(day)) / 60)  # to the close
            _wait_for(lambda: (clock.state() or stream_state_none()).session == 2, "session 2")
            state = clock.state()
            assert state is not None
            assert state.day == SESSIONS[-REPLAY_LOOP_SESSIONS] and state.start_t == _open(
                state.day
            )
        finally:
            stop.set()
            thread.join(5)
        assert not thread.is_alive()
        assert published.early == []

    def test_a_restarted_stream_resumes_the_replay_and_new_settings_restart_it(
        self, store: FilePriceStore, redis_url: str, redis_namespace: str
    ) -> None:
        wall = SimClock(WALL_START)
        clock = ReplayClock(_env(redis_url, redis_namespace), wall=wall, refresh_s=0)
        settings = ReplaySettings(day=SESSIONS[3], start=None, speed=60.0)
        first = self._stream(store, clock, settings)
        stop = threading.Event()
        stop.set()  # begin the state, then leave at once
        first.run(symbols=["SPY"], on_bar=lambda bar: None, stop=stop)
        begun = clock.state()
        wall.advance(30)

        published = _Published()
        self._stream(store, clock, settings).run(
            symbols=["SPY"], on_bar=published.on_bar, stop=stop, on_clock=published.on_clock
        )
        resumed = clock.state()
        from_ten = ReplaySettings(day=SESSIONS[3], start=datetime(2026, 1, 1, 10).time())
        self._stream(store, clock, from_ten).run(symbols=["SPY"], on_bar=print, stop=stop)
        restarted = clock.state()

        assert begun is not None and begun.day == SESSIONS[3] and begun.session == 1
        assert resumed == begun
        assert restarted is not None and restarted.start_t == _open(SESSIONS[3]) + 1800


class ReplayFollowerTests:
    def test_a_follower_publishes_the_leaders_bars_on_its_clock_and_follows_its_sessions(
        self, store: FilePriceStore, redis_url: str, redis_namespace: str
    ) -> None:
        wall = SimClock(WALL_START)
        leader_clock = ReplayClock(_env(redis_url, redis_namespace), wall=wall, refresh_s=0)
        day = SESSIONS[2]
        leader_clock.begin(
            day=day, start_t=_open(day), close_t=_close(day), speed=60.0, session=1, signature="s"
        )
        follower = ReplayBarStream(
            store=store,
            calendar=CALENDAR,
            clock=ReplayClock(_env(redis_url, redis_namespace), wall=wall, refresh_s=0),
            resolutions=(MINUTE,),
            lead=False,
        )
        published = _Published()
        stop = threading.Event()
        thread = threading.Thread(
            target=follower.run,
            kwargs={
                "symbols": ["QQQ"],
                "on_bar": published.on_bar,
                "stop": stop,
                "on_clock": published.on_clock,
            },
            daemon=True,
        )
        thread.start()
        try:
            wall.advance(30)  # half an hour at 60x
            _wait_for(lambda: published.clock_t == _open(day) + 1800, "half an hour")
            with published.lock:
                first = [bar.t for bar in published.bars]
            next_day = SESSIONS[5]
            leader_clock.begin(
                day=next_day,
                start_t=_open(next_day),
                close_t=_close(next_day),
                speed=60.0,
                session=2,
                signature="s",
            )
            wall.advance(1)
            _wait_for(lambda: published.clock_t == _open(next_day) + 60, "the next session")
        finally:
            stop.set()
            thread.join(5)

        assert first == [_open(day) + 60 * i for i in range(30)]
        assert published.bars[-1].t == _open(next_day)
        assert published.early == [] and leader_clock.state().session == 2  # type: ignore[union-attr]


def stream_state_none():  # type: ignore[no-untyped-def]
    class _Nothing:
        session = 0

    return _Nothing()


class ReplayStreamerTests:
    def test_without_keys_the_streamer_plays_the_replay_market_into_replay_keys(
        self,
        tmp_path: Path,
        redis_url: str,
        redis_namespace: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        for name in ("TC2_DATA_PROVIDER", "POLYGON_API_KEY", "ALPACA_API_KEY_ID"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("TC2_REPLAY_SPEED", "max")
        monkeypatch.setattr(bar_streamer, "HEARTBEAT_S", 0.05)
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
        day = SESSIONS[-1]
        _save(store, ("SPY",), [day])  # type: ignore[arg-type]
        component = _Component(
            {
                "redis_url": redis_url,
                "symbols": ["SPY"],
                "namespace": redis_namespace,
                "data_dir": str(tmp_path),
                "store_url": "files",
            }
        )
        replay_cache = StreamCache(_env(redis_url, redis_namespace))
        try:
            _wait_for(
                lambda: (
                    len(replay_cache.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE))
                    == 390
                ),
                "the session's 390 minutes in the replay cache",
                timeout_s=30,
            )
        finally:
            component.stop()
        live_env = ExecEnv.live(redis_url, namespace=redis_namespace)
        live_bars = StreamCache(live_env).day_bars(
            symbol="SPY", day=day, resolution=Resolution.MINUTE
        )

        assert component.error is None
        assert len(live_bars) == 0  # replay bars never mix with live ones
