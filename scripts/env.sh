# Shared environment for the scripts: everything stays inside the project's .venv,
# and nothing phones home (these machines reach only the package registries).
VENV="${VENV:-$PWD/.venv}"
export PATH="$VENV/build-tools/bin:$VENV/bun/node_modules/.bin:$VENV/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_DIR="$VENV/reflex"
export BUN_INSTALL_CACHE_DIR="$VENV/bun-cache"
export REFLEX_CHECK_LATEST_VERSION=false
export REFLEX_TELEMETRY_ENABLED=false
