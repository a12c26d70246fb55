#!/usr/bin/env bash
# Runs a pulumi command on the `local` stack against the bundled emulator.
#
#   scripts/local.sh up            # the main job: create/converge the local instances
#   scripts/local.sh preview --diff
#   scripts/local.sh refresh --yes
#   scripts/local.sh destroy --yes
#
# Everything lives in .state/ (git-ignored): the emulator's SQLite database and
# generated account secrets, and the Pulumi state (file backend). A second `up`
# is a no-op. The emulator runs only while the command runs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$REPO_ROOT"

STATE="$REPO_ROOT/.state"
PORT="${QUICKBOOKS_LOCAL_PORT:-18765}"
mkdir -p "$STATE/backend"
export PULUMI_BACKEND_URL="file://$STATE/backend"
# The local stack's passphrase guards only emulator data; real stacks use their own.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-emulator}"

# Secrets for the emulator account and the app, generated once per checkout.
if [ ! -f "$STATE/local.env" ]; then
  rand() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
  cat >"$STATE/local.env" <<ENV
QUICKBOOKS_ORGANIZATION_SECRET=$(rand)
QUICKBOOKS_USER_SECRET=$(rand)
QUICKBOOKS_OAUTH_API_SECRET=$(rand)
EMULATOR_ADMIN_TOKEN=$(rand)
ENV
  chmod 600 "$STATE/local.env"
fi
set -a; . "$STATE/local.env"; set +a

fresh_db=no
[ -f "$STATE/emulator.db" ] || fresh_db=yes
log="$STATE/emulator.log"
python -m emulator --port "$PORT" --db "$STATE/emulator.db" \
  --account "$QUICKBOOKS_ORGANIZATION_SECRET:$QUICKBOOKS_USER_SECRET" \
  --admin-token "$EMULATOR_ADMIN_TOKEN" >"$log" 2>&1 &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null; wait $emulator_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "^listening on " "$log" && break
  if ! kill -0 $emulator_pid 2>/dev/null; then
    echo "[local] the emulator did not start (is port $PORT in use? set QUICKBOOKS_LOCAL_PORT):" >&2
    grep -v -i "secret\|token" "$log" >&2 || true
    exit 1
  fi
  sleep 0.1
done
echo "[local] emulator at http://127.0.0.1:$PORT/elements/api-v2 (state in .state/emulator.db)" >&2

if ! pulumi stack select local >/dev/null 2>&1; then
  pulumi stack init local >/dev/null
fi

# The working config: the committed stack file plus this checkout's grants.
CONFIG="$STATE/Pulumi.local.yaml"
[ "$fresh_db" = yes ] && rm -f "$CONFIG"  # a new emulator never issued the old grants
python -m scripts.local_config stacks/Pulumi.local.yaml "$CONFIG"

# Consent for each declared instance that has no grant yet (the emulator's consent
# page, driven over HTTP like a person clicking Authorize); stored encrypted.
python -m scripts.local_grants --port "$PORT" --config-file "$CONFIG"

case "${1:-}" in
  up|preview|refresh|destroy|update|import) pulumi "$@" --stack local --config-file "$CONFIG" ;;
  *) pulumi "$@" --stack local ;;
esac
if [ "${1:-}" = up ]; then
  pulumi stack output --stack local
fi
