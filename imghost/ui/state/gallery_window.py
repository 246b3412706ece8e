"""Which pages the gallery holds: a few page slots, reused as the user scrolls.

Reflex sends a state variable whole whenever it changes, so one growing `images`
list made every "load more" resend everything loaded so far, and kept every tile in
the DOM. Instead the gallery has SLOTS page variables: a new page fills a free slot,
or the slot of the page farthest away (which is dropped, and fetched back by cursor
if the user scrolls back to it). Each load sends one page and the slots' order (the DOM
moves the slots' keyed elements, it does not rebuild them); the
DOM never holds more than SLOTS pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SLOTS = 4
# Divisible by every column count of the grid (2, 3, 4, 5): each page fills whole
# rows, so pages stack without gaps and a dropped page takes whole rows with it.
PAGE_SIZE = 60


@dataclass
class PageWindow:
    # Slots holding a page, top to bottom.
    order: list[int] = field(default_factory=list)
    # Per slot: the cursor for the page above it (prev_cursor, "" when it is the first
    # page) and for the page below it (next_cursor, "" when it is the last).
    above: list[str] = field(default_factory=lambda: [""] * SLOTS)
    below: list[str] = field(default_factory=lambda: [""] * SLOTS)

    @property
    def newer_cursor(self) -> str:
        """Where the page above the window starts ("" when the window holds the first)."""
        return self.above[self.order[0]] if self.order else ""

    @property
    def older_cursor(self) -> str:
        return self.below[self.order[-1]] if self.order else ""

    def _free_slot(self) -> int | None:
        free = [slot for slot in range(SLOTS) if slot not in self.order]
        return free[0] if free else None

    def place_below(self, above: str, below: str) -> tuple[int, int | None]:
        """A slot for the page after the window; (slot, dropped slot or None)."""
        slot = self._free_slot()
        dropped = None
        if slot is None:
            slot = dropped = self.order.pop(0)
        self.order.append(slot)
        self.above[slot], self.below[slot] = above, below
        return slot, dropped

    def place_above(self, above: str, below: str) -> tuple[int, int | None]:
        """A slot for the page before the window; (slot, dropped slot or None)."""
        slot = self._free_slot()
        dropped = None
        if slot is None:
            slot = dropped = self.order.pop()
        self.order.insert(0, slot)
        self.above[slot], self.below[slot] = above, below
        return slot, dropped

    def slots_top_to_bottom(self) -> list[int]:
        """Every slot, the ones holding pages first in page order: the DOM follows it
        (the reading and Tab order of the pages is the visual one)."""
        return self.order + [slot for slot in range(SLOTS) if slot not in self.order]

    def reading_position(self) -> str:
        """The cursor the URL keeps: where the page just above the bottom one starts
        (the user reached the bottom page by finishing that one), "" at the very top."""
        if len(self.order) < 2:
            return self.above[self.order[0]] if self.order else ""
        return self.above[self.order[-2]]
