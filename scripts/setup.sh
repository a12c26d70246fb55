#!/usr/bin/env bash
# Idempotent set-up shared by every entry point; meant to be sourced:
#   . scripts/setup.sh
# Creates .venv from uv.lock with the pinned uv (scripts/uv.sh): every package at
# its locked version and hash, re-synced only when pyproject.toml or uv.lock
# changed. Puts the Pulumi CLI on PATH (scripts/pulumi-cli.sh: cached after the
# first build) with its YAML language host (scripts/pulumi-yaml.sh), and sets
# the environment a non-interactive Pulumi run needs.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO_ROOT

setup_say() { printf '[setup] %s\n' "$*" >&2; }

uv=$(bash "$REPO_ROOT/scripts/uv.sh" | tail -n1)
# --frozen: install exactly the lock (scripts/lock.sh --check in `make test`
# catches a lock that lags pyproject.toml). --compile-bytecode: write the .pyc
# files now, as pip does, or every process pays for compiling its imports
# (each time, where PYTHONDONTWRITEBYTECODE is set). --python python3: the
# interpreter `python3 -m venv` would use; uv never downloads one here.
sync_args=(sync --frozen --all-groups --compile-bytecode --python python3 --quiet)
lock_hash=$( (cat "$REPO_ROOT/pyproject.toml" "$REPO_ROOT/uv.lock"; echo "$uv ${sync_args[*]}") | sha256sum | cut -c1-16)
if [ ! -x "$REPO_ROOT/.venv/bin/python" ] || [ "$(cat "$REPO_ROOT/.venv/.locked" 2>/dev/null)" != "$lock_hash" ]; then
  setup_say "syncing .venv with uv.lock"
  (cd "$REPO_ROOT" && UV_PROJECT_ENVIRONMENT="$REPO_ROOT/.venv" UV_PYTHON_DOWNLOADS=never \
    "$uv" "${sync_args[@]}")
  echo "$lock_hash" >"$REPO_ROOT/.venv/.locked"
fi

pulumi_bin=$(bash "$REPO_ROOT/scripts/pulumi-cli.sh" | tail -n1)
# The YAML language host (scripts/pulumi-yaml.sh), for `runtime: yaml` test programs:
# usually built into the CLI's own directory; any other one goes on PATH too.
yaml_bin=$(PATH="$pulumi_bin:$PATH" bash "$REPO_ROOT/scripts/pulumi-yaml.sh" | tail -n1)
case ":$pulumi_bin:" in *":$yaml_bin:"*) ;; *) pulumi_bin="$pulumi_bin:$yaml_bin" ;; esac
export PATH="$pulumi_bin:$REPO_ROOT/.venv/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS=true
