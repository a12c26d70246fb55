# shellcheck shell=bash
# Builds a Go command from its module through a small wrapper module (a go.mod
# that requires it, a tools.go that imports it). Sourced by scripts/pulumi-cli.sh
# and scripts/pulumi-yaml.sh, which define `say` (progress on stderr).

gowrap_init() {  # $1 = the wrapper's module name, $2 = the command's package; in the current dir
  export GOFLAGS="${GOFLAGS:-} -mod=mod"
  export GOTOOLCHAIN=local
  printf 'module %s\n\ngo 1.24\n' "$1" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$2" >tools.go
}

gowrap_replaces() {  # $1 = a dependency's go.mod
  # Replace directives apply only in the main module, so the wrapper repeats the
  # dependency's (the ones that do not point into its own repository).
  awk '/^replace \(/{r=1; next} r && /^\)/{r=0; next} r{print} /^replace [^(]/{sub(/^replace /, ""); print}' "$1" |
    { grep -v '=> \.' || true; } | while read -r old _arrow new_mod new_ver; do
      say "  replace $old => $new_mod $new_ver"
      go mod edit -replace "$old=$new_mod@$new_ver"
    done
}

gowrap_build() {  # $1 = progress every N packages; the rest: `go build` arguments
  local every=$1 rc
  shift
  set +e
  # -v lists each package as it is compiled: counted, not shown; errors are shown.
  go build -v "$@" 2>&1 |
    awk -v every="$every" '/^(#|go:|[^ ]*\.go:)/{print > "/dev/stderr"; next}
      {n++; if (n % every == 0) { print "  compiled " n " packages"; fflush() }}' |
    while read -r line; do say "$line"; done
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || { say "ERROR: go build failed (exit $rc); see the messages above"; exit 1; }
}
