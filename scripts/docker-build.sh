#!/usr/bin/env bash
# The Dockerfile's build steps, runnable (and tested) outside Docker:
#   docker-build.sh deps   venv at $VENV with requirements.txt, node and bun (cacheable layer)
#   docker-build.sh app    the imghost command, the prebuilt frontend, then drop build-only files
# The image itself cannot be built on machines without a Docker engine, so
# tests/api/test_docker.py runs exactly these steps in a clean venv.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VENV:?set VENV to the virtualenv to create (the Dockerfile uses /opt/venv)}"
source scripts/env.sh
# uv and Node from PyPI (node for the frontend build only), bun from npm.
source scripts/tools.sh

case "${1:-}" in
  deps)
    python3 -m venv "$VENV"
    install_requirements requirements.txt
    ensure_node
    bun_version="$(sed -n 's/^BUN_VERSION=//p' scripts/install.sh)"
    npm install --silent --no-audit --no-fund --prefix "$VENV/bun" "bun@$bun_version"
    ;;
  app)
    scripts/install.sh requirements.txt
    scripts/build-frontend.sh
    if [ "$VENV" = "$PWD/.venv" ]; then
      echo "refusing to prune a development checkout's .venv; use a fresh VENV" >&2
      exit 2
    fi
    # Only .web/build/client is served: uv, node, bun, their caches and node_modules
    # were for building.
    rm -rf "$VENV/build-tools" "$VENV/bun" "$VENV/bun-cache" .web/node_modules .web/.react-router
    "$VENV/bin/pip" uninstall --quiet --yes uv
    # The app directory is read-only at run time: compile now, not at every start.
    "$VENV/bin/python" -m compileall -q imghost rxconfig.py alembic >/dev/null
    ;;
  *)
    echo "usage: VENV=/opt/venv $0 deps|app" >&2
    exit 2
    ;;
esac
