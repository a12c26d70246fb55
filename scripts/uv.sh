#!/usr/bin/env bash
# Puts the pinned `uv` (which creates .venv from uv.lock) into the project's
# cache, idempotently, and prints its path as the last line of stdout.
#
# One pinned version for everyone, rather than whatever `uv` a machine has: the
# lock's format and the resolution `make lock` writes then do not depend on who
# ran it. The version and the hashes of its files are in
# scripts/uv-requirements.txt. uv comes from the package registry as a wheel
# with its binary inside, so a machine that reaches only the registries can
# install it. It lives in the same cache root as the Pulumi CLI
# (scripts/pulumi-cli.sh), outside the repo.
set -euo pipefail

REQUIREMENTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/uv-requirements.txt"
UV_VERSION=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' "$REQUIREMENTS")
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
UV_DIR="$CACHE_ROOT/uv-$UV_VERSION"

say() { printf '[uv] %s\n' "$*" >&2; }

if [ -x "$UV_DIR/bin/uv" ]; then
  echo "$UV_DIR/bin/uv"; exit 0
fi

mkdir -p "$CACHE_ROOT"
# Several checkouts share the cache: one installs, the others wait for it.
exec 9>"$CACHE_ROOT/.uv-$UV_VERSION.lock"
flock 9
if [ -x "$UV_DIR/bin/uv" ]; then
  echo "$UV_DIR/bin/uv"; exit 0
fi

say "installing uv $UV_VERSION into $UV_DIR (first time only)"
tmp=$(mktemp -d "$CACHE_ROOT/.uv-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# --target keeps it out of any Python environment; the wheel's binary lands in
# $tmp/bin. Moving the finished directory into place makes a half-done install
# invisible to the check above.
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes --target "$tmp" -r "$REQUIREMENTS" >&2
"$tmp/bin/uv" --version >&2
mv "$tmp" "$UV_DIR"
trap - EXIT
echo "$UV_DIR/bin/uv"
