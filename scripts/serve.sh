#!/usr/bin/env bash
# Serves the prebuilt app: UI, /api and /api/docs on one port.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export REFLEX_ENV_MODE=prod
# Reflex internals (pinned reflex==0.10.1; tests/e2e start the app the same way):
# serve the build from scripts/build-frontend.sh instead of recompiling at start.
export __REFLEX_SKIP_COMPILE=true
export __REFLEX_MOUNT_FRONTEND_COMPILED_APP=true
# A worker that dies (OOM kill, crash) is replaced at once instead of granian shutting
# every worker down. At shutdown a worker still busy after 5 s is killed, so a stuck
# request cannot hold the server up forever; 5 s leaves granian time to finish inside
# Docker's default 10 s stop timeout.
exec granian --interface asgi --factory --host "${IMGHOST_HOST:-0.0.0.0}" \
  --port "${IMGHOST_PORT:-8000}" --workers "${IMGHOST_WORKERS:-1}" \
  --respawn-failed-workers --workers-kill-timeout 5 imghost.asgi:app
