"""Process and machine facts read from /proc: memory and CPU of a process tree, and how
busy the whole machine is."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def rss_mib(pid: int) -> float:
    """Resident set size of pid and all its descendants (granian main + workers), MiB."""
    total_kib = 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of pid and all its descendants."""
    ticks = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, busy_below: float = 0.1, window_s: float = 0.5,
                    timeout_s: float = 20) -> float:
    """Wait until the server's background work (thumbnails, queued logins) is done:
    under `busy_below` of a core for a whole window. Returns the seconds waited."""

    def busy_in(window: float) -> float:  # share of one core the process tree used
        before = cpu_seconds(pid)
        time.sleep(window)
        return (cpu_seconds(pid) - before) / window

    return _wait_while_busy(busy_in, busy_below, window_s, timeout_s)[0]


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _machine_busy_in(window: float) -> float:
    """Share of all cores busy during the next `window` seconds."""
    busy_before, total_before = _machine_ticks()
    time.sleep(window)
    busy_after, total_after = _machine_ticks()
    return (busy_after - busy_before) / max(1, total_after - total_before)


def wait_for_quiet_machine(busy_below: float = 0.2, window_s: float = 1.0,
                           timeout_s: float = 60) -> tuple[float, float]:
    """Wait until the whole machine is under `busy_below` of its cores for a window (the
    database's vacuum, the store's compaction and the last server's exit, after a load
    run). Returns (seconds waited, busy fraction of the last window): a figure that
    times a start is the server's own only on a quiet machine, and says when it was not."""
    return _wait_while_busy(_machine_busy_in, busy_below, window_s, timeout_s)


def _wait_while_busy(busy_in: Callable[[float], float], busy_below: float, window_s: float,
                     timeout_s: float) -> tuple[float, float]:
    """Measure windows of busy_in until one is under busy_below, or timeout_s passed:
    (seconds waited, the last window's figure)."""
    began = time.monotonic()
    busy = 1.0
    while time.monotonic() - began < timeout_s:
        busy = busy_in(window_s)
        if busy < busy_below:
            break
    return time.monotonic() - began, busy
