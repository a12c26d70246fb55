#!/usr/bin/env bash
# Puts a working `pulumi` CLI on PATH for this project, idempotently.
#
# Uses a `pulumi` already on PATH when it is recent enough. Otherwise builds
# `pulumi` and `pulumi-language-python` from their Go modules at one pinned
# release into a cache outside the repo (the CLI cannot be downloaded on
# machines that reach only package registries), and adds the
# `pulumi-resource-pulumi-python` shim that hosts dynamic providers.
#
# Prints the directory to put on PATH as its last line of stdout; progress goes
# to stderr. A second run with a warm cache takes about a second.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
MIN_VERSION="3.200.0"
CACHE_ROOT="${QBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-pulumi}"
BIN_DIR="$CACHE_ROOT/pulumi-$PULUMI_VERSION/bin"

say() { printf '[pulumi-cli] %s\n' "$*" >&2; }

version_ok() {  # $1 = "3.274.1"; true when >= MIN_VERSION
  [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$1" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

write_shim() {  # the dynamic-provider host: python -u -m pulumi.dynamic
  local dir="$1"
  cat >"$dir/pulumi-resource-pulumi-python" <<'SHIM'
#!/usr/bin/env bash
# Hosts Pulumi dynamic providers with the program's virtualenv python.
if [ -n "${PULUMI_RUNTIME_VIRTUALENV:-}" ] && [ -x "$PULUMI_RUNTIME_VIRTUALENV/bin/python" ]; then
  exec "$PULUMI_RUNTIME_VIRTUALENV/bin/python" -u -m pulumi.dynamic "$@"
fi
exec python3 -u -m pulumi.dynamic "$@"
SHIM
  chmod +x "$dir/pulumi-resource-pulumi-python"
}

# 1. A CLI already on PATH (and not our own cache) that is recent enough.
if existing=$(command -v pulumi 2>/dev/null) && [ "$(dirname "$existing")" != "$BIN_DIR" ]; then
  v=$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null | sed 's/^v//; s/-.*//')
  if [ -n "$v" ] && version_ok "$v" && command -v pulumi-language-python >/dev/null; then
    dir=$(dirname "$existing")
    if ! command -v pulumi-resource-pulumi-python >/dev/null; then
      mkdir -p "$CACHE_ROOT/shim"; write_shim "$CACHE_ROOT/shim"
      say "using pulumi $v at $existing (shim in $CACHE_ROOT/shim)"
      echo "$dir:$CACHE_ROOT/shim"; exit 0
    fi
    say "using pulumi $v at $existing"
    echo "$dir"; exit 0
  fi
fi

# 2. Our cache, already built.
if [ -x "$BIN_DIR/pulumi" ] && [ -x "$BIN_DIR/pulumi-language-python" ] && [ -x "$BIN_DIR/pulumi-resource-pulumi-python" ]; then
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
if [ -x "$BIN_DIR/pulumi" ] && [ -x "$BIN_DIR/pulumi-language-python" ]; then
  write_shim "$BIN_DIR"; say "built meanwhile by another run"; echo "$BIN_DIR"; exit 0
fi

start=$(date +%s)
work="$CACHE_ROOT/build-$PULUMI_VERSION"
mkdir -p "$work" "$BIN_DIR"
cd "$work"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOTOOLCHAIN=local

say "building pulumi $PULUMI_VERSION from Go modules (first time only; ~15-30 min on 2 cores)"
cat >go.mod <<MOD
module qbo.local/pulumicli

go 1.24
MOD
cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

say "step 1/3: fetching pkg/v3@$PULUMI_VERSION and its modules"
go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2
# pkg/v3's go.mod replaces some modules with patched forks; a wrapper module
# must repeat those replace lines (the ones not pointing into the repo itself).
pkg_dir=$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/pkg/v3")
awk '/^replace \(/{inb=1;next} inb&&/^\)/{inb=0;next} inb{print} /^replace [^(]/{sub(/^replace /,""); print}' "$pkg_dir/go.mod" |
  grep -v '=> \.' | while read -r old _arrow new_mod new_ver; do
    say "  replace $old => $new_mod $new_ver"
    go mod edit -replace "$old=$new_mod@$new_ver"
  done
go mod tidy >&2

say "step 2/3: compiling pulumi (the long part; progress every 100 packages)"
set +e
go build -v -o "$BIN_DIR/" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1 |
  awk '/^(#|go:|[^ ]*\.go:)/{print > "/dev/stderr"; next} {n++; if (n%100==0) printf "[pulumi-cli]   compiled %d packages\n", n > "/dev/stderr"}'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { say "ERROR: go build failed (exit $rc); see the messages above"; exit 1; }

say "step 3/3: adding the dynamic-provider host shim"
write_shim "$BIN_DIR"
"$BIN_DIR/pulumi" version >&2
say "done in $(( $(date +%s) - start ))s"
echo "$BIN_DIR"
