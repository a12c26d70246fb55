#!/usr/bin/env bash
# Puts `pulumi-language-yaml`, the language host that runs `runtime: yaml`
# programs, next to the `pulumi` CLI, idempotently.
#
# Uses a `pulumi-language-yaml` already on PATH or beside the `pulumi` on PATH
# (the official CLI ships one). Otherwise builds it from its Go module at one
# pinned release into the CLI's cache directory (the bin directory
# scripts/pulumi-cli.sh fills, so it is on PATH whenever our CLI is).
#
# Prints the directory to put on PATH as its last line of stdout; progress goes
# to stderr. A second run with a warm cache takes about a second.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
# pulumi-yaml v1.25.0 does not compile against the CLI's own pulumi release: pkg/v3
# v3.224.0 added a parameter to plugin.NewContextWithRoot and v3.248.0 changed
# schema.NewPluginLoader. v3.219.0 is the newest release the proxy serves before them.
YAML_PULUMI_SDK="${PULUMI_YAML_SDK:-v3.219.0}"
# The CLI's release, pinned once in scripts/pulumi-cli.sh: its go.mod supplies the
# versions of every other module, so those packages come out of the Go build cache the
# CLI build filled instead of being compiled again.
# shellcheck disable=SC2016  # the $ and braces are matched literally
CLI_DEFAULT=$(sed -n 's/^PULUMI_VERSION="\${PULUMI_VERSION:-\(v[0-9.]*\)}"$/\1/p' "$SCRIPT_DIR/pulumi-cli.sh")
PULUMI_VERSION="${PULUMI_VERSION:-$CLI_DEFAULT}"
if [ -z "$PULUMI_VERSION" ]; then
  echo "[pulumi-yaml] ERROR: cannot read the PULUMI_VERSION pin from scripts/pulumi-cli.sh" >&2
  exit 1
fi
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
BIN_DIR="$CACHE_ROOT/pulumi-$PULUMI_VERSION/bin"  # the same directory as scripts/pulumi-cli.sh
HOST="$BIN_DIR/pulumi-language-yaml"
STAMP="$BIN_DIR/.pulumi-language-yaml.built"  # what the cached binary was built from
WANT="pulumi-yaml $YAML_VERSION with pulumi $YAML_PULUMI_SDK"

say() { printf '[pulumi-yaml] %s\n' "$*" >&2; }

# 1. Someone else's host: on PATH, or beside the `pulumi` on PATH.
cli=$(command -v pulumi 2>/dev/null || true)
for found in "${cli:+$(dirname "$cli")/pulumi-language-yaml}" "$(command -v pulumi-language-yaml 2>/dev/null || true)"; do
  if [ -n "$found" ] && [ -x "$found" ] && [ "$found" != "$HOST" ]; then
    say "using $found"
    dirname "$found"; exit 0
  fi
done

built() { [ -x "$HOST" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; }

# 2. Ours, already built from the pinned versions.
if built; then
  say "using cached pulumi-language-yaml $YAML_VERSION ($BIN_DIR)"
  echo "$BIN_DIR"; exit 0
fi

# 3. Build it.
if ! command -v go >/dev/null; then
  say "ERROR: no 'pulumi-language-yaml' on PATH and Go is not installed, so it cannot be built."
  say "Install Go >= 1.24 (or put pulumi-language-yaml on PATH) and run again."
  exit 2
fi

mkdir -p "$CACHE_ROOT"
# The CLI build's lock: one compile at a time, and the CLI's packages are in the
# build cache by the time this one starts.
exec 9>"$CACHE_ROOT/.build.lock"
say "waiting for the build lock ($CACHE_ROOT/.build.lock)"
flock 9
if built; then say "built meanwhile by another run"; echo "$BIN_DIR"; exit 0; fi

start=$(date +%s)
work="$CACHE_ROOT/build-yaml-$YAML_VERSION"
rm -rf "$work"
mkdir -p "$work" "$BIN_DIR"
cd "$work"
# shellcheck source=scripts/gowrap.sh
. "$SCRIPT_DIR/gowrap.sh"
say "building pulumi-language-yaml $YAML_VERSION from Go modules (first time only; ~1 min after the CLI, ~2-3 min on an empty Go build cache)"
gowrap_init qbo.local/pulumiyaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml

go_mod_file() {  # $1 = module@version; the path of its go.mod in the module cache
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
}

say "step 1/3: resolving pulumi-yaml@$YAML_VERSION, pulumi@$YAML_PULUMI_SDK and the CLI's module versions"
# Every requirement of the CLI's pkg/v3 except pulumi's own modules: minimal version
# selection then picks the CLI's version of each shared module.
mapfile -t cli_reqs < <(awk '/^require \(/{r=1; next} r && /^\)/{r=0; next} r{print $1 "@" $2} /^require [^(]/{print $2 "@" $3}' \
  "$(go_mod_file "github.com/pulumi/pulumi/pkg/v3@v${PULUMI_VERSION#v}")" | grep -v '^github.com/pulumi/pulumi/')
[ "${#cli_reqs[@]}" -gt 0 ] || { say "ERROR: no requirements read from pulumi pkg/v3@$PULUMI_VERSION's go.mod"; exit 1; }
go mod edit "${cli_reqs[@]/#/-require=}"
go get "github.com/pulumi/pulumi-yaml@$YAML_VERSION" \
  "github.com/pulumi/pulumi/pkg/v3@$YAML_PULUMI_SDK" "github.com/pulumi/pulumi/sdk/v3@$YAML_PULUMI_SDK" >&2
for mod in "github.com/pulumi/pulumi/pkg/v3@$YAML_PULUMI_SDK" "github.com/pulumi/pulumi-yaml@$YAML_VERSION"; do
  gowrap_replaces "$(go_mod_file "$mod")"
done
go mod tidy >&2

say "step 2/3: compiling (progress every 50 packages)"
gowrap_build 50 -o "$work/" \
  -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=${YAML_VERSION#v}" \
  github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml

say "step 3/3: installing into $BIN_DIR"
mv -f "$work/pulumi-language-yaml" "$HOST"
echo "$WANT" >"$STAMP"
say "done in $(($(date +%s) - start))s"
echo "$BIN_DIR"
