#!/usr/bin/env bash
# Puts a working `pulumi` CLI on PATH for this project, idempotently.
#
# Uses a `pulumi` already on PATH when it is recent enough. Otherwise builds
# `pulumi` from its Go module at one pinned release into a cache outside the
# repo (the CLI cannot be downloaded on machines that reach only package
# registries). Next to it go four plugins of our own:
#   - `pulumi-language-python`: the language host that runs __main__.py, our
#     Python implementation (scripts/pulumi-language-python + scripts/langhost/),
#     since the Go module of the upstream one is not served by the Go proxy;
#   - `pulumi-language-nodejs`: the language host of Node.js (TypeScript)
#     programs, the same launcher under that name (scripts/langhost/ too, for
#     the same reason); it needs `node` on PATH;
#   - `pulumi-language-go`: the language host of Go programs, likewise (it builds
#     the program with `go build`, as the upstream host does); it needs `go`;
#   - `pulumi-resource-pulumi-python`: the shim that hosts dynamic providers, the
#     same launcher under that name (it resolves the virtualenv as the host does).
# They are re-copied whenever their source in the repo changed.
#
# Prints the directory to put on PATH as its last line of stdout; progress goes
# to stderr. A second run with a warm cache takes about a second.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
MIN_VERSION="3.200.0"
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
BIN_DIR="$CACHE_ROOT/pulumi-$PULUMI_VERSION/bin"
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$SCRIPT_DIR")

say() { printf '[pulumi-cli] %s\n' "$*" >&2; }

version_ok() {  # $1 = "3.274.1"; true when >= MIN_VERSION
  [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$1" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

put_file() {  # $1 = source file, $2 = destination; copies (atomically) only when different
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    cp "$1" "$2.tmp.$$" && chmod 755 "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
    say "  installed $(basename "$2") into $(dirname "$2")"
  fi
}

install_plugin() {  # $1 = dir, $2 = plugin name; our launcher (one script for all four) + langhost/
  local dir="$1" f hint
  mkdir -p "$dir/langhost"
  for f in launch.py pythonenv.py language_host.py pulumi_language_python.py \
    pulumi-language-python-exec pulumi_language_nodejs.py pulumi_language_go.py required.py \
    pulumirpc.py; do
    put_file "$SCRIPT_DIR/langhost/$f" "$dir/langhost/$f"
  done
  # The launcher picks its role from the name it is started by.
  put_file "$SCRIPT_DIR/pulumi-language-python" "$dir/$2"
  # A python to start with (the launcher needs only one with the standard library; the
  # host itself needs grpcio + the pulumi SDK): this checkout's .venv, if there is one.
  if [ -x "$REPO_DIR/.venv/bin/python" ]; then
    hint="$REPO_DIR/.venv/bin/python"
    [ "$(cat "$dir/langhost/python" 2>/dev/null)" = "$hint" ] || echo "$hint" >"$dir/langhost/python"
  fi
  [ "$2" != pulumi-language-python ] || install_program_generator "$dir"
}

# `pulumi import` asks the host for the imported resource's code (GenerateProgram), which
# scripts/gen-sdk.sh's tool writes: built here from the CLI's Go modules (seconds on the
# Go build cache the CLI build filled), its path recorded beside the host. Never fatal:
# without it only that code generation fails, saying how to get it.
install_program_generator() {  # $1 = dir
  local tool why="it is built from the Go modules of a CLI built here"
  put_file "$SCRIPT_DIR/langhost/program_gen.py" "$1/langhost/program_gen.py"
  if [ -f "$CACHE_ROOT/build-$PULUMI_VERSION/go.sum" ] && why="its build failed" &&
    tool=$(bash "$SCRIPT_DIR/gen-sdk.sh" --tool | tail -n1) && [ -x "$tool" ]; then
    [ "$(cat "$1/langhost/gen-sdk" 2>/dev/null)" = "$tool" ] || echo "$tool" >"$1/langhost/gen-sdk"
  else
    rm -f "$1/langhost/gen-sdk"
    say "  WARNING: no program generator ($why): \`pulumi import\` needs --generate-code=false"
  fi
}

PLUGINS=(pulumi-language-python pulumi-language-nodejs pulumi-language-go pulumi-resource-pulumi-python)
install_plugins() {  # $1 = dir
  local plugin
  for plugin in "${PLUGINS[@]}"; do install_plugin "$1" "$plugin"; done
}

# 1. A CLI already on PATH (and not our own cache) that is recent enough. Its
#    own plugins are used when it has them; ours fill in what it lacks.
ours() { case "$(dirname "$1")" in "$BIN_DIR" | "$CACHE_ROOT/shim") return 0 ;; esac; return 1; }
has_plugin() {  # $1 = plugin name, $2 = dir of pulumi: next to it, or on PATH (not ours)
  local p
  [ -x "$2/$1" ] && return 0
  p=$(command -v "$1" 2>/dev/null) && ! ours "$p"
}
if existing=$(command -v pulumi 2>/dev/null) && ! ours "$existing"; then
  v=$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null | sed 's/^v//; s/-.*//')
  if [ -n "$v" ] && version_ok "$v"; then
    dir=$(dirname "$existing")
    missing=()
    for plugin in "${PLUGINS[@]}"; do has_plugin "$plugin" "$dir" || missing+=("$plugin"); done
    if [ ${#missing[@]} -eq 0 ]; then
      say "using pulumi $v at $existing"
      echo "$dir"; exit 0
    fi
    mkdir -p "$CACHE_ROOT/shim"
    for plugin in "${missing[@]}"; do install_plugin "$CACHE_ROOT/shim" "$plugin"; done
    say "using pulumi $v at $existing (with plugins from $CACHE_ROOT/shim)"
    echo "$dir:$CACHE_ROOT/shim"; exit 0
  fi
fi

# 2. Our cache, already built: refresh our plugins (cheap when unchanged).
if [ -x "$BIN_DIR/pulumi" ]; then
  install_plugins "$BIN_DIR"
  say "using cached pulumi $PULUMI_VERSION ($BIN_DIR)"
  echo "$BIN_DIR"; exit 0
fi

# 3. Build it.
if ! command -v go >/dev/null; then
  say "ERROR: no 'pulumi' on PATH and Go is not installed, so the CLI cannot be built."
  say "Install Go >= 1.24 (or put pulumi >= $MIN_VERSION with pulumi-language-python on PATH) and run again."
  exit 2
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.build.lock"
say "waiting for the build lock ($CACHE_ROOT/.build.lock)"
flock 9
if [ -x "$BIN_DIR/pulumi" ]; then
  install_plugins "$BIN_DIR"; say "built meanwhile by another run"; echo "$BIN_DIR"; exit 0
fi

start=$(date +%s)
work="$CACHE_ROOT/build-$PULUMI_VERSION"
mkdir -p "$work" "$BIN_DIR"
cd "$work"
# shellcheck source=scripts/gowrap.sh
. "$SCRIPT_DIR/gowrap.sh"
say "building pulumi $PULUMI_VERSION from Go modules (first time only; ~15-30 min on 2 cores)"
gowrap_init qbo.local/pulumicli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

say "step 1/3: fetching pkg/v3@$PULUMI_VERSION and its modules"
go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2
# pkg/v3's go.mod replaces some modules with patched forks.
gowrap_replaces "$(go list -m -f '{{.GoMod}}' "github.com/pulumi/pulumi/pkg/v3")"
go mod tidy >&2

say "step 2/3: compiling pulumi (the long part; progress every 100 packages)"
gowrap_build 100 -o "$BIN_DIR/" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

say "step 3/3: adding the language hosts and the dynamic-provider host shim"
install_plugins "$BIN_DIR"
"$BIN_DIR/pulumi" version >&2
say "done in $(( $(date +%s) - start ))s"
echo "$BIN_DIR"
