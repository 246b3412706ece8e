#!/usr/bin/env bash
# The container's entry: `serve` (the default) runs the server; anything else is an
# operator command: `docker run … imghost-image doctor`, `… create-user NAME EMAIL`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-serve}" = "serve" ]; then
  if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # Several workers sum their metrics through this directory; a restart starts at zero.
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  fi
  exec scripts/serve.sh
fi
exec imghost "$@"
