"""Reading fields out of an untrusted container, never past the end of the structure they sit in.

Every count and length in an uploaded file is the sender's claim. A reader that returns 0
past the end lets a tiny file claim billions of entries and keeps a worker busy for hours
(an 89-byte AVIF did exactly that), so running out of bytes is always Malformed here.
"""

from __future__ import annotations

from imghost.services.processing.errors import Malformed


class BoundedReader:
    """Big-endian fields from data[pos:end], read in order."""

    def __init__(self, data: bytes | bytearray, pos: int, end: int, what: str):
        if not 0 <= pos <= end <= len(data):
            raise Malformed(f"{what} lies outside the file")
        self.data, self.pos, self.end, self.what = data, pos, end, what

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def take(self, size: int) -> bytes:
        if size > self.remaining:
            raise Malformed(f"{self.what} runs past its end")
        start, self.pos = self.pos, self.pos + size
        return bytes(self.data[start:self.pos])

    def uint(self, size: int) -> int:
        """An unsigned integer of size bytes; a size of 0 is a field the file left out."""
        return int.from_bytes(self.take(size), "big") if size else 0

    def skip(self, size: int) -> None:
        self.take(size)

    def count(self, size: int, each: int) -> int:
        """A count of entries that each need `each` bytes; refused when they cannot all fit."""
        number = self.uint(size)
        if number * each > self.remaining:
            raise Malformed(f"{self.what} claims {number} entries, more than its bytes hold")
        return number
