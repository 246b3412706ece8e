"""Path convertors the API's routes rely on, registered with Starlette on import.

Process-wide on purpose: they must be in place before the routes, and Reflex's
mounts, are built (imghost.api imports this module first).
"""

from __future__ import annotations

from starlette.convertors import Convertor, PathConvertor, register_url_convertor


class PathWithNewlines(PathConvertor):
    """Starlette's `path` matches up to a newline only, so the mount Reflex puts the
    whole app under (Mount("")) let "/api/images/a%0Ab" fall through to a plain-text
    404 that no middleware of ours sees. Same conversion, any character."""

    regex = r"[\s\S]*"


register_url_convertor("path", PathWithNewlines())


class Integer(Convertor):
    """A path segment that is an integer, sign included (the route's own validation
    answers 400 for 0 or -1). Anything else is not that route's: DELETE
    /api/images/confirm is a 405 from the catch-all, not "image_id must be an int"."""

    regex = r"-?[0-9]+"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("integer", Integer())
