#!/usr/bin/env bash
# Generates the `quickbooks` package's SDKs from sdk/schema.json:
#   bash scripts/gen-sdk.sh            # rewrite sdk/python, sdk/nodejs and sdk/go
#   SCHEMA=FILE bash scripts/gen-sdk.sh --out DIR   # from another schema (the release's)
#   bash scripts/gen-sdk.sh --out DIR  # write them under DIR instead (the staleness test)
#   bash scripts/gen-sdk.sh --tool     # only build the generator; print its path
# The generator (scripts/gen-sdk/*.go) is the CLI's own code generators, built
# once from the Go modules the CLI was built from (scripts/pulumi-cli.sh) into the
# same cache; no download. Rebuilt when its source changes. The same tool writes
# `pulumi import`'s Python code for our language host (scripts/pulumi-cli.sh
# builds it with --tool and records its path beside the host).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
CLI_BUILD="$CACHE_ROOT/build-$PULUMI_VERSION"
out="$REPO_DIR/sdk"
[ "${1:-}" = "--out" ] && out="$2"

say() { printf '[gen-sdk] %s\n' "$*" >&2; }

src_hash=$(cat "$REPO_DIR"/scripts/gen-sdk/*.go | sha256sum | cut -c1-16)
tool="$CACHE_ROOT/gen-sdk-$PULUMI_VERSION-$src_hash/gen-sdk"
if [ ! -x "$tool" ]; then
  if [ ! -f "$CLI_BUILD/go.sum" ]; then
    say "ERROR: $CLI_BUILD/go.sum not found: build the CLI first (. scripts/setup.sh)"
    exit 2
  fi
  say "building the SDK and program generator (once: seconds on the Go build cache the CLI build filled)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp "$CLI_BUILD/go.mod" "$CLI_BUILD/go.sum" "$REPO_DIR"/scripts/gen-sdk/*.go "$work/"
  (cd "$work" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o "$tool.tmp" . && mv "$tool.tmp" "$tool")
fi
if [ "${1:-}" = "--tool" ]; then echo "$tool"; exit 0; fi
schema="${SCHEMA:-$REPO_DIR/sdk/schema.json}"
"$tool" "$schema" "$out" python nodejs go
say "wrote $out/python, $out/nodejs and $out/go"
