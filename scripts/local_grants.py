"""Grants for the `local` stack: consent on the emulator, store the grant (the code encrypted).

An instance gets a new consent when it has no grant, or when its grant can no longer
do what the next `up` needs: spent by an instance the stack no longer has (after a
`destroy`: a grant works once), expired, or unknown to the emulator. `--renew
--instance KEY` consents for KEY whatever its grant (`scripts/local.sh onboard`, the
command the provider's messages name on this stack).

Also gives every instance with a callback URL this checkout's events signature
key (QUICKBOOKS_LOCAL_SIGNATURE_KEY from .state/local.env, which the local
receiver verifies with), as an encrypted `signature_key`, unless the committed
stack file declares one.

On a real account a person consents in a browser (`python -m provider.onboard`);
the local emulator's consent page is driven over HTTP instead, exactly as a
browser would submit it, so `scripts/local.sh up` works with nobody at the
keyboard. Grant values go to `pulumi config set --secret` on stdin, never on a
command line or in output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess

import requests

from emulator.catalog import companies
from harness import consent


def pulumi_config(key: str, stack: str, config_file: str) -> dict:
    out = subprocess.run(
        ["pulumi", "config", "get", key, "--json", "--stack", stack, "--config-file", config_file],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    parsed = json.loads(out)
    return parsed.get("objectValue", parsed.get("value"))


def set_grant_field(path: str, value: str, stack: str, config_file: str) -> None:
    # The company id is no secret (see the README); it must stay a string.
    kind = ["--type", "string"] if path.endswith(".realm_id") else ["--secret"]
    subprocess.run(
        [
            "pulumi",
            "config",
            "set",
            *kind,
            "--path",
            "--stack",
            stack,
            "--config-file",
            config_file,
            path,
        ],
        input=value,
        check=True,
        capture_output=True,
        text=True,
    )


class EmulatorGrants:
    """What the local emulator says of a stored grant, and what the stack holds.

    A grant works once: the `up` that creates an instance spends it, and the instance
    keeps working on the platform's own tokens. So a spent grant is a problem only when
    the stack has no instance for it any more (after `destroy`): the next `up` creates
    one and needs a new consent. An expired or unknown grant (a new emulator database)
    needs one anyway.
    """

    def __init__(self, http: requests.Session, root: str, stack: str) -> None:
        self.http = http
        self.root = root
        self.stack = stack
        self._in_state: set[str] | None = None

    def needs_new_grant(self, key: str, code: str) -> str | None:
        """Why instance `key` needs a new consent before the next `up`; None if it does not."""
        answer = self.http.post(
            f"{self.root}/_emulator/grants/state",
            json={"code": code},
            headers={"Authorization": f"Bearer {os.environ['EMULATOR_ADMIN_TOKEN']}"},
            timeout=30,
        )
        answer.raise_for_status()
        state = answer.json()["state"]
        if state == "usable":
            return None
        if state == "spent":
            if key in self.instances_in_state():
                return None  # spent creating the instance the stack still has
            return "its grant was spent by an earlier instance (a grant works once)"
        if state == "expired":
            return "its grant expired before it was used"
        return "the emulator does not know its grant (a new emulator database)"

    def instances_in_state(self) -> set[str]:
        """The keys of the instances the stack's state holds (one `pulumi stack export`)."""
        if self._in_state is None:
            out = subprocess.run(
                ["pulumi", "stack", "export", "--stack", self.stack],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            resources = json.loads(out).get("deployment", {}).get("resources") or []
            self._in_state = {
                r["urn"].rsplit("::", 1)[-1]
                for r in resources
                if r.get("custom") and not r["type"].startswith("pulumi:providers:")
            }
        return self._in_state


def local_companies() -> list[str]:
    """The realm ids the local emulator offers (scripts/local.sh starts it with
    --companies $LOCAL_COMPANIES)."""
    count = int(os.environ.get("LOCAL_COMPANIES", "20"))
    return list(companies(count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stack", default="local")
    parser.add_argument("--config-file", required=True)
    parser.add_argument(
        "--renew", action="store_true", help="consent again for --instance, whatever its grant"
    )
    parser.add_argument("--instance", help="with --renew: the instance key")
    args = parser.parse_args()
    if args.renew and args.stack != "local":
        raise SystemExit(
            f"[local] scripts/local.sh runs the local stack only; for stack {args.stack!r} run "
            f"`python -m provider.onboard --stack {args.stack} --instance {args.instance or 'KEY'}`"
        )
    if args.renew and not args.instance:
        raise SystemExit(
            "[local] onboard needs --instance KEY (a key under quickbooks:instances): "
            "bash scripts/local.sh onboard --instance books"
        )

    base_url = f"http://127.0.0.1:{args.port}/elements/api-v2"
    # The emulator scripts/local.sh started, on loopback: no proxy from the environment.
    http = requests.Session()
    http.trust_env = False

    def config(key: str) -> dict:
        return pulumi_config(key, args.stack, args.config_file)

    api_key = config("quickbooks:oauthApiKey")
    callback = config("quickbooks:oauthCallbackUrl")
    instances = config("quickbooks:instances")
    # One authorized instance per company: an instance that names no company gets the
    # first one no other instance of the stack has (the emulator runs with --companies).
    taken = {(settings.get("oauth") or {}).get("realm_id") for settings in instances.values()}
    free = (realm for realm in local_companies() if realm not in taken)
    emulator = EmulatorGrants(http, f"http://127.0.0.1:{args.port}", args.stack)
    if args.renew and args.instance not in instances:
        raise SystemExit(
            f"[local] no instance {args.instance!r} in quickbooks:instances of "
            f"stacks/Pulumi.local.yaml (declared: {', '.join(sorted(instances)) or 'none'})"
        )
    for key in sorted(instances):
        code = (instances[key].get("oauth") or {}).get("code")
        if args.renew:
            if key != args.instance:
                continue
            why = "asked for (scripts/local.sh onboard)"
        else:
            why = emulator.needs_new_grant(key, code) if code else None
            if code and why is None:
                continue  # granted on an earlier run, and still good for what `up` does
        realm = (instances[key].get("oauth") or {}).get("realm_id") or next(free, None)
        if realm is None:
            raise SystemExit(
                f"[local] no free company left for instance {key!r}: the local emulator "
                f"offers {len(local_companies())} (LOCAL_COMPANIES in scripts/local.sh)"
            )
        granted = consent.grant(
            http, base_url, api_key, os.environ["QUICKBOOKS_OAUTH_API_SECRET"], callback, realm
        )
        for field, value in (("code", granted["code"]), ("realm_id", granted["realmId"])):
            set_grant_field(
                f"quickbooks:instances.{key}.oauth.{field}", value, args.stack, args.config_file
            )
        print(
            f"[local] {'consented again' if why else 'consented'} for instance {key!r} "
            f"(company {granted['realmId']}){f': {why}' if why else ''}; "
            "code stored encrypted in the stack config",
            flush=True,
        )

    signature_key = os.environ.get("QUICKBOOKS_LOCAL_SIGNATURE_KEY")
    for key in sorted(instances):
        settings = instances[key]
        if not signature_key or not settings.get("callback_url"):
            continue
        if settings.get("signature_key") == signature_key:
            continue  # set on an earlier run (or declared with this very value)
        set_grant_field(  # --secret: the path does not end in .realm_id
            f"quickbooks:instances.{key}.signature_key",
            signature_key,
            args.stack,
            args.config_file,
        )
        print(
            f"[local] instance {key!r} signs its events with this checkout's key "
            "(stored encrypted; the local receiver verifies with it)",
            flush=True,
        )


if __name__ == "__main__":
    main()
