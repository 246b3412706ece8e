#!/usr/bin/env bash
# Creates .venv with the given requirements file (by uv), node from PyPI and bun from
# the npm registry (scripts/tools.sh); pip builds the editable install offline.
# Reflex's own bun download needs the open internet; npm's `bun` package ships the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/tools.sh
requirements="${1:-requirements.txt}"
BUN_VERSION=1.4.5

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(basename "$requirements")"
if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  echo "Installing $requirements into $VENV ..."
  install_requirements "$requirements"
  # The `imghost` operator command; the venv's setuptools builds it, no download.
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation \
      --no-deps --no-index -e . >"$VENV/.imghost-install.log" 2>&1; then
    cat "$VENV/.imghost-install.log" >&2
    exit 1
  fi
  touch "$stamp"
fi
ensure_node
if ! "$VENV/bun/node_modules/.bin/bun" --version 2>/dev/null | grep -qx "$BUN_VERSION"; then
  echo "Installing bun $BUN_VERSION from npm ..."
  npm install --silent --no-audit --no-fund --prefix "$VENV/bun" "bun@$BUN_VERSION"
fi
