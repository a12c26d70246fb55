#!/usr/bin/env bash
# Idempotent set-up shared by every entry point; meant to be sourced:
#   . scripts/setup.sh
# Creates .venv with requirements.txt (re-installs only when the file changed),
# puts the Pulumi CLI on PATH (scripts/pulumi-cli.sh: cached after the first
# build), and sets the environment a non-interactive Pulumi run needs.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO_ROOT

setup_say() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -x "$REPO_ROOT/.venv/bin/python" ]; then
  setup_say "creating virtualenv .venv"
  python3 -m venv "$REPO_ROOT/.venv"
fi
req_hash=$(sha256sum "$REPO_ROOT/requirements.txt" | cut -c1-16)
if [ "$(cat "$REPO_ROOT/.venv/.requirements" 2>/dev/null)" != "$req_hash" ]; then
  setup_say "installing Python dependencies (requirements.txt)"
  "$REPO_ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements.txt" >&2
  echo "$req_hash" >"$REPO_ROOT/.venv/.requirements"
fi

pulumi_bin=$(bash "$REPO_ROOT/scripts/pulumi-cli.sh" | tail -n1)
export PATH="$pulumi_bin:$REPO_ROOT/.venv/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS=true
