from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tc2.logs import LINE_PATTERN, FeedHandler, LogFeed, LogWriter

from ._support import feed_lines
from .conftest import WriterFactory


@pytest.fixture
def writer(make_writer: WriterFactory) -> LogWriter:
    return make_writer()


@pytest.fixture
def logger(writer: LogWriter) -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.feed_handler")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = FeedHandler(LogFeed.API, writer=writer)
    logger.addHandler(handler)
    yield logger
    logger.removeHandler(handler)


class FeedHandlerTests:
    def test_records_land_in_the_feed_with_mapped_levels(
        self, logger: logging.Logger, writer: LogWriter, logs_dir: Path
    ) -> None:
        logger.debug("d")
        logger.info("i %s", "arg")
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        assert writer.flush(10)

        parsed = [LINE_PATTERN.fullmatch(line) for line in feed_lines(logs_dir, LogFeed.API)]
        assert [(m["level"], m["component"], m["message"]) for m in parsed if m] == [
            ("DEBUG", "tests.feed_handler", "d"),
            ("INFO", "tests.feed_handler", "i arg"),
            ("WARNING", "tests.feed_handler", "w"),
            ("ERROR", "tests.feed_handler", "e"),
            ("ERROR", "tests.feed_handler", "c"),
        ]

    def test_tracebacks_become_prefixed_lines(
        self, logger: logging.Logger, writer: LogWriter, logs_dir: Path
    ) -> None:
        try:
            raise RuntimeError("request failed")
        except RuntimeError:
            logger.exception("Internal Server Error: /api/logs")
        assert writer.flush(10)

        lines = feed_lines(logs_dir, LogFeed.API)
        assert all(LINE_PATTERN.fullmatch(line) for line in lines)
        assert lines[0].endswith("ERROR [tests.feed_handler] Internal Server Error: /api/logs")
        assert lines[-1].endswith("RuntimeError: request failed")

    def test_a_broken_record_does_not_raise(
        self, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(logging, "raiseExceptions", False)

        logger.info("%d", "not a number")

    def test_unknown_feed_is_rejected(self) -> None:
        with pytest.raises(LookupError):
            FeedHandler("nope")  # type: ignore[arg-type]
