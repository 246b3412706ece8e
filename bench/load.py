"""wrk runs: one endpoint, bounded duration, fixed concurrency, every status counted."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.process import cpu_seconds

LUA_SCRIPT = Path(__file__).resolve().parent / "lua" / "requests.lua"
CONNECTIONS = 32
THREADS = 2
DURATION_S = 6
# Logins queue behind bcrypt for seconds; wrk's 2 s default would count them as errors.
TIMEOUT_S = 30


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str = ""
    body: str = ""

    def line(self) -> str:
        for part in (self.method, self.path, self.token, self.body):
            if "\t" in part or "\n" in part:
                raise ValueError("wrk request fields cannot hold tabs or newlines")
        return "\t".join((self.method, self.path, self.token, self.body))


@dataclass
class LoadResult:
    name: str
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    exhausted_threads: int = 0
    # Server CPU (process tree, user + system) per completed request: far steadier than
    # req/s on a machine shared with other people's test runs.
    server_cpu_us: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def non_2xx(self) -> int:
        """Non-2xx answers plus requests that never got one (timeouts, resets)."""
        bad = sum(n for code, n in self.statuses.items() if not code.startswith("2"))
        return bad + sum(self.socket_errors.values())


def require_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: run `make bench` (it installs Debian's wrk).")
    return found


def run_wrk(name: str, base_url: str, requests: list[Request], work_dir: Path, *,
            once: bool = False, connections: int = CONNECTIONS, duration_s: float | None = None,
            threads: int = THREADS, pid: int | None = None) -> LoadResult:
    """Drive base_url with the requests (cycled, or each sent once) and parse wrk's result."""
    duration_s = duration_s or DURATION_S
    if not requests:
        raise ValueError(f"{name}: no requests to send")
    work_dir.mkdir(parents=True, exist_ok=True)
    request_file = work_dir / f"{name}.requests.tsv"
    request_file.write_text("\n".join(r.line() for r in requests) + "\n")
    command = [require_wrk(), "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(duration_s))}s", "--timeout", f"{TIMEOUT_S}s", "-s", str(LUA_SCRIPT),
               base_url, "--", str(request_file), "once" if once else "cycle", str(threads)]
    cpu_before = cpu_seconds(pid) if pid else None
    finished = subprocess.run(command, capture_output=True, text=True,
                              timeout=duration_s + TIMEOUT_S + 30)
    cpu_used = cpu_seconds(pid) - cpu_before if pid else None
    (work_dir / f"{name}.wrk.txt").write_text(finished.stdout + finished.stderr)
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("BENCH_RESULT ")),
                None)
    if finished.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {name}:\n{finished.stdout}\n{finished.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return LoadResult(
        name=name, requests=data["requests"], duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000,
        statuses=data["statuses"], socket_errors=data["socket_errors"],
        exhausted_threads=data["exhausted_threads"],
        server_cpu_us=(cpu_used / data["requests"] * 1e6
                       if cpu_used is not None and data["requests"] else None),
    )


def merge(name: str, parts: list[LoadResult]) -> LoadResult:
    """Several runs of one endpoint as one: summed requests and time, the worst latencies."""
    def total(key: str) -> dict[str, int]:
        merged: dict[str, int] = {}
        for part in parts:
            for code, n in getattr(part, key).items():
                merged[code] = merged.get(code, 0) + n
        return merged

    cpu = [p.server_cpu_us * p.requests for p in parts if p.server_cpu_us is not None]
    requests = sum(p.requests for p in parts)
    return LoadResult(
        name=name, requests=requests, duration_s=sum(p.duration_s for p in parts),
        p50_ms=max(p.p50_ms for p in parts), p90_ms=max(p.p90_ms for p in parts),
        p99_ms=max(p.p99_ms for p in parts), max_ms=max(p.max_ms for p in parts),
        statuses=total("statuses"), socket_errors=total("socket_errors"),
        exhausted_threads=sum(p.exhausted_threads for p in parts),
        server_cpu_us=sum(cpu) / requests if cpu and len(cpu) == len(parts) and requests
        else None)
