"""Child process for test_file_store: writes through ``FilePriceStore``'s own save path.

``stall <root> <namespace> <symbol> <day> <bars> <stall_after>``
    Save a large 1-second replacement of ``<day>``; once ``<stall_after>`` bytes of the new month
    file are written, print ``mid-write`` and sleep until killed. Only the temporary file object
    is swapped (``_open_temp``): reading the month, merging and writing are production code.
``save <root> <namespace> <symbol> <day> [<day> ...]``
    Print ``ready``, wait for a line on stdin (so several children start together), then save
    the 1-minute days one ``save_day`` at a time, ``SAVE_PASSES`` times over (seed 7).
"""

from __future__ import annotations

import io
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, cast

from store_contract import make_bars

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore

MID_WRITE = "mid-write"
READY = "ready"
SAVE_PASSES = 5


class StallingFile(io.BufferedWriter):
    """A temporary file that stops for good partway through, like a process about to die."""

    def __init__(self, path: Path, stall_after: int) -> None:
        super().__init__(io.FileIO(path, "x"))
        self._stall_after = stall_after
        self._written = 0

    def write(self, data: Any) -> int:
        count = super().write(data)
        self._written += count
        if self._written >= self._stall_after:
            self.flush()  # the torn bytes really are on disk when the kill comes
            print(MID_WRITE, flush=True)
            time.sleep(3600)
        return count


class StallingStore(FilePriceStore):
    def __init__(self, root: Path, namespace: str, stall_after: int) -> None:
        super().__init__(root, namespace)
        self._stall_after = stall_after

    def _open_temp(self, path: Path) -> BinaryIO:
        return cast(BinaryIO, StallingFile(path, self._stall_after))


def main(argv: list[str]) -> None:
    mode, root, namespace, symbol, *rest = argv
    if mode == "stall":
        day, bars, stall_after = date.fromisoformat(rest[0]), int(rest[1]), int(rest[2])
        store = StallingStore(Path(root), namespace, stall_after)
        store.save_day(make_bars(symbol, day, Resolution.SECOND, bars=bars, seed=99))
        raise SystemExit("the write finished without stalling")
    store = FilePriceStore(Path(root), namespace)
    days = [make_bars(symbol, date.fromisoformat(text), seed=7) for text in rest]
    print(READY, flush=True)
    sys.stdin.readline()
    for _ in range(SAVE_PASSES):
        for bars in days:
            store.save_day(bars)


if __name__ == "__main__":
    main(sys.argv[1:])
