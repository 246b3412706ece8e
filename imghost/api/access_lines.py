"""The access line of every request, written the cheap way when nothing but our own
JSON handler would see it (api/observability.py writes one per request)."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time

from imghost.api.log_format import JsonFormatter

access_log = logging.getLogger("imghost.access")
_ACCESS_MESSAGE = "%s %s %s"  # method, path, status


def access_record(level: int, args: tuple, fields: dict) -> logging.LogRecord:
    return access_log.makeRecord(access_log.name, level, __file__, 0, _ACCESS_MESSAGE, args,
                                 None, extra={"fields": fields})


def direct_handler(level: int) -> logging.StreamHandler | None:
    """Our JSON handler, when an access record would reach it and nothing else, with no
    filter on the way and the standard record factory: then writing the formatted line
    is all that logging would do with the record, and making the record and passing it
    down the logger tree (most of what the line cost) can be skipped. Checked on every
    line, so a filter or handler added at any time still sees every record."""
    parent = access_log.parent
    if (access_log.filters or access_log.handlers or not access_log.propagate
            or parent is None or parent.propagate or len(parent.handlers) != 1
            or logging.getLogRecordFactory() is not logging.LogRecord):
        return None
    handler = parent.handlers[0]
    if (type(handler) is not logging.StreamHandler or handler.filters or level < handler.level
            or type(handler.formatter) is not JsonFormatter):
        return None
    return handler


def write_access_line(handler: logging.StreamHandler, level: int, args: tuple,
                       fields: dict) -> None:
    """What handler.handle(record) writes for the access record, made from its parts."""
    line = handler.formatter.line(time.time(), logging.getLevelName(level), access_log.name,
                                  _ACCESS_MESSAGE % args,
                                  os.getpid() if logging.logProcesses else None, fields)
    _pending_lines.add(handler, (line, level, args, fields))


class _PendingLines:
    """Access lines held until the event loop's next turn, then written with one write.

    A write per line is a system call, and a release of the GIL that lets a database
    thread in, for every request; under load one turn of the loop finishes several
    requests. The lines are the same; each is written within a turn of the loop after
    its answer left (not at once, so a line from another logger in that turn may come
    first). Outside a running loop a line is written at once; at exit, what is left."""

    def __init__(self):
        self.lock = threading.Lock()  # a test client's loop runs in a thread of its own
        self.handler: logging.StreamHandler | None = None
        self.lines: list[tuple[str, int, tuple, dict]] = []
        self.due_on: asyncio.AbstractEventLoop | None = None  # the loop a write is due on

    def add(self, handler: logging.StreamHandler, entry: tuple[str, int, tuple, dict]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if handler is not self.handler:
            self.write()  # the lines for the handler before go out first
        with self.lock:
            self.handler = handler
            self.lines.append(entry)
            schedule = loop is not None and self.due_on is not loop
            if schedule:
                self.due_on = loop
        if loop is None:
            self.write()
        elif schedule:
            loop.call_soon(self.write)

    def write(self) -> None:
        with self.lock:
            handler, lines, self.lines, self.due_on = self.handler, self.lines, [], None
        if not lines:
            return
        handler.acquire()
        try:
            handler.stream.write("".join(line + handler.terminator for line, *_ in lines))
            handler.flush()
        except RecursionError:
            raise
        except Exception:  # as StreamHandler.emit: reported on stderr, the requests unharmed
            for _, level, args, fields in lines:
                handler.handleError(access_record(level, args, fields))
        finally:
            handler.release()


_pending_lines = _PendingLines()
atexit.register(_pending_lines.write)
# A forked worker starts with none: its parent writes its own, and the lock is new.
os.register_at_fork(after_in_child=_pending_lines.__init__)
