#!/usr/bin/env bash
# Compiles the Reflex pages once into .web/build/client, so the server starts in
# about a second instead of rebuilding on every start. The websocket port is baked
# into the build, so a change of IMGHOST_PORT (or of any source) rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
web_dir="${REFLEX_WEB_WORKDIR:-.web}"
port="${IMGHOST_PORT:-8000}"
stamp="$web_dir/.imghost-build"
# The server's own modules, compiled now rather than at every start: with
# PYTHONDONTWRITEBYTECODE set (as on some machines) Python never keeps what it compiles.
# Up to date files cost a stat each.
"$VENV/bin/python" -m compileall -q imghost rxconfig.py alembic >/dev/null
wanted="port=$port api=${REFLEX_API_URL:-} sources=$(cat rxconfig.py requirements.txt \
  $(find imghost assets -type f \( -name '*.py' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.png' -o -name '*.ico' \) 2>/dev/null | sort) | sha1sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -f "$web_dir/build/client/index.html" ]; then
  exit 0
fi
echo "Building the frontend (port $port) ..."
IMGHOST_PORT="$port" reflex export --frontend-only --no-zip --env prod --loglevel warning
echo "$wanted" > "$stamp"
