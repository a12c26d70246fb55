"""Builds the local stack's working config: the committed file plus this checkout's secrets.

`stacks/Pulumi.local.yaml` is committed and stays untouched; the grants the
emulator issued to *this* checkout live only in `.state/Pulumi.local.yaml`
(encrypted), with the events signature key of this checkout. Each run
regenerates that working copy from the committed file and carries the `oauth`
and `signature_key` entries over from the previous copy, so edits to the
committed file take effect and secrets survive.

    python -m scripts.local_config stacks/Pulumi.local.yaml .state/Pulumi.local.yaml \
        [PORT RECEIVER_PORT]

With PORT and RECEIVER_PORT (QUICKBOOKS_LOCAL_PORT, QUICKBOOKS_RECEIVER_PORT),
the emulator's base URL and the callback URLs that point at the local receiver
(localhost:8400) follow those ports.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

INSTANCES = "quickbooks:instances"
CARRIED = ("oauth", "signature_key")  # set by scripts/local_grants.py, encrypted


def merged(committed: dict, previous: dict | None) -> dict:
    result = dict(committed)
    result["config"] = dict(committed.get("config") or {})
    old_instances = ((previous or {}).get("config") or {}).get(INSTANCES) or {}
    instances = {k: dict(v) for k, v in (result["config"].get(INSTANCES) or {}).items()}
    for key, settings in instances.items():
        for name in CARRIED:
            value = (old_instances.get(key) or {}).get(name)
            if value and name not in settings:
                settings[name] = value
    result["config"][INSTANCES] = instances
    return result


COMMITTED_EMULATOR_PORT = 18765
COMMITTED_RECEIVER_PORT = 8400
LOOPBACK = ("localhost", "127.0.0.1")


def with_port(url: str, old: int, new: int) -> str:
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK or parts.port != old:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{new}"))


def follow_ports(config: dict, port: int, receiver_port: int) -> dict:
    """The emulator base URL and local callback URLs on the ports actually used."""
    result = dict(config)
    settings = dict(result["config"])
    if "quickbooks:baseUrl" in settings:
        settings["quickbooks:baseUrl"] = with_port(
            settings["quickbooks:baseUrl"], COMMITTED_EMULATOR_PORT, port
        )
    for instance in (settings.get(INSTANCES) or {}).values():
        if isinstance(instance.get("callback_url"), str):
            instance["callback_url"] = with_port(
                instance["callback_url"], COMMITTED_RECEIVER_PORT, receiver_port
            )
    result["config"] = settings
    return result


def main(
    committed_path: str,
    working_path: str,
    port: str = str(COMMITTED_EMULATOR_PORT),
    receiver_port: str = str(COMMITTED_RECEIVER_PORT),
) -> None:
    committed = yaml.safe_load(Path(committed_path).read_text())
    working = Path(working_path)
    previous = yaml.safe_load(working.read_text()) if working.exists() else None
    result = follow_ports(merged(committed, previous), int(port), int(receiver_port))
    working.write_text(yaml.safe_dump(result, sort_keys=False))


if __name__ == "__main__":
    main(*sys.argv[1:5])
