#!/usr/bin/env bash
# Puts `actionlint` (the GitHub Actions workflow checker) on hand, idempotently,
# and prints its path as the last line of stdout.
#
# Uses an `actionlint` already on PATH. Otherwise builds the pinned release
# from its Go module into the project's cache (the same root as
# scripts/pulumi-cli.sh), since release binaries cannot be downloaded on
# machines that reach only package registries. The build takes about a minute
# the first time; afterwards this script returns at once.
set -euo pipefail

ACTIONLINT_VERSION="${QBO_ACTIONLINT_VERSION:-v1.7.12}"
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
BIN_DIR="$CACHE_ROOT/actionlint-$ACTIONLINT_VERSION/bin"

say() { printf '[actionlint] %s\n' "$*" >&2; }

if existing=$(command -v actionlint 2>/dev/null); then
  echo "$existing"; exit 0
fi
if [ -x "$BIN_DIR/actionlint" ]; then
  echo "$BIN_DIR/actionlint"; exit 0
fi
if ! command -v go >/dev/null; then
  say "ERROR: no 'actionlint' on PATH and Go is not installed, so it cannot be built."
  say "Install Go (or put actionlint on PATH) and run again."
  exit 2
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.actionlint-$ACTIONLINT_VERSION.lock"
flock 9
if [ ! -x "$BIN_DIR/actionlint" ]; then
  say "building actionlint $ACTIONLINT_VERSION from its Go module (first time only)"
  # Build into a scratch dir and move the binary into place, so an interrupted
  # build never leaves a half-written file that the check above would trust.
  tmp=$(mktemp -d "$CACHE_ROOT/.actionlint-build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
  mkdir -p "$BIN_DIR"
  mv "$tmp/actionlint" "$BIN_DIR/actionlint"
fi
echo "$BIN_DIR/actionlint"
