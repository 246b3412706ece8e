"""bench.report writes BENCHMARKS.md again from a run's saved figures."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

from bench import report

PROJECT = Path(__file__).resolve().parents[2]


def test_a_saved_run_is_written_again_as_it_was(tmp_path):
    inputs = dict(configs={}, stamp=dt.datetime(2026, 11, 30, 0, 7, tzinfo=dt.UTC),
                  elapsed_s=512.0, build_s=0.1, load_before=(1.5, 2.0, 2.5),
                  load_after=(2.5, 2.0, 1.5), duration_s=6, thumbnails=None,
                  hardware="a test machine")
    report.write(tmp_path / "first.md", **inputs)
    (tmp_path / report.INPUTS).write_bytes(pickle.dumps(inputs))

    subprocess.run([sys.executable, "-m", "bench.report", str(tmp_path),
                    "--out", str(tmp_path / "again.md")], cwd=PROJECT, check=True)

    again = (tmp_path / "again.md").read_text()
    assert again == (tmp_path / "first.md").read_text()
    assert "2026-11-30 00:07 UTC" in again and "a test machine" in again
