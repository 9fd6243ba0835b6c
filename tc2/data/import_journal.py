"""All-or-nothing imports: before-images of the symbol-days an import replaces.

An import saves sessions one batch at a time, so a process killed halfway would leave some on
file. Before a batch is saved, the journal keeps what the store held for each of its
symbol-days (their bars, or the fact that there were none) in a folder beside the upload, and
lists them in its manifest. The manifest's removal is the commit: once gone, the import stands.
While it exists, ``roll_back`` puts every listed symbol-day back as it was, whichever store
(files or MongoDB) holds them; it can be repeated, so a janitor that is itself killed halfway
simply runs again.

Layout: ``<folder>/manifest`` (one ``symbol,YYYY-MM-DD,resolution,entry`` line per symbol-day,
``entry`` being ``-`` for "none on file") and ``<folder>/<n>.npz`` (one before-image each).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np

from tc2.data.bars import OPTIONAL_FIELDS, REQUIRED_FIELDS, Resolution, SymbolDay
from tc2.data.store import PriceStore

MANIFEST = "manifest"
ABSENT = "-"


class ImportJournal:
    """The before-images of one import, kept in ``folder`` until it commits or rolls back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._recorded: set[tuple[str, date, Resolution]] = set()

    @property
    def open(self) -> bool:
        """Whether an uncommitted import left changes to undo."""
        return (self.folder / MANIFEST).is_file()

    def save_days(self, store: PriceStore, days: Iterable[SymbolDay]) -> None:
        """Record what ``days`` replace, then save them to ``store``."""
        batch = list(days)
        self._record(store, batch)
        store.save_days(batch)

    def commit(self) -> None:
        """Keep the import: forget the before-images (the manifest goes first, atomically)."""
        (self.folder / MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def roll_back(self, store: PriceStore) -> int:
        """Put every recorded symbol-day back as it was; return how many were restored.

        Safe to repeat: each restore replaces or deletes whole symbol-days.
        """
        manifest = self.folder / MANIFEST
        restored = 0
        if manifest.is_file():
            for line in manifest.read_text().splitlines():
                parts = line.split(",")
                if len(parts) != 4:
                    continue  # a line cut short by a kill: its save never started
                symbol, day_text, resolution_text, entry = parts
                day, resolution = date.fromisoformat(day_text), Resolution(resolution_text)
                if entry == ABSENT:
                    store.delete_day(symbol, day, resolution)
                else:
                    store.save_day(_load_image(self.folder / entry, symbol, day, resolution))
                restored += 1
        self.commit()  # nothing left to undo
        return restored

    def _record(self, store: PriceStore, days: list[SymbolDay]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for bars in days:
            key = (bars.symbol, bars.day, bars.resolution)
            if key in self._recorded:
                continue  # the first image is the one from before the import
            self._recorded.add(key)
            entry = ABSENT
            if store.dates_on_file(bars.symbol, bars.day, bars.day, bars.resolution):
                entry = f"{len(self._recorded)}.npz"
                _save_image(self.folder / entry, store.load_day(*key))
            lines.append(f"{bars.symbol},{bars.day},{bars.resolution.value},{entry}\n")
        # Images first, then their lines, then the save: a kill at any point leaves a manifest
        # listing at most what was (or was about to be) changed.
        with (self.folder / MANIFEST).open("a") as manifest:
            manifest.writelines(lines)
            manifest.flush()
            os.fsync(manifest.fileno())


def _save_image(path: Path, bars: SymbolDay) -> None:
    columns = {
        name: getattr(bars, name)
        for name in REQUIRED_FIELDS + OPTIONAL_FIELDS
        if getattr(bars, name) is not None
    }
    partial = path.with_suffix(".part")
    with partial.open("wb") as file:
        np.savez(file, **columns)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)


def _load_image(path: Path, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
    with np.load(path) as image:
        columns = {name: image[name] for name in image.files}
    return SymbolDay(symbol=symbol, day=day, resolution=resolution, **columns)
