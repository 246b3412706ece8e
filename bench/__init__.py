"""`make bench`: load-tests imghost as users run it and writes BENCHMARKS.md (issue 7)."""
