#!/usr/bin/env bash
# The dependency lock, from pyproject.toml:
#   bash scripts/lock.sh            (make lock) re-resolve uv.lock, keeping every pin
#                                   the ranges still allow, and regenerate requirements.txt
#                                   and the hashes in scripts/uv-requirements.txt
#   bash scripts/lock.sh --upgrade  (make lock UPGRADE=1) also move every pin to the newest allowed
#   bash scripts/lock.sh --uv X.Y.Z (make lock UV=X.Y.Z) first move uv itself to X.Y.Z
#   bash scripts/lock.sh --check    (make test) fail when pyproject.toml, uv.lock and
#                                   requirements.txt disagree; changes nothing
# requirements.txt holds the runtime packages of uv.lock with their hashes, for
# Pulumi's own Python host: with `virtualenv: .venv` it creates a missing .venv
# with pip from that file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
uv=$(bash scripts/uv.sh | tail -n1)

header='# Generated from uv.lock by `make lock`: the runtime packages, each pinned with
# its hashes. Do not edit; change pyproject.toml and run `make lock`.'

runtime_requirements() {
  printf '%s\n' "$header"
  "$uv" export --frozen --quiet --no-default-groups --no-emit-project --no-header \
    --format requirements-txt
}

if [ "${1:-}" = "--check" ]; then
  if ! "$uv" lock --check; then
    echo "[lock] uv.lock does not match pyproject.toml: run 'make lock' and commit uv.lock" >&2
    exit 1
  fi
  if ! diff -u requirements.txt <(runtime_requirements) >&2; then
    echo "[lock] requirements.txt is not what uv.lock generates: run 'make lock'" >&2
    exit 1
  fi
  echo "[lock] pyproject.toml, uv.lock and requirements.txt agree" >&2
  exit 0
fi

# uv's own pin (scripts/uv-requirements.txt): its comments, then `uv==X` with
# the hashes of all its files, computed by the uv already installed.
write_uv_pin() {  # $1 = "uv==X.Y.Z"
  {
    grep '^#' scripts/uv-requirements.txt
    echo "$1" | "$uv" pip compile - --generate-hashes --no-header --no-annotate --quiet
  } >scripts/uv-requirements.txt.tmp
  mv scripts/uv-requirements.txt.tmp scripts/uv-requirements.txt
}
if [ "${1:-}" = "--uv" ]; then
  write_uv_pin "uv==${2:?usage: scripts/lock.sh --uv X.Y.Z}"
  shift 2
  uv=$(bash scripts/uv.sh | tail -n1)
else
  write_uv_pin "$(grep '^uv==' scripts/uv-requirements.txt | cut -d' ' -f1)"
fi

"$uv" lock "$@"
runtime_requirements >requirements.txt.tmp
mv requirements.txt.tmp requirements.txt
echo "[lock] wrote uv.lock, requirements.txt and scripts/uv-requirements.txt" >&2
