"""What a listing asks for (filename text, type, date range, sort) and its keyset paging.

Every sort pages by keyset, never by offset: a cursor names the last image seen by
its sort key and id, so page 400 costs what page 1 costs. Each sort has an index
that yields its order for one user (see models.Image.__table_args__); the user_id
one-value range keeps PostgreSQL on those indexes, equality SQLite (see
images._page_statement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import BigInteger, Integer, Table, bindparam, func, tuple_

from imghost.errors import Invalid
from imghost.services import image_types

SORTS = ("newest", "oldest", "largest")
# Ids are 32-bit integers in the schema; anything larger cannot exist.
MAX_ID = 2**31 - 1
MAX_SIZE = 2**63 - 1
# A cursor names the last image seen, in hex without leading zeros, so the pattern the
# API declares admits only cursors that can exist: newest is the id alone (the cursors
# issued before sorts existed), oldest is "o" + id, largest "l" + size "." + id. A
# cursor belongs to its sort: another sort's is refused.
_ID = r"(?:[1-7][0-9a-f]{7}|[1-9a-f][0-9a-f]{0,6})"
_SIZE = r"(?:0|[1-7][0-9a-f]{15}|[1-9a-f][0-9a-f]{0,14})"
SORT_CURSORS = {
    "newest": re.compile(f"^{_ID}$"),
    "oldest": re.compile(f"^o{_ID}$"),
    "largest": re.compile(f"^l{_SIZE}\\.{_ID}$"),
}
CURSOR_PATTERN = re.compile(f"^(?:{_ID}|o{_ID}|l{_SIZE}\\.{_ID})$")


@dataclass(frozen=True)
class ImageQuery:
    text: str = ""
    content_type: str | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    sort: str = "newest"

    @property
    def filtered(self) -> bool:
        return any(self.filters_set)

    @property
    def filters_set(self) -> tuple[bool, bool, bool, bool]:
        """Which filters apply: with the sort, all the listing's SQL depends on."""
        return (bool(self.text), bool(self.content_type), self.created_from is not None,
                self.created_before is not None)


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends: the sort key of one image and its id."""

    id: int
    size_bytes: int = 0


def _invalid(field: str, detail: str, message: str) -> Invalid:
    return Invalid(detail, code="validation_error", errors=[{"field": field, "message": message}])


def _parse_moment(field: str, value: str, end_of_day: bool) -> datetime:
    """A date (the whole day) or an ISO 8601 time (naive means UTC), as a UTC bound."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(field, f"{field} must be a date (YYYY-MM-DD) or an ISO 8601 time.",
                       "Use YYYY-MM-DD.") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end_of_day else moment


def parse_query(max_chars: int, q: str | None = None, type: str | None = None,  # noqa: A002
                created_from: str | None = None, created_to: str | None = None,
                sort: str | None = None) -> ImageQuery:
    """The listing's filters from what a user typed; Invalid (400) naming the field."""
    text = (q or "").strip()
    if len(text) > max_chars:
        raise _invalid("q", f"The search text is longer than {max_chars} characters.",
                       f"At most {max_chars} characters.")
    content_type = None
    if type:
        found = image_types.lookup(type) or image_types.BY_EXTENSION.get(type.strip().lower())
        if found is None:
            raise _invalid("type", f"type must be one of {', '.join(image_types.ALLOWED)}.",
                           "Not an image type imghost stores.")
        content_type = found.content_type
    start = _parse_moment("from", created_from, False) if created_from else None
    end = _parse_moment("to", created_to, True) if created_to else None
    if start and end and start >= end:
        raise _invalid("to", "to must not be before from.", "Must not be before from.")
    sort = sort or "newest"
    if sort not in SORTS:
        raise _invalid("sort", f"sort must be one of {', '.join(SORTS)}.",
                       f"One of {', '.join(SORTS)}.")
    return ImageQuery(text=text, content_type=content_type, created_from=start,
                      created_before=end, sort=sort)


def encode_cursor(sort: str, row) -> str:
    if sort == "largest":
        return f"l{row.size_bytes:x}.{row.id:x}"
    return f"o{row.id:x}" if sort == "oldest" else f"{row.id:x}"


def decode_cursor(sort: str, cursor: str, field: str = "cursor") -> Position:
    if not SORT_CURSORS[sort].fullmatch(cursor):
        raise Invalid("The cursor is not one this server issued for this sort.",
                      code="invalid_cursor",
                      errors=[{"field": field, "message": "Invalid cursor."}])
    if sort == "largest":
        size_text, id_text = cursor[1:].split(".")
        return Position(id=int(id_text, 16), size_bytes=int(size_text, 16))
    return Position(id=int(cursor.removeprefix("o"), 16))


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_clauses(table: Table, filters_set: tuple[bool, bool, bool, bool]) -> list:
    """The filters set (ImageQuery.filters_set), their values bound by filter_values."""
    text, content_type, created_from, created_before = filters_set
    clauses = []
    if text:
        clauses.append(func.lower(table.c.filename).like(bindparam("text_pattern"), escape="\\"))
    if content_type:
        clauses.append(table.c.content_type == bindparam("content_type"))
    if created_from:
        clauses.append(table.c.created_at >= bindparam("created_from"))
    if created_before:
        clauses.append(table.c.created_at < bindparam("created_before"))
    return clauses


def filter_values(query: ImageQuery) -> dict:
    return {"text_pattern": _like_pattern(query.text) if query.text else None,
            "content_type": query.content_type, "created_from": query.created_from,
            "created_before": query.created_before}


def descending(sort: str) -> bool:
    return sort != "oldest"


def order_columns(table: Table, sort: str) -> list:
    """The sort's columns, user_id first so the (user_id, ...) index gives the order."""
    if sort == "largest":
        return [table.c.user_id, table.c.size_bytes, table.c.id]
    return [table.c.user_id, table.c.id]


def after_clause(table: Table, sort: str, backwards: bool):
    """Rows past the position (position_values) in the sort's direction (or before it,
    backwards)."""
    after_id = bindparam("after_id", type_=Integer)
    column, value = ((tuple_(table.c.size_bytes, table.c.id),
                      tuple_(bindparam("after_size", type_=BigInteger), after_id))
                     if sort == "largest" else (table.c.id, after_id))
    toward_smaller = descending(sort) != backwards
    return column < value if toward_smaller else column > value


def position_values(position: Position) -> dict:
    return {"after_id": position.id, "after_size": position.size_bytes}
