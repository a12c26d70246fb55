"""``scripts/local.sh event [INSTANCE] [RESOURCE]``: send a test event, show what the receiver got.

Finds the instance's id in the `local` stack's outputs, asks the emulator to
deliver one UPDATED event of RESOURCE (default: the first polled resource) and
waits until the local receiver has it. Prints the receiver's verdict and the
time from the trigger to the receiver. Exit code 0 only for a verified delivery.
Never prints a key or a token.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import requests


def stack_outputs() -> dict:
    done = subprocess.run(
        ["pulumi", "stack", "output", "--json", "--stack", "local"],
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout or "{}") if done.returncode == 0 else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="?", help="instance key (default: the only one)")
    parser.add_argument("resource", nargs="?", help="poller resource (default: the first polled)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--receiver-port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    outputs = stack_outputs()
    if not outputs:
        print("event: the local stack has no instances yet: run `make up` first", file=sys.stderr)
        return 1
    key = args.instance or (next(iter(outputs)) if len(outputs) == 1 else None)
    if key not in outputs:
        print(f"event: name one of the instances: {', '.join(sorted(outputs))}", file=sys.stderr)
        return 1
    instance_id = int(outputs[key]["instance_id"])

    http = requests.Session()
    http.trust_env = False
    emulator = f"http://127.0.0.1:{args.port}"
    platform = {
        "Authorization": f"User {os.environ['QUICKBOOKS_USER_SECRET']}, "
        f"Organization {os.environ['QUICKBOOKS_ORGANIZATION_SECRET']}"
    }
    admin = {"Authorization": f"Bearer {os.environ['EMULATOR_ADMIN_TOKEN']}"}
    instance = http.get(
        f"{emulator}/elements/api-v2/instances/{instance_id}", headers=platform, timeout=10
    ).json()
    polled = instance.get("configuration", {}).get("event.poller.urls", "").split("|")
    resource = args.resource or polled[0]
    started = time.time()
    answer = http.post(
        f"{emulator}/_emulator/instances/{instance_id}/events",
        json={"objectType": resource, "eventType": "UPDATED", "objectId": "local-test"},
        headers=admin,
        timeout=10,
    )
    if answer.status_code != 202:
        print(f"event: the emulator refused: {answer.json().get('message')}", file=sys.stderr)
        return 1
    delivery_id = answer.json()["deliveryId"]
    print(f"[local] sent a test event ({resource} UPDATED) to instance {key!r} ({instance_id})")

    receiver = f"http://127.0.0.1:{args.receiver_port}/deliveries"
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        seen = [d for d in http.get(receiver, timeout=5).json() if d["delivery_id"] == delivery_id]
        if seen:
            got = seen[-1]
            latency_ms = (got["received_at"] - started) * 1000
            if got["verified"]:
                events = ", ".join(
                    f"{e['objectType']} {e['eventType']} {e['objectId']}" for e in got["events"]
                )
                print(
                    f"[local] receiver: delivery {delivery_id} at {got['path']}: "
                    f"signature verified, {len(got['events'])} event(s): {events} "
                    f"({latency_ms:.0f} ms after the trigger)"
                )
                print(f"[local] dashboard: {emulator}/_emulator/dashboard")
                return 0
            print(
                f"event: the receiver REJECTED delivery {delivery_id}: {got['error']}",
                file=sys.stderr,
            )
            return 1
        time.sleep(0.05)
    status = http.get(f"{emulator}/_emulator/deliveries/{delivery_id}", headers=admin, timeout=5)
    print(
        f"event: delivery {delivery_id} did not reach the receiver within {args.timeout:.0f} s "
        f"({status.json()}); is the instance's callback_url the receiver's "
        f"(http://localhost:{args.receiver_port}/…)?",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
