#!/usr/bin/env bash
# Runs a pulumi command on the `local` stack against the bundled emulator.
#
#   scripts/local.sh up            # the main job: create/converge the local instances
#   scripts/local.sh preview --diff
#   scripts/local.sh refresh --yes
#   scripts/local.sh destroy --yes
#   scripts/local.sh serve         # emulator + receiver + dashboard until Ctrl-C (no pulumi)
#   scripts/local.sh event [INSTANCE] [RESOURCE]   # send a test event, show the verified delivery
#   scripts/local.sh onboard [--stack local] --instance KEY   # a new consent for KEY now
#
# A grant works once: every command first consents again, on the emulator's consent
# page, for each instance whose grant is missing, or is spent (its instance was
# destroyed), expired or unknown, saying so in one line. So `up`, `destroy`, `up`
# just works, in any order.
# Everything lives in .state/ (git-ignored): the emulator's SQLite database and
# generated account secrets, the events signature key, and the Pulumi state
# (file backend). A second `up` is a no-op. The emulator and the events receiver
# run only while the command runs, unless `serve` already runs them: then every
# command uses those.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$REPO_ROOT"

STATE="$REPO_ROOT/.state"
PORT="${QUICKBOOKS_LOCAL_PORT:-18765}"
RECEIVER_PORT="${QUICKBOOKS_RECEIVER_PORT:-8400}"
# One authorized instance per company: room for a local stack of up to 20 instances,
# each on its own company (scripts/local_grants.py hands them out).
export LOCAL_COMPANIES=20
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
# The key the local stack signs its events with (and the receiver verifies),
# added to checkouts that predate it.
if ! grep -q '^QUICKBOOKS_LOCAL_SIGNATURE_KEY=' "$STATE/local.env"; then
  echo "QUICKBOOKS_LOCAL_SIGNATURE_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')" >>"$STATE/local.env"
fi
set -a; . "$STATE/local.env"; set +a

fresh_db=no
[ -f "$STATE/emulator.db" ] || fresh_db=yes

# Both servers run beside the command and stop with it; `serve` keeps them up.
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits for "listening on" in $2 from process $1; on failure prints $3 and the log.
wait_listening() {
  local pid=$1 log=$2 what=$3
  for _ in $(seq 1 150); do
    grep -q "^listening on " "$log" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "[local] $what" >&2
      grep -v -i "secret\|token\|key" "$log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "[local] $what (no answer after 15 s)" >&2
  exit 1
}

# Already running (a `serve` in another terminal)? Then use it.
already_served() {
  python - "$PORT" "$RECEIVER_PORT" <<'PY'
import os, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
emulator, receiver = sys.argv[1:3]
try:
    request = urllib.request.Request(
        f"http://127.0.0.1:{emulator}/_emulator/deliveries?limit=1",
        headers={"Authorization": "Bearer " + os.environ["EMULATOR_ADMIN_TOKEN"]},
    )
    opener.open(request, timeout=2).close()
    opener.open(f"http://127.0.0.1:{receiver}/health", timeout=2).close()
except Exception:
    sys.exit(1)
PY
}

start_servers() {
  local emulator_args=("$@") log="$STATE/emulator.log" receiver_log="$STATE/receiver.log"
  # The account and admin token by environment (EMULATOR_ADMIN_TOKEN comes from
  # local.env): never on a command line, which every local user can read.
  EMULATOR_ACCOUNTS="$QUICKBOOKS_ORGANIZATION_SECRET:$QUICKBOOKS_USER_SECRET" \
    python -m emulator --port "$PORT" --db "$STATE/emulator.db" --companies "$LOCAL_COMPANIES" \
    "${emulator_args[@]}" >"$log" 2>&1 &
  pids+=($!)
  wait_listening $! "$log" "the emulator did not start (is port $PORT in use? set QUICKBOOKS_LOCAL_PORT):"
  echo "[local] emulator at http://127.0.0.1:$PORT/elements/api-v2 (state in .state/emulator.db)" >&2
  RECEIVER_SIGNATURE_KEY="$QUICKBOOKS_LOCAL_SIGNATURE_KEY" PYTHONUNBUFFERED=1 \
    python -m receiver --port "$RECEIVER_PORT" >"$receiver_log" 2>&1 &
  pids+=($!)
  wait_listening $! "$receiver_log" "the events receiver did not start (is port $RECEIVER_PORT in use? set QUICKBOOKS_RECEIVER_PORT):"
  echo "[local] events receiver at http://127.0.0.1:$RECEIVER_PORT (log in .state/receiver.log)" >&2
}

if [ "${1:-}" = serve ]; then
  if already_served; then
    echo "[local] already serving on ports $PORT and $RECEIVER_PORT" >&2
    exit 1
  fi
  # Simulated company activity: a 5-minute refresh interval lasts 30 s here.
  start_servers --simulate-activity \
    --poll-seconds-per-minute "${QUICKBOOKS_LOCAL_POLL_SECONDS_PER_MINUTE:-6}"
  cat >&2 <<TEXT
[local] dashboard: http://127.0.0.1:$PORT/_emulator/dashboard (sign in with EMULATOR_ADMIN_TOKEN from .state/local.env)
[local] receiver:  http://127.0.0.1:$RECEIVER_PORT/deliveries
[local] send a test event from another terminal: bash scripts/local.sh event
[local] serving until Ctrl-C; deliveries as the receiver sees them:
TEXT
  tail -n 0 -f "$STATE/receiver.log" &
  pids+=($!)
  wait "${pids[0]}" "${pids[1]}"
  exit 0
fi

if already_served; then
  echo "[local] using the emulator and receiver of the running 'serve'" >&2
else
  start_servers
fi

if ! pulumi stack select local >/dev/null 2>&1; then
  pulumi stack init local >/dev/null
fi

# The working config: the committed stack file plus this checkout's grants.
CONFIG="$STATE/Pulumi.local.yaml"
[ "$fresh_db" = yes ] && rm -f "$CONFIG"  # a new emulator never issued the old grants
python -m scripts.local_config stacks/Pulumi.local.yaml "$CONFIG" "$PORT" "$RECEIVER_PORT"

# What the provider's messages tell the user to run on this stack: these commands,
# not a bare `pulumi` (which has neither this backend nor the working config).
export QUICKBOOKS_ONBOARD_COMMAND="bash scripts/local.sh onboard"
export QUICKBOOKS_UP_COMMAND="bash scripts/local.sh up"

# Consent for each declared instance whose grant is missing or can no longer create
# (the emulator's consent page, driven over HTTP like a person clicking Authorize);
# stored encrypted. `onboard --instance KEY` consents for KEY whatever its grant.
if [ "${1:-}" = onboard ]; then
  shift
  python -m scripts.local_grants --port "$PORT" --config-file "$CONFIG" --renew "$@"
  exit 0
fi
python -m scripts.local_grants --port "$PORT" --config-file "$CONFIG"

case "${1:-}" in
  event) shift; python -m scripts.local_event --port "$PORT" --receiver-port "$RECEIVER_PORT" "$@" ;;
  up|preview|refresh|destroy|update|import) pulumi "$@" --stack local --config-file "$CONFIG" ;;
  *) pulumi "$@" --stack local ;;
esac
if [ "${1:-}" = up ]; then
  pulumi stack output --stack local
fi
