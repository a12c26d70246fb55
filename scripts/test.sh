#!/usr/bin/env bash
# The whole test suite, with all of its own set-up (idempotent):
# virtualenv + dependencies, the Pulumi CLI (built once into ~/.cache), Debian's
# Chromium for the browser test, then the lock check, the linters (ruff,
# zizmor and actionlint for .github/) and every test. Extra arguments go to pytest.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$REPO_ROOT"

if ! command -v chromium >/dev/null 2>&1; then
  echo "[test] installing Debian's chromium for the browser test" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >&2
fi

echo "[test] lock: pyproject.toml, uv.lock, requirements.txt" >&2
bash scripts/lock.sh --check

echo "[test] ruff" >&2
ruff check .
ruff format --check . >/dev/null || { echo "[test] ruff format: files need formatting (run: ruff format .)" >&2; exit 1; }

# The pipeline is code too: supply-chain audit (zizmor, offline: no GitHub API
# calls) and workflow syntax, expressions and run: scripts (actionlint with the
# locked shellcheck). Either one failing, or missing, fails the run.
echo "[test] zizmor" >&2
zizmor --offline --no-progress --quiet .github
echo "[test] actionlint" >&2
actionlint=$(bash scripts/actionlint.sh | tail -n1)
"$actionlint" -shellcheck "$REPO_ROOT/.venv/bin/shellcheck"

echo "[test] pytest" >&2
started=$(date +%s)
# Two worker processes, each a whole test file at a time (a file's emulator and stacks
# stay in one process): a CLI test keeps about one core busy, and this machine has two.
# `-n 0` in the arguments runs everything in this process. The slowest tests are named
# at the end of every run: where the suite's time goes.
pytest -q -n 2 --dist loadfile --durations=25 --durations-min=5 "$@"
echo "[test] suite passed in $(( $(date +%s) - started ))s" >&2
